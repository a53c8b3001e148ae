package charging

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
)

// MaxUnits bounds the units of one charge: message parts, or billed minutes
// of a call.
const MaxUnits = 1000

// ChargeRequest asks to charge an account for Units units of a service to
// a number at the Rating's unit price.
type ChargeRequest struct {
	Account string
	// Primary is the account's primary when it is a subaccount ("" when
	// not): the charge locks it too, and takes from its balance when the
	// subaccount shares it.
	Primary        string
	Type           kassa.ServiceType
	To             string
	Units          int64
	Rating         kassa.Rating
	IdempotencyKey string
	Reference      string
}

// Charge is a charge as written: a ledger entry of kind charge.
type Charge struct {
	ID      int64 // the entry's ID
	Account string
	// BalanceAccount is the account whose balance paid: Account, or the
	// primary of a shared-balance subaccount (BalanceAfter is its).
	BalanceAccount string
	Type           kassa.ServiceType
	To             string
	Country        string
	NetworkCode    string
	NetworkName    string
	NetworkType    kassa.NetworkType
	UnitPrice      kassa.Amount
	Units          int64
	Amount         kassa.Amount // positive: what left the balance
	Currency       kassa.Currency
	BalanceAfter   kassa.Amount
	Reference      string
	CreatedAt      time.Time
}

// chargeMeta is what a charge entry keeps in Entry.Meta so that a replay can
// answer exactly what the first request answered.
type chargeMeta struct {
	Type        kassa.ServiceType `json:"type"`
	To          string            `json:"to"`
	Units       int64             `json:"units"`
	Country     string            `json:"country"`
	NetworkCode string            `json:"network_code"`
	NetworkName string            `json:"network_name"`
	NetworkType kassa.NetworkType `json:"network_type"`
	UnitPrice   string            `json:"unit_price"`
	Currency    kassa.Currency    `json:"currency"`
}

// Charge takes unit price × units from the account. The request is checked
// by its caller (app.Service.Charge, the one place that validates a charge:
// account, type, number, units, reference) and rated in the account's
// currency; Charge checks what needs the account's row: that the rating is
// in the account's currency, that the amount is in range, and the floor.
// The same idempotency key with the same request replays the first charge
// (true); with another request it is EIDEMPOTENCY. EINSUFFICIENT, and
// nothing changes, when the balance would fall below the account's floor;
// ESUSPENDED when the account or its primary is suspended. A shared-balance
// subaccount's charge takes from its primary's balance, its entry naming
// the subaccount.
func (l *Ledger) Charge(ctx context.Context, req ChargeRequest) (*Charge, bool, error) {
	if err := ValidateIdempotencyKey(req.IdempotencyKey); err != nil {
		return nil, false, err
	}
	hash := req.hash()
	v, replayed, err := l.submit(ctx, &op{
		name:      "charge",
		account:   req.Account,
		also:      withSubaccount(req.Primary),
		retrySafe: req.IdempotencyKey != "",
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			return applyCharge(tx, req, hash)
		},
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*Charge), replayed, nil
}

// hash identifies the request for replays. The rating is left out: a retry
// after a price change is still the same request and replays the first
// answer.
func (req *ChargeRequest) hash() string {
	return HashRequest("charge", req.Account, string(req.Type), req.To, strconv.FormatInt(req.Units, 10), req.Reference)
}

// applyCharge writes the charge entry unless it is a replay or would break
// the floor.
func applyCharge(tx kassa.LedgerTx, req ChargeRequest, hash string) (any, bool, error) {
	sp, err := spenderOf(tx, req.Account, req.Primary)
	if err != nil {
		return nil, false, err
	}
	prior, err := sp.prior(tx, req.IdempotencyKey, hash, kassa.KindCharge)
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		c, err := chargeFromEntry(prior)
		return c, err == nil, err
	}
	if err := sp.checkActive(); err != nil {
		return nil, false, err
	}
	b := sp.payer
	if b.Currency != req.Rating.Currency {
		return nil, false, kassa.FieldError("currency", "the account is billed in %s, the rating is in %s", b.Currency, req.Rating.Currency)
	}
	amount, err := req.Rating.UnitPrice.MulUnits(req.Units)
	if err != nil || amount < 0 {
		return nil, false, kassa.FieldError("units", "unit price × units is out of range")
	}
	if _, err := takeFrom(b, amount, "charge"); err != nil {
		return nil, false, err
	}
	if err := checkCaps(tx, sp, amount); err != nil {
		return nil, false, err
	}
	meta, err := json.Marshal(chargeMeta{
		Type: req.Type, To: req.To, Units: req.Units,
		Country: req.Rating.Country, NetworkCode: req.Rating.NetworkCode,
		NetworkName: req.Rating.NetworkName, NetworkType: req.Rating.NetworkType,
		UnitPrice: req.Rating.UnitPrice.String(), Currency: req.Rating.Currency,
	})
	if err != nil {
		return nil, false, fmt.Errorf("encode charge meta: %w", err)
	}
	e := &kassa.Entry{
		Account:        b.APIKey,
		Subaccount:     sp.subaccount,
		Kind:           kassa.KindCharge,
		Amount:         amount.Neg(),
		Reason:         fmt.Sprintf("%s to %s, %d units", req.Type, req.To, req.Units),
		Reference:      req.Reference,
		IdempotencyKey: req.IdempotencyKey,
		RequestHash:    hash,
		Meta:           string(meta),
	}
	if err := tx.Append(e); err != nil {
		return nil, false, err
	}
	if err := addSpend(tx, sp, amount); err != nil {
		return nil, false, err
	}
	k := usageKey{typ: req.Type, country: req.Rating.Country, network: req.Rating.NetworkCode, units: req.Units}
	if err := addUsage(tx, e, b.Currency, k, amount, 0); err != nil {
		return nil, false, err
	}
	c, err := chargeFromEntry(e)
	return c, false, err
}

// chargeFromEntry rebuilds a charge from its entry.
func chargeFromEntry(e *kassa.Entry) (*Charge, error) {
	var m chargeMeta
	if err := json.Unmarshal([]byte(e.Meta), &m); err != nil {
		return nil, fmt.Errorf("decode meta of charge %d: %w", e.ID, err)
	}
	unit, err := kassa.ParseAmount(m.UnitPrice)
	if err != nil {
		return nil, fmt.Errorf("decode unit price of charge %d: %w", e.ID, err)
	}
	return &Charge{
		ID: e.ID, Account: entryAccount(e), BalanceAccount: e.Account, Type: m.Type, To: m.To,
		Country: m.Country, NetworkCode: m.NetworkCode, NetworkName: m.NetworkName, NetworkType: m.NetworkType,
		UnitPrice: unit, Units: m.Units, Amount: e.Amount.Neg(), Currency: m.Currency,
		BalanceAfter: e.BalanceAfter, Reference: e.Reference, CreatedAt: e.CreatedAt,
	}, nil
}

// entryAccount is the account an entry was written for: the shared-balance
// subaccount it names, or its own account.
func entryAccount(e *kassa.Entry) string {
	if e.Subaccount != "" {
		return e.Subaccount
	}
	return e.Account
}
