package charging

import (
	"context"
	"fmt"
	"slices"

	"github.com/kassa-dev/kassa"
)

// Posting is a plain credit or debit of an account: an admin credit or
// adjustment, a top-up, a reload.
type Posting struct {
	Account        string
	Kind           kassa.EntryKind
	Amount         kassa.Amount // positive; Debit takes it from the balance
	Reason         string
	Reference      string
	IdempotencyKey string // optional; unique per account across all kinds
	// RequestHash identifies the request for replays; when empty the
	// engine hashes the posting's kind, account, amount, reason and
	// reference.
	RequestHash string
	Meta        string // JSON stored with the entry, for the surface that made it
	// Events, when set, returns the events to write in the transaction of
	// the posting's entry, given the entry as written (its ID and balance
	// after are known): they commit with it or not at all. It is not called
	// when the posting replays an earlier one.
	Events func(e *kassa.Entry) ([]*kassa.Event, error)
}

// CreditKinds are the kinds Credit accepts; DebitKinds those Debit accepts.
var (
	CreditKinds = []kassa.EntryKind{kassa.KindCredit, kassa.KindTopUp, kassa.KindReload, kassa.KindAdjustment}
	DebitKinds  = []kassa.EntryKind{kassa.KindDebit, kassa.KindAdjustment}
)

// Credit adds p.Amount to the balance with one entry of p.Kind (credit,
// top-up, reload or adjustment). With an idempotency key already used for
// the same posting it returns the first entry and true.
func (l *Ledger) Credit(ctx context.Context, p Posting) (*kassa.Entry, bool, error) {
	if err := p.validate(CreditKinds); err != nil {
		return nil, false, err
	}
	return l.post(ctx, p, p.Amount)
}

// Debit takes p.Amount from the balance with one entry of p.Kind (debit or
// adjustment). EINSUFFICIENT, and nothing changes, when the balance would
// fall below the account's credit limit.
func (l *Ledger) Debit(ctx context.Context, p Posting) (*kassa.Entry, bool, error) {
	if err := p.validate(DebitKinds); err != nil {
		return nil, false, err
	}
	return l.post(ctx, p, p.Amount.Neg())
}

// validate checks a posting against the kinds allowed.
func (p *Posting) validate(kinds []kassa.EntryKind) error {
	if p.Account == "" {
		return kassa.FieldError("account", "is required")
	}
	if !slices.Contains(kinds, p.Kind) {
		return kassa.FieldError("kind", "must be one of %v", kinds)
	}
	if p.Amount <= 0 {
		return kassa.FieldError("amount", "must be positive")
	}
	if err := ValidateIdempotencyKey(p.IdempotencyKey); err != nil {
		return err
	}
	if p.RequestHash == "" {
		p.RequestHash = HashRequest("posting", string(p.Kind), p.Account, p.Amount.String(), p.Reason, p.Reference)
	}
	return nil
}

// post queues the posting with its signed delta.
func (l *Ledger) post(ctx context.Context, p Posting, delta kassa.Amount) (*kassa.Entry, bool, error) {
	v, replayed, err := l.submit(ctx, &op{
		name:      "post " + string(p.Kind),
		account:   p.Account,
		retrySafe: p.IdempotencyKey != "",
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			return applyPosting(tx, p, delta)
		},
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*kassa.Entry), replayed, nil
}

// applyPosting writes the posting's entry unless it is a replay or would
// break the floor.
func applyPosting(tx kassa.LedgerTx, p Posting, delta kassa.Amount) (any, bool, error) {
	prior, err := priorEntry(tx, p.Account, p.IdempotencyKey, p.RequestHash, p.Kind)
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		return prior, true, nil
	}
	b, err := balance(tx, p.Account)
	if err != nil {
		return nil, false, err
	}
	if delta < 0 {
		if _, err := takeFrom(b, delta.Neg(), "debit"); err != nil {
			return nil, false, err
		}
	} else if err := addTo(b, delta); err != nil {
		return nil, false, err
	}
	e := &kassa.Entry{
		Account:        p.Account,
		Kind:           p.Kind,
		Amount:         delta,
		Reason:         p.Reason,
		Reference:      p.Reference,
		IdempotencyKey: p.IdempotencyKey,
		RequestHash:    p.RequestHash,
		Meta:           p.Meta,
	}
	if err := tx.Append(e); err != nil {
		return nil, false, err
	}
	if err := appendEvents(tx, p.Events, e); err != nil {
		return nil, false, err
	}
	return e, false, nil
}

// appendEvents writes the events that events returns for the entry e, if
// any, in tx.
func appendEvents(tx kassa.LedgerTx, events func(*kassa.Entry) ([]*kassa.Event, error), e *kassa.Entry) error {
	if events == nil {
		return nil
	}
	list, err := events(e)
	if err != nil {
		return fmt.Errorf("events of entry %d: %w", e.ID, err)
	}
	for _, ev := range list {
		if err := tx.AppendEvent(ev); err != nil {
			return err
		}
	}
	return nil
}
