package app

import (
	"context"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TransferRequest asks to move balance or credit between the primary
// account Primary (the caller) and one of its subaccounts.
type TransferRequest struct {
	Kind           kassa.TransferKind
	Primary        string
	From, To       string
	Amount         kassa.Amount // > 0
	Reference      string       // free text, at most MaxReferenceLen bytes
	IdempotencyKey string       // optional: the same key with the same request replays it
}

// Transfer moves balance (two entries) or credit limit between a primary
// and one of its own subaccounts with a balance of its own, in one ledger
// transaction that locks both accounts (see charging.Ledger.Transfer for
// the rules and formulas). ENOTFOUND (NoAccess) for an account that does
// not exist; EFORBIDDEN for one outside the family or sharing the
// primary's balance, EINSUFFICIENT beyond what the source can give.
// Audited as transfer.balance or transfer.credit (not again on a replay).
func (s *Service) Transfer(ctx context.Context, actor Actor, req TransferRequest) (*kassa.Transfer, bool, error) {
	if _, err := s.primaryAccount(ctx, req.Primary); err != nil {
		return nil, false, err
	}
	if err := checkText("reference", req.Reference, MaxReferenceLen); err != nil {
		return nil, false, err
	}
	if err := charging.ValidateIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, false, kassa.FieldError("Idempotency-Key", "the Idempotency-Key header must be 1 to %d printable ASCII characters without spaces, not starting with \"kassa:\"", charging.MaxIdempotencyKeyLen)
	}
	if s.ledger == nil {
		return nil, false, errNoLedger
	}
	t, replayed, err := s.ledger.Transfer(ctx, charging.TransferRequest{
		Kind: req.Kind, Primary: req.Primary, From: req.From, To: req.To, Amount: req.Amount,
		Reference: req.Reference, IdempotencyKey: req.IdempotencyKey,
	})
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, false, s.missingParty(ctx, req, err)
	}
	if err != nil {
		return nil, false, err
	}
	if !replayed {
		action := ActionTransferBalance
		if t.Kind == kassa.TransferCredit {
			action = ActionTransferCredit
		}
		s.audit(ctx, actor, t.Primary, action, map[string]any{
			"transfer_id": t.ID, "from": t.From, "to": t.To, "amount": t.Amount.String(), "reference": t.Reference,
		})
	}
	return t, replayed, nil
}

// missingParty names the transfer's account that does not exist.
func (s *Service) missingParty(ctx context.Context, req TransferRequest, err error) error {
	for _, k := range []string{req.From, req.To} {
		if _, ferr := s.store.FindAccount(ctx, k); kassa.ErrorCode(ferr) == kassa.ENOTFOUND {
			return NoAccess(k)
		}
	}
	return err
}

// TransferQuery selects the transfers of a primary account.
type TransferQuery struct {
	Primary string
	Kind    kassa.TransferKind
	// Accounts keeps the transfers from or to any of them; empty keeps all.
	Accounts []string
	Since    time.Time // inclusive; zero for the beginning
	Until    time.Time // inclusive; zero for now
}

// The times transfers can have: a bound outside is no bound (or, on the
// wrong side, an empty list), and the stores never see a time they cannot
// store.
var (
	firstTransferTime = time.Unix(0, 0).UTC()
	lastTransferTime  = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Transfers lists a primary's transfers, newest first.
func (s *Service) Transfers(ctx context.Context, q TransferQuery) ([]*kassa.Transfer, error) {
	if _, err := s.primaryAccount(ctx, q.Primary); err != nil {
		return nil, err
	}
	if q.Since.After(lastTransferTime) || (!q.Until.IsZero() && q.Until.Before(firstTransferTime)) {
		return []*kassa.Transfer{}, nil
	}
	if q.Since.Before(firstTransferTime) {
		q.Since = time.Time{}
	}
	if q.Until.After(lastTransferTime) {
		q.Until = time.Time{}
	}
	return s.store.ListTransfers(ctx, kassa.TransferFilter{
		Primary: q.Primary, Kind: q.Kind, Accounts: q.Accounts, Since: q.Since, Until: q.Until,
	})
}

// ErrNumberTransfer is wrapped by the EFORBIDDEN error of a number
// transfer between accounts that may not exchange numbers.
var ErrNumberTransfer = errors.New("invalid number transfer")

// CheckNumberTransfer checks the accounts of a number transfer asked by the
// primary: both must exist (ENOTFOUND, NoAccess, otherwise), belong to its
// family (the primary and its subaccounts, in any direction) and not be
// suspended (EFORBIDDEN wrapping ErrNumberTransfer otherwise). kassa holds
// no numbers, so the transfer itself is answered by the caller.
func (s *Service) CheckNumberTransfer(ctx context.Context, primary, from, to string) error {
	if _, err := s.primaryAccount(ctx, primary); err != nil {
		return err
	}
	for _, k := range []string{from, to} {
		a, err := s.findAccount(ctx, k)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return NoAccess(k)
		}
		if err != nil {
			return err
		}
		if a.APIKey != primary && a.Primary != primary {
			return &kassa.Error{Code: kassa.EFORBIDDEN, Err: ErrNumberTransfer,
				Message: "Could not transfer number from account " + from + " to " + to + " - The relationship between these two accounts does not allow for number transfer"}
		}
		if a.Suspended {
			return &kassa.Error{Code: kassa.EFORBIDDEN, Err: ErrNumberTransfer,
				Message: "Could not transfer number from account " + from + " to " + to + " - One of the accounts involved in the transfer is banned"}
		}
	}
	return nil
}
