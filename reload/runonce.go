package reload

import (
	"context"
	"fmt"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// Summary says what one RunOnce did.
type Summary struct {
	Leader   bool // this node held the scheduler lease; nothing else is set otherwise
	Due      int  // accounts at or below their threshold
	Reloaded int  // reloads credited
	Declined int  // reloads the gateway declined
	Capped   int  // accounts that reached their daily cap
	Pending  int  // reloads whose payment outcome is unknown: retried next time with the same key
	Skipped  int  // accounts left alone (declined earlier today with the same key, no amount set)
	Failed   int  // other failures (logged)
}

// outcome is what happened to one due account.
type outcome int

const (
	outReloaded outcome = iota
	outDeclined
	outCapped
	outPending
	outSkipped
	outFailed
)

func (s *Summary) add(o outcome) {
	counters := [...]*int{&s.Reloaded, &s.Declined, &s.Capped, &s.Pending, &s.Skipped, &s.Failed}
	*counters[o]++
}

// RunOnce reloads every account due for it, if this node holds (or can
// take) the scheduler lease; otherwise it does nothing and reports
// Leader false. For each account whose balance is at or below its
// threshold and whose daily cap is not reached, it charges the gateway and
// credits a reload entry, both with the key reloadKey gives, so that no
// retry, crash or second node credits twice.
func (r *Reloader) RunOnce(ctx context.Context) (Summary, error) {
	leader, err := r.store.AcquireLease(ctx, LeaseName, r.opts.NodeID, r.opts.LeaseTTL)
	if err != nil {
		return Summary{}, fmt.Errorf("auto-reload: %w", err)
	}
	if !leader {
		return Summary{}, nil
	}
	accounts, err := r.store.AutoReloadAccounts(ctx)
	if err != nil {
		return Summary{Leader: true}, fmt.Errorf("auto-reload: list due accounts: %w", err)
	}
	s := Summary{Leader: true, Due: len(accounts)}
	for i, a := range accounts {
		if ctx.Err() != nil {
			return s, ctx.Err()
		}
		if i > 0 && !r.stillLeader(ctx) {
			return s, fmt.Errorf("auto-reload: lost the scheduler lease after %d of %d accounts", i, len(accounts))
		}
		o, err := r.reloadAccount(ctx, a.APIKey)
		if err != nil {
			r.log.Error("auto-reload", "account", a.APIKey, "err", err)
		}
		s.add(o)
	}
	return s, nil
}

// stillLeader renews the lease between two accounts, so that a long run
// never overlaps another node's.
func (r *Reloader) stillLeader(ctx context.Context) bool {
	ok, err := r.store.AcquireLease(ctx, LeaseName, r.opts.NodeID, r.opts.LeaseTTL)
	return err == nil && ok
}

// reloadAccount makes one account's reload. It reads the account afresh, so
// that a reload credited since the list was taken is not repeated.
func (r *Reloader) reloadAccount(ctx context.Context, apiKey string) (outcome, error) {
	a, err := r.store.FindAccount(ctx, apiKey)
	if err != nil {
		return outFailed, err
	}
	ar := a.AutoReload
	if !ar.Enabled || ar.Amount <= 0 || a.Balance > ar.Threshold {
		return outSkipped, nil
	}
	day := dayStart(r.opts.Now())
	capped, err := r.capReached(ctx, a, day, kassa.ReloadSourceAuto)
	if err != nil || capped {
		return outCapped, err
	}
	done, err := r.countSince(ctx, a.APIKey, day, kassa.KindReload)
	if err != nil {
		return outFailed, err
	}
	key := reloadKey(a.APIKey, day, done+1)
	if last, ok, err := r.lastEvent(ctx, a.APIKey, ActionDeclined); err != nil || (ok && last.Key == key) {
		return outSkipped, err // declined with this key already: not retried until the key changes
	}
	return r.pay(ctx, a, key)
}

// pay charges the gateway and credits the reload.
func (r *Reloader) pay(ctx context.Context, a *kassa.Account, key string) (outcome, error) {
	detail := eventDetail{Key: key, Amount: a.AutoReload.Amount.String(), Currency: string(a.Currency)}
	res, err := r.gw.Charge(ctx, paymentRequest(a, key))
	if err != nil {
		detail.Reason = kassa.ErrorMessage(err)
		switch {
		case UnknownOutcome(err):
			detail.Reason = "payment outcome unknown; retried with the same key"
			r.audit(ctx, systemActor, a.APIKey, ActionPending, detail)
			return outPending, err
		case kassa.ErrorCode(err) == kassa.EPAYMENTDECLINED:
			r.record(ctx, systemActor, a.APIKey, ActionDeclined, detail,
				r.failedEvent(a, kassa.ReloadSourceAuto, kassa.ReloadDeclined, detail.Reason, key))
			return outDeclined, nil
		}
		return outFailed, err
	}
	e, _, err := r.ledger.Credit(ctx, posting(a, kassa.KindReload, key, res))
	if err != nil {
		return outFailed, fmt.Errorf("credit reload %s (paid, reference %s; retried with the same key): %w", key, res.Reference, err)
	}
	detail.Reference, detail.EntryID = e.Reference, e.ID
	r.audit(ctx, systemActor, a.APIKey, ActionReloaded, detail)
	return outReloaded, nil
}

// paymentRequest is the payment of an account's reload amount.
func paymentRequest(a *kassa.Account, key string) PaymentRequest {
	return PaymentRequest{
		Account: a.APIKey, Trx: a.AutoReload.Trx, Amount: a.AutoReload.Amount,
		Currency: a.Currency, IdempotencyKey: key,
	}
}

// posting is the ledger credit for a payment taken under key.
func posting(a *kassa.Account, kind kassa.EntryKind, key string, res PaymentResult) charging.Posting {
	what := "auto-reload"
	if kind == kassa.KindTopUp {
		what = "top-up"
	}
	reason := what
	if res.Note != "" {
		reason += " (" + res.Note + ")"
	}
	amount := a.AutoReload.Amount
	source := kassa.ReloadSourceAuto
	if kind == kassa.KindTopUp {
		source = kassa.ReloadSourceTopUp
	}
	return charging.Posting{
		Account: a.APIKey, Kind: kind, Amount: amount, Reason: reason,
		Reference: res.Reference, IdempotencyKey: key,
		RequestHash: creditHash(string(kind), a.APIKey, amount.String(), key),
		Events: func(e *kassa.Entry) ([]*kassa.Event, error) {
			ev, err := kassa.NewEvent(kassa.EventReloadSucceeded, a.APIKey, kassa.ReloadSucceededData{
				Source: source, Amount: e.Amount.String(), Currency: string(a.Currency), BalanceAfter: e.BalanceAfter.String(),
				EntryID: e.ID, PaymentReference: e.Reference, IdempotencyKey: key,
			})
			return []*kassa.Event{ev}, err
		},
	}
}
