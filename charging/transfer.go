package charging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/kassa-dev/kassa"
)

// TransferRequest asks to move Amount of balance or credit limit between a
// primary account and one of its own subaccounts, in either direction.
type TransferRequest struct {
	Kind           kassa.TransferKind
	Primary        string // the primary account whose family it is (the caller)
	From, To       string
	Amount         kassa.Amount // positive
	Reference      string
	IdempotencyKey string // optional: the same key with the same request replays it
}

// transferMeta is what the entries of a balance transfer keep in
// Entry.Meta: the transfer they belong to.
type transferMeta struct {
	TransferID string `json:"transfer_id"`
}

// Transfer moves balance or credit between a primary and one of its
// subaccounts in one transaction that locks both accounts (in key order,
// like every operation). A balance transfer writes a transfer-out entry on
// From and a transfer-in entry on To; it needs From's balance to stay at or
// above its credit limit (EINSUFFICIENT otherwise: the balance available
// is max(0, balance − credit limit)). A credit transfer raises From's credit
// limit (towards 0) by Amount and lowers To's by it; it needs Amount to be
// at most From's unused credit (|credit limit| − |balance| when the balance
// is negative, else |credit limit|; EINSUFFICIENT otherwise). Both record
// a kassa.Transfer and a transfer.created event. EFORBIDDEN when the two accounts are not the primary
// and one of its subaccounts with a balance of its own; ESUSPENDED when
// From is the primary and it is suspended (money may always move back to
// it). The same idempotency key with the same request replays the first
// transfer (true); with another request it is EIDEMPOTENCY.
func (l *Ledger) Transfer(ctx context.Context, req TransferRequest) (*kassa.Transfer, bool, error) {
	if err := req.validate(); err != nil {
		return nil, false, err
	}
	hash := HashRequest("transfer", string(req.Kind), req.Primary, req.From, req.To, req.Amount.String(), req.Reference)
	v, replayed, err := l.submit(ctx, &op{
		name:      string(req.Kind) + " transfer",
		account:   req.From,
		also:      []string{req.To},
		retrySafe: req.IdempotencyKey != "",
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			return applyTransfer(tx, req, hash)
		},
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*kassa.Transfer), replayed, nil
}

// validate checks what needs no account row.
func (req *TransferRequest) validate() error {
	switch {
	case !req.Kind.Valid():
		return kassa.FieldError("kind", "must be balance or credit")
	case req.From == "":
		return kassa.FieldError("from", "is required")
	case req.To == "":
		return kassa.FieldError("to", "is required")
	case req.From == req.To:
		return kassa.FieldError("from", "Invalid accounts. From and To accounts should be different")
	case req.Amount <= 0:
		return kassa.FieldError("amount", "must be positive")
	case req.From != req.Primary && req.To != req.Primary:
		return errNotFamily
	}
	return ValidateIdempotencyKey(req.IdempotencyKey)
}

// errNotFamily refuses a transfer that is not between a primary and one of
// its subaccounts.
var errNotFamily = kassa.Errorf(kassa.EFORBIDDEN, "Transfers are only allowed between a primary account and its subaccount")

// applyTransfer writes the transfer unless it is a replay or breaks a rule.
func applyTransfer(tx kassa.LedgerTx, req TransferRequest, hash string) (any, bool, error) {
	prior, err := priorTransfer(tx, req, hash)
	if err != nil || prior != nil {
		return prior, prior != nil, err
	}
	from, err := balance(tx, req.From)
	if err != nil {
		return nil, false, err
	}
	to, err := balance(tx, req.To)
	if err != nil {
		return nil, false, err
	}
	if err := checkFamily(req.Primary, from, to); err != nil {
		return nil, false, err
	}
	id, err := newTransferID()
	if err != nil {
		return nil, false, err
	}
	if req.Kind == kassa.TransferBalance {
		err = moveBalance(tx, req, id, from, to)
	} else {
		err = moveCredit(tx, req, from, to)
	}
	if err != nil {
		return nil, false, err
	}
	t := &kassa.Transfer{
		ID: id, Kind: req.Kind, Primary: req.Primary, From: req.From, To: req.To, Amount: req.Amount,
		Reference: req.Reference, IdempotencyKey: req.IdempotencyKey, RequestHash: hash,
	}
	if err := tx.CreateTransfer(t); err != nil {
		return nil, false, err
	}
	ev, err := kassa.NewEvent(kassa.EventTransferCreated, req.Primary, kassa.TransferCreatedData{
		TransferID: t.ID, Kind: string(t.Kind), Primary: t.Primary, From: t.From, To: t.To,
		Amount: t.Amount.String(), Currency: string(from.Currency), Reference: t.Reference,
	})
	if err != nil {
		return nil, false, err
	}
	if err := tx.AppendEvent(ev); err != nil {
		return nil, false, err
	}
	return t, false, nil
}

// priorTransfer returns the primary's earlier transfer with the request's
// idempotency key, nil when there is none; EIDEMPOTENCY when it was made
// by another request.
func priorTransfer(tx kassa.LedgerTx, req TransferRequest, hash string) (*kassa.Transfer, error) {
	if req.IdempotencyKey == "" {
		return nil, nil
	}
	t, err := tx.TransferByIdempotencyKey(req.Primary, req.IdempotencyKey)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("look up idempotency key: %w", err)
	}
	if t.RequestHash != hash {
		return nil, kassa.Errorf(kassa.EIDEMPOTENCY, "this idempotency key was already used for a different request")
	}
	return t, nil
}

// checkFamily checks that one account is the primary and the other one of
// its subaccounts with a balance of its own, and that the primary, when it
// is the source, is not suspended.
func checkFamily(primary string, from, to *kassa.AccountBalance) error {
	p, sub := from, to
	if to.APIKey == primary {
		p, sub = to, from
	}
	if p.APIKey != primary || p.Primary != "" || sub.Primary != primary {
		return errNotFamily
	}
	if sub.SharedBalance {
		return kassa.Errorf(kassa.EFORBIDDEN, "Subaccount %s uses the primary account's balance: it has no balance or credit of its own to transfer", sub.APIKey)
	}
	if from.Currency != to.Currency {
		return kassa.Errorf(kassa.EFORBIDDEN, "Accounts %s and %s are billed in different currencies", from.APIKey, to.APIKey)
	}
	if from == p && p.Suspended {
		return kassa.Errorf(kassa.ESUSPENDED, "account %s is suspended: it cannot transfer to its subaccounts", p.APIKey)
	}
	return nil
}

// moveBalance writes the two entries of a balance transfer.
func moveBalance(tx kassa.LedgerTx, req TransferRequest, id string, from, to *kassa.AccountBalance) error {
	if _, err := takeFrom(from, req.Amount, "transfer"); err != nil {
		return kassa.Errorf(kassa.EINSUFFICIENT, "Insufficient Balance: %s", kassa.ErrorMessage(err))
	}
	if err := addTo(to, req.Amount); err != nil {
		return err
	}
	meta, err := json.Marshal(transferMeta{TransferID: id})
	if err != nil {
		return fmt.Errorf("encode transfer meta: %w", err)
	}
	out := &kassa.Entry{
		Account: from.APIKey, Kind: kassa.KindTransferOut, Amount: req.Amount.Neg(),
		Reason: "balance transfer to " + to.APIKey, Reference: req.Reference, Meta: string(meta),
	}
	in := &kassa.Entry{
		Account: to.APIKey, Kind: kassa.KindTransferIn, Amount: req.Amount,
		Reason: "balance transfer from " + from.APIKey, Reference: req.Reference, Meta: string(meta),
	}
	if err := tx.Append(out); err != nil {
		return err
	}
	return tx.Append(in)
}

// moveCredit moves credit limit from one account to the other.
func moveCredit(tx kassa.LedgerTx, req TransferRequest, from, to *kassa.AccountBalance) error {
	if avail := AllocatableCredit(from.Balance, from.CreditLimit); req.Amount > avail {
		return kassa.Errorf(kassa.EINSUFFICIENT, "Insufficient Credit: %s has %s %s of credit to allocate", from.APIKey, avail, from.Currency)
	}
	toLimit, err := to.CreditLimit.Sub(req.Amount)
	if err != nil {
		return kassa.FieldError("amount", "the credit limit would leave the range of amounts")
	}
	if err := tx.SetCreditLimit(from.APIKey, from.CreditLimit+req.Amount); err != nil {
		return err
	}
	return tx.SetCreditLimit(to.APIKey, toLimit)
}

// AllocatableCredit is the credit an account with balance b and credit
// limit c (≤ 0) can give away: |c| − |b| when b is negative, |c|
// otherwise, never below 0. What it gives keeps b at or above its new limit.
func AllocatableCredit(b, c kassa.Amount) kassa.Amount {
	avail := c.Neg()
	if b < 0 {
		avail = b - c
	}
	return max(avail, 0)
}

// TransferableBalance is the balance an account with balance b and credit
// limit c (≤ 0) can transfer: max(0, b − c), what a debit may take before
// the floor.
func TransferableBalance(b, c kassa.Amount) kassa.Amount {
	if b < c {
		return 0
	}
	avail, err := b.Sub(c)
	if err != nil {
		return 0
	}
	return avail
}

// newTransferID returns a random (version 4) UUID, the shape the SDKs parse.
func newTransferID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate transfer id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}
