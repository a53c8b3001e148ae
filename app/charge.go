package app

import (
	"context"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// MaxReferenceLen bounds the reference of a charge or a posting.
const MaxReferenceLen = 255

// ChargeRequest asks to charge an account for units of a service to a
// number at its current price (POST /platform/v1/charges).
type ChargeRequest struct {
	Account        string
	Type           kassa.ServiceType
	To             string
	Units          *int64 // required: message parts, or billed minutes; 1 to charging.MaxUnits
	Reference      string // free text stored with the entry, at most MaxReferenceLen bytes
	IdempotencyKey string // required (see requireKey)
	// Admit, when set, is asked after the request is checked and rated and
	// before the ledger writes: an error refuses the charge. The platform
	// API counts it against the account's per-node max-outbound-request
	// limit there.
	Admit func(*kassa.Account) error
}

// Charge charges unit price × units, the price rated in the account's
// currency with the active price book. This is the one place a charge is
// checked: the ledger only checks what needs the account's row (currency,
// floor, range). The same idempotency key with the same request replays
// the first charge (true), even after a price change; with another request
// it is EIDEMPOTENCY. EINSUFFICIENT, and nothing changes, below the floor.
func (s *Service) Charge(ctx context.Context, req ChargeRequest) (*charging.Charge, bool, error) {
	if err := req.validate(); err != nil {
		return nil, false, err
	}
	acct, err := s.findAccount(ctx, req.Account)
	if err != nil {
		return nil, false, err
	}
	rated, err := s.rate(ctx, RateRequest{Account: acct.APIKey, Type: req.Type, To: req.To}, acct.Currency)
	if err != nil {
		return nil, false, err
	}
	if req.Admit != nil {
		if err := req.Admit(acct); err != nil {
			return nil, false, err
		}
	}
	if s.ledger == nil {
		return nil, false, errNoLedger
	}
	return s.ledger.Charge(ctx, charging.ChargeRequest{
		Account: acct.APIKey, Primary: acct.Primary, Type: rated.Type, To: rated.To, Units: *req.Units,
		Rating: rated.Rating, IdempotencyKey: req.IdempotencyKey, Reference: req.Reference,
	})
}

// validate checks a charge request.
func (req ChargeRequest) validate() error {
	if err := requireKey(req.IdempotencyKey); err != nil {
		return err
	}
	if err := checkUnits(req.Units, true); err != nil {
		return err
	}
	if err := checkText("reference", req.Reference, MaxReferenceLen); err != nil {
		return err
	}
	return RateRequest{Account: req.Account, Type: req.Type, To: req.To}.validate()
}

// checkUnits checks a number of units: message parts, or billed minutes.
func checkUnits(units *int64, required bool) error {
	switch {
	case units == nil && required:
		return kassa.FieldError("units", "units is required")
	case units != nil && (*units < 1 || *units > charging.MaxUnits):
		return kassa.FieldError("units", "units must be between 1 and %d", charging.MaxUnits)
	}
	return nil
}

// requireKey checks the idempotency key that every platform request that
// creates something must carry (the Idempotency-Key header).
func requireKey(key string) error {
	if key == "" {
		return kassa.FieldError("Idempotency-Key", "the Idempotency-Key header is required")
	}
	if err := charging.ValidateIdempotencyKey(key); err != nil {
		return kassa.FieldError("Idempotency-Key", "the Idempotency-Key header must be 1 to %d printable ASCII characters without spaces, not starting with \"kassa:\"", charging.MaxIdempotencyKeyLen)
	}
	return nil
}

// RefundRequest asks to return part of a charge (or of a captured hold's
// capture).
type RefundRequest struct {
	ChargeID       int64
	Amount         *kassa.Amount // > 0; nil refunds all that is left
	IdempotencyKey string        // required
}

// Refund returns part of a charge to the balance, idempotently; all its
// refunds never exceed it.
func (s *Service) Refund(ctx context.Context, req RefundRequest) (*charging.Refund, bool, error) {
	if err := requireKey(req.IdempotencyKey); err != nil {
		return nil, false, err
	}
	var amount kassa.Amount
	if req.Amount != nil {
		if amount = *req.Amount; amount <= 0 {
			return nil, false, kassa.FieldError("amount", "amount must be positive")
		}
	}
	if s.ledger == nil {
		return nil, false, errNoLedger
	}
	return s.ledger.Refund(ctx, req.ChargeID, amount, req.IdempotencyKey)
}

// errNoLedger answers a balance change on a Service without a ledger.
var errNoLedger = kassa.Errorf(kassa.EUNAVAILABLE, "the ledger is not available")

// HoldRequest asks to reserve part of an account's balance for a call of
// unknown length: either Amount, or Type and To (and Units, 1 by default)
// to hold the rated price × units.
type HoldRequest struct {
	Account        string
	Amount         *kassa.Amount
	Type           kassa.ServiceType
	To             string
	Units          *int64
	TTLSeconds     *int64 // 1 to charging.MaxHoldTTL in seconds; the ledger's default when nil
	IdempotencyKey string // required
}

// Hold reserves the amount, idempotently (a replay compares the request as
// sent, so a retry after a price change still replays).
func (s *Service) Hold(ctx context.Context, req HoldRequest) (*charging.HoldInfo, bool, error) {
	if err := requireKey(req.IdempotencyKey); err != nil {
		return nil, false, err
	}
	ttl, err := holdTTL(req.TTLSeconds)
	if err != nil {
		return nil, false, err
	}
	acct, amount, hash, rated, err := s.holdAmount(ctx, req, ttl)
	if err != nil {
		return nil, false, err
	}
	if s.ledger == nil {
		return nil, false, errNoLedger
	}
	return s.ledger.Hold(ctx, charging.HoldRequest{
		Account: req.Account, Primary: acct.Primary, Amount: amount, TTL: ttl, IdempotencyKey: req.IdempotencyKey, RequestHash: hash,
		Rated: rated,
	})
}

// holdTTL checks ttl_seconds; 0 means the ledger's default.
func holdTTL(seconds *int64) (time.Duration, error) {
	if seconds == nil {
		return 0, nil
	}
	maxSeconds := int64(charging.MaxHoldTTL / time.Second)
	if *seconds < 1 || *seconds > maxSeconds {
		return 0, kassa.FieldError("ttl_seconds", "ttl_seconds must be between 1 and %d", maxSeconds)
	}
	return time.Duration(*seconds) * time.Second, nil
}

// holdAmount returns the account, the amount to hold, given or priced, the
// hash that identifies the request for replays and, for a priced hold,
// what it was priced for (nil otherwise).
func (s *Service) holdAmount(ctx context.Context, req HoldRequest, ttl time.Duration) (*kassa.Account, kassa.Amount, string, *charging.RatedHold, error) {
	ttlText := strconv.FormatInt(int64(ttl/time.Second), 10)
	if req.Amount != nil {
		if req.Type != "" || req.To != "" || req.Units != nil {
			return nil, 0, "", nil, kassa.FieldError("amount", "give either amount, or type and to (and units), not both")
		}
		amount := *req.Amount
		if amount <= 0 {
			return nil, 0, "", nil, kassa.FieldError("amount", "amount must be positive")
		}
		if req.Account == "" {
			return nil, 0, "", nil, kassa.FieldError("account", "account is required")
		}
		acct, err := s.findAccount(ctx, req.Account)
		if err != nil {
			return nil, 0, "", nil, err
		}
		return acct, amount, charging.HashRequest("platform-hold", req.Account, amount.String(), ttlText), nil, nil
	}
	if req.Type == "" && req.To == "" {
		return nil, 0, "", nil, kassa.FieldError("amount", "amount, or type and to, are required")
	}
	if err := checkUnits(req.Units, false); err != nil {
		return nil, 0, "", nil, err
	}
	units := int64(1)
	if req.Units != nil {
		units = *req.Units
	}
	rr := RateRequest{Account: req.Account, Type: req.Type, To: req.To}
	if err := rr.validate(); err != nil {
		return nil, 0, "", nil, err
	}
	acct, err := s.findAccount(ctx, req.Account)
	if err != nil {
		return nil, 0, "", nil, err
	}
	rated, err := s.rate(ctx, rr, acct.Currency)
	if err != nil {
		return nil, 0, "", nil, err
	}
	amount, err := rated.UnitPrice.MulUnits(units)
	if err != nil {
		return nil, 0, "", nil, kassa.FieldError("units", "unit price × units is out of range")
	}
	if amount <= 0 {
		return nil, 0, "", nil, kassa.FieldError("to", "the destination is free: there is nothing to hold")
	}
	hash := charging.HashRequest("platform-hold", req.Account, string(rated.Type), rated.To, strconv.FormatInt(units, 10), ttlText)
	return acct, amount, hash, &charging.RatedHold{Type: rated.Type, To: rated.To, Units: units, Rating: rated.Rating}, nil
}

// Capture charges amount (0 to the hold) of an open hold and returns the
// rest; capturing a captured hold again with the same amount replays.
func (s *Service) Capture(ctx context.Context, holdID string, amount kassa.Amount) (*charging.HoldInfo, bool, error) {
	if amount < 0 {
		return nil, false, kassa.FieldError("amount", "amount must not be negative")
	}
	if s.ledger == nil {
		return nil, false, errNoLedger
	}
	return s.ledger.Capture(ctx, holdID, amount)
}

// Release returns all of an open hold; releasing a released hold replays.
func (s *Service) Release(ctx context.Context, holdID string) (*charging.HoldInfo, bool, error) {
	if s.ledger == nil {
		return nil, false, errNoLedger
	}
	return s.ledger.Release(ctx, holdID)
}

// GetHold returns a hold. ENOTFOUND if there is none.
func (s *Service) GetHold(ctx context.Context, holdID string) (*charging.HoldInfo, error) {
	if s.ledger == nil {
		return nil, errNoLedger
	}
	return s.ledger.GetHold(ctx, holdID)
}
