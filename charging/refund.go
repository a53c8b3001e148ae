package charging

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
)

// Refund is a refund as written: a ledger entry of kind refund whose
// RelatedID is the refunded charge.
type Refund struct {
	ID           int64
	ChargeID     int64
	Account      string
	Amount       kassa.Amount // positive: what returned to the balance
	Currency     kassa.Currency
	BalanceAfter kassa.Amount
	CreatedAt    time.Time
}

// Refund returns amount of a charge (a charge entry, or the capture entry
// of a captured hold) to the balance; amount 0 refunds all that is left.
// All refunds of a charge together never exceed it. The same idempotency
// key with the same request replays the first refund (true).
func (l *Ledger) Refund(ctx context.Context, chargeID int64, amount kassa.Amount, idempotencyKey string) (*Refund, bool, error) {
	if amount < 0 {
		return nil, false, kassa.FieldError("amount", "must be positive")
	}
	if err := ValidateIdempotencyKey(idempotencyKey); err != nil {
		return nil, false, err
	}
	hash := HashRequest("refund", strconv.FormatInt(chargeID, 10), amount.String())
	v, replayed, err := l.submit(ctx, &op{
		name:      "refund",
		retrySafe: idempotencyKey != "",
		resolve: func(tx kassa.LedgerTx) (string, error) {
			c, err := readCharge(tx, chargeID)
			if err != nil {
				return "", err
			}
			return c.Account, nil
		},
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			return applyRefund(tx, chargeID, amount, idempotencyKey, hash)
		},
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*Refund), replayed, nil
}

// applyRefund writes the refund entry unless it is a replay or too much.
func applyRefund(tx kassa.LedgerTx, chargeID int64, amount kassa.Amount, key, hash string) (any, bool, error) {
	c, err := readCharge(tx, chargeID)
	if err != nil {
		return nil, false, err
	}
	b, err := balance(tx, c.Account)
	if err != nil {
		return nil, false, err
	}
	prior, err := priorEntryOf(tx, c.Account, c.Subaccount, key, hash, kassa.KindRefund)
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		return refundFromEntry(prior, b.Currency), true, nil
	}
	charged, err := chargedAmount(tx, c)
	if err != nil {
		return nil, false, err
	}
	refunded, err := tx.RelatedTotal(chargeID, kassa.KindRefund)
	if err != nil {
		return nil, false, fmt.Errorf("sum refunds of %d: %w", chargeID, err)
	}
	rest := charged - refunded
	if rest <= 0 {
		return nil, false, kassa.Errorf(kassa.ECONFLICT, "charge %d is already fully refunded", chargeID)
	}
	if amount == 0 {
		amount = rest
	}
	if amount > rest {
		return nil, false, kassa.FieldError("amount", "must not exceed the %s %s left to refund", rest, b.Currency)
	}
	if err := addTo(b, amount); err != nil {
		return nil, false, err
	}
	e := &kassa.Entry{
		Account: c.Account, Subaccount: c.Subaccount, Kind: kassa.KindRefund, Amount: amount,
		Reason: "refund of " + strconv.FormatInt(chargeID, 10), Reference: c.Reference,
		IdempotencyKey: key, RequestHash: hash, RelatedID: chargeID,
	}
	if err := tx.Append(e); err != nil {
		return nil, false, err
	}
	orig, err := refundOrigin(tx, c)
	if err != nil {
		return nil, false, err
	}
	if err := giveBack(tx, c.Account, c.Subaccount, amount, orig); err != nil {
		return nil, false, err
	}
	rated, err := ratedEntry(tx, c)
	if err != nil {
		return nil, false, err
	}
	k, err := usageKeyOf(rated)
	if err != nil {
		return nil, false, err
	}
	if err := addUsage(tx, e, b.Currency, k, 0, amount); err != nil {
		return nil, false, err
	}
	return refundFromEntry(e, b.Currency), false, nil
}

// readCharge reads an entry that can be refunded: a charge or a capture.
func readCharge(tx kassa.LedgerTx, id int64) (*kassa.Entry, error) {
	e, err := tx.Entry(id)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND || (err == nil && e.Kind != kassa.KindCharge && e.Kind != kassa.KindCapture) {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no charge %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read charge %d: %w", id, err)
	}
	return e, nil
}

// chargedAmount is what a charge took: the charge entry's amount, or the
// captured part of a hold.
func chargedAmount(tx kassa.LedgerTx, c *kassa.Entry) (kassa.Amount, error) {
	if c.Kind == kassa.KindCharge {
		return c.Amount.Neg(), nil
	}
	h, err := readHold(tx, c.HoldID)
	if err != nil {
		return 0, err
	}
	return h.Captured, nil
}

// refundFromEntry builds the refund answer from its entry.
func refundFromEntry(e *kassa.Entry, cur kassa.Currency) *Refund {
	return &Refund{
		ID: e.ID, ChargeID: e.RelatedID, Account: entryAccount(e), Amount: e.Amount,
		Currency: cur, BalanceAfter: e.BalanceAfter, CreatedAt: e.CreatedAt,
	}
}
