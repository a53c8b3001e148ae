package reload

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// dailyCap is the account's cap on reloads and top-ups per UTC day;
// kassa.DefaultReloadDailyCap when not set (0 or less).
func dailyCap(a *kassa.Account) int {
	if a.AutoReload.DailyCap > 0 {
		return a.AutoReload.DailyCap
	}
	return kassa.DefaultReloadDailyCap
}

// capReached reports whether the account's reloads and top-ups since day
// have reached its daily cap; the first time in a day it records a
// reload.cap_reached audit event and a reload.failed event naming source
// (the auto-reload or the top-up that found the cap reached).
func (r *Reloader) capReached(ctx context.Context, a *kassa.Account, day time.Time, source string) (bool, error) {
	n, err := r.countSince(ctx, a.APIKey, day, kassa.KindReload, kassa.KindTopUp)
	if err != nil {
		return false, err
	}
	limit := dailyCap(a)
	if n < limit {
		return false, nil
	}
	today := day.Format("2006-01-02")
	if last, ok, err := r.lastEvent(ctx, a.APIKey, ActionCapReached); err == nil && (!ok || last.Day != today) {
		reason := fmt.Sprintf("daily reload cap reached (%d per day)", limit)
		r.record(ctx, systemActor, a.APIKey, ActionCapReached, eventDetail{Cap: limit, Day: today},
			r.failedEvent(a, source, kassa.ReloadCapReached, reason, ""))
		r.log.Warn("auto-reload daily cap reached", "account", a.APIKey, "cap", limit)
	}
	return true, nil
}

// capError is the answer to a top-up past the daily cap.
func capError(a *kassa.Account) error {
	return kassa.Errorf(kassa.EPAYMENTDECLINED, "daily reload cap reached (%d per day)", dailyCap(a))
}

// countSince counts the account's entries of the kinds written since t.
func (r *Reloader) countSince(ctx context.Context, account string, t time.Time, kinds ...kassa.EntryKind) (int, error) {
	_, n, err := r.store.ListEntries(ctx, kassa.EntryFilter{Account: account, Kinds: kinds, Since: t, Limit: 1})
	if err != nil {
		return 0, fmt.Errorf("count %v entries of %s: %w", kinds, account, err)
	}
	return n, nil
}
