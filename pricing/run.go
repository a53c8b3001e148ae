package pricing

import (
	"context"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

// notify wakes Run without blocking.
func (s *Service) notify() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Run keeps the snapshot current until ctx ends: it re-checks the active
// version every PollInterval, at the effective time of a scheduled
// version, and within a second of a notification when the store is a
// kassa.PriceBookWatcher. A refresh that finds the store unavailable (a
// database coming back after an outage, whose pooled connections are still
// dying) is retried soon with back-off rather than at the next poll. It
// returns ctx's error.
func (s *Service) Run(ctx context.Context) error {
	if w, ok := s.store.(kassa.PriceBookWatcher); ok {
		go s.watch(ctx, w)
	}
	ticker := time.NewTicker(s.opts.PollInterval)
	defer ticker.Stop()
	scheduled := time.NewTimer(time.Hour)
	defer scheduled.Stop()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	backoff := retryMinBackoff
	lastProblem := ""
	for {
		err := s.refresh(ctx, &lastProblem)
		s.schedule(ctx, scheduled)
		if kassa.ErrorCode(err) == kassa.EUNAVAILABLE && !errors.Is(err, ErrNoPriceBook) {
			resetTimer(retry, backoff)
			backoff = min(2*backoff, s.opts.PollInterval)
		} else {
			backoff = retryMinBackoff
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ticker.C:
		case <-scheduled.C:
		case <-retry.C:
		case <-s.changed:
		}
	}
}

// retryMinBackoff is the first wait before a refresh that found the store
// unavailable is tried again.
const retryMinBackoff = 100 * time.Millisecond

// watch forwards store notifications to Run, re-subscribing after errors.
func (s *Service) watch(ctx context.Context, w kassa.PriceBookWatcher) {
	for ctx.Err() == nil {
		err := w.WatchPriceBooks(ctx, s.notify)
		if ctx.Err() != nil {
			return
		}
		s.opts.Logger.Warn("price book notifications interrupted; polling meanwhile", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(s.opts.PollInterval):
		}
	}
}

// refresh loads the active version, logging what goes wrong once per
// distinct problem (last holds the previous one), not on every poll. It
// returns the load's error.
func (s *Service) refresh(ctx context.Context, last *string) error {
	err := s.Load(ctx)
	if ctx.Err() != nil {
		return err
	}
	if err == nil {
		*last = ""
		return nil
	}
	if err.Error() == *last {
		return err
	}
	*last = err.Error()
	if kassa.ErrorCode(err) == kassa.ENOTFOUND && s.Current() == nil {
		s.opts.Logger.Warn("no active price book: pricing answers are unavailable until one is activated")
		return err
	}
	s.opts.Logger.Error("price book refresh failed; keeping the current snapshot", "err", err)
	return err
}

// schedule sets timer to fire at the earliest future effective time of an
// activated version (or in an hour when there is none).
func (s *Service) schedule(ctx context.Context, timer *time.Timer) {
	wait := time.Hour
	books, err := s.store.PriceBooks(ctx)
	if err == nil {
		now := s.opts.Now()
		for _, b := range books {
			if !b.ActivatedAt.IsZero() && b.EffectiveAt.After(now) {
				if d := b.EffectiveAt.Sub(now); d < wait {
					wait = d
				}
			}
		}
	}
	resetTimer(timer, wait)
}

// resetTimer makes timer fire after d, dropping a pending firing.
func resetTimer(timer *time.Timer, d time.Duration) {
	if !timer.Stop() {
		select {
		case <-timer.C:
		default:
		}
	}
	timer.Reset(d)
}
