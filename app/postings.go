package app

import (
	"context"
	"slices"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// MaxReasonLen bounds the reason of a posting.
const MaxReasonLen = 500

// Posting asks to credit or debit an account: an operator's action on the
// admin API or the dashboard.
type Posting struct {
	Account string
	// Kind is the entry's kind: credit (the default) or adjustment for a
	// credit, debit (the default) or adjustment for a debit.
	Kind           kassa.EntryKind
	Amount         kassa.Amount // > 0
	Reason         string       // free text, at most MaxReasonLen bytes
	Reference      string       // free text, at most MaxReferenceLen bytes
	IdempotencyKey string       // optional: the same key with the same posting replays it
}

// Posted is a posting as written.
type Posted struct {
	Entry    *kassa.Entry
	Currency kassa.Currency // the account's
	Replayed bool           // the idempotency key was used before for the same posting: Entry is the first one
}

// Credit adds p.Amount to the account's balance with one entry. Audited as
// ledger.credit (not again on a replay).
func (s *Service) Credit(ctx context.Context, actor Actor, p Posting) (*Posted, error) {
	return s.post(ctx, actor, p, kassa.KindCredit, ActionLedgerCredit)
}

// Debit takes p.Amount from the account's balance with one entry;
// EINSUFFICIENT, and nothing changes, below the account's floor. Audited as
// ledger.debit (not again on a replay).
func (s *Service) Debit(ctx context.Context, actor Actor, p Posting) (*Posted, error) {
	return s.post(ctx, actor, p, kassa.KindDebit, ActionLedgerDebit)
}

// post checks and writes a posting of the direction that plain names.
func (s *Service) post(ctx context.Context, actor Actor, p Posting, plain kassa.EntryKind, action string) (*Posted, error) {
	if p.Kind == "" {
		p.Kind = plain
	}
	if err := p.validate(plain); err != nil {
		return nil, err
	}
	acct, err := s.findAccount(ctx, p.Account)
	if err != nil {
		return nil, err
	}
	if s.ledger == nil {
		return nil, errNoLedger
	}
	write := s.ledger.Credit
	if plain == kassa.KindDebit {
		write = s.ledger.Debit
	}
	e, replayed, err := write(ctx, charging.Posting{
		Account: acct.APIKey, Kind: p.Kind, Amount: p.Amount, Reason: p.Reason, Reference: p.Reference, IdempotencyKey: p.IdempotencyKey,
	})
	if err != nil {
		return nil, err
	}
	if !replayed {
		s.audit(ctx, actor, acct.APIKey, action, map[string]any{
			"entry_id": e.ID, "kind": e.Kind, "amount": p.Amount.String(), "currency": acct.Currency,
			"reason": e.Reason, "reference": e.Reference,
		})
	}
	return &Posted{Entry: e, Currency: acct.Currency, Replayed: replayed}, nil
}

// validate checks a posting whose plain kind is plain.
func (p Posting) validate(plain kassa.EntryKind) error {
	if p.Amount <= 0 {
		return kassa.FieldError("amount", "amount must be positive")
	}
	if err := checkText("reason", p.Reason, MaxReasonLen); err != nil {
		return err
	}
	if err := checkText("reference", p.Reference, MaxReferenceLen); err != nil {
		return err
	}
	if kinds := []kassa.EntryKind{plain, kassa.KindAdjustment}; !slices.Contains(kinds, p.Kind) {
		return kassa.FieldError("kind", "kind must be %s or %s", plain, kassa.KindAdjustment)
	}
	return nil
}
