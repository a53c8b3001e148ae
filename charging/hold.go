package charging

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// HoldRequest asks to reserve Amount of an account's balance until TTL
// passes: 0 for Options.HoldTTL, otherwise between one second and
// MaxHoldTTL (EINVALID on ttl_seconds outside).
type HoldRequest struct {
	Account string
	// Primary is the account's primary when it is a subaccount (see
	// ChargeRequest.Primary).
	Primary        string
	Amount         kassa.Amount // positive
	TTL            time.Duration
	Reference      string
	IdempotencyKey string
	// RequestHash identifies the request for replays; when empty the
	// engine hashes the account, amount, TTL and reference.
	RequestHash string
	// Rated, when the amount was priced (type and number), is what it was
	// priced for: kept in the hold entry's meta, it is the key under which
	// the hold's capture counts in the usage rollups.
	Rated *RatedHold
}

// RatedHold is what a priced hold was priced for.
type RatedHold struct {
	Type   kassa.ServiceType
	To     string
	Units  int64
	Rating kassa.Rating
}

// meta is the hold entry's meta: the charge's form of a rating.
func (r *RatedHold) meta() (string, error) {
	if r == nil {
		return "", nil
	}
	b, err := json.Marshal(chargeMeta{
		Type: r.Type, To: r.To, Units: r.Units,
		Country: r.Rating.Country, NetworkCode: r.Rating.NetworkCode,
		NetworkName: r.Rating.NetworkName, NetworkType: r.Rating.NetworkType,
		UnitPrice: r.Rating.UnitPrice.String(), Currency: r.Rating.Currency,
	})
	if err != nil {
		return "", fmt.Errorf("encode hold meta: %w", err)
	}
	return string(b), nil
}

// HoldInfo is a hold with the account's currency and the balance after the
// entry that last changed it (the hold entry while it is open; the capture
// or release entry once it is closed).
type HoldInfo struct {
	kassa.Hold
	Currency     kassa.Currency
	BalanceAfter kassa.Amount
	// CaptureEntryID is the capture entry of a captured hold: the charge
	// that Refund refunds.
	CaptureEntryID int64
}

// Hold reserves req.Amount: a hold entry takes it from the balance, so the
// balance is what is available. EINSUFFICIENT when that would break the
// floor, ESUSPENDED when the account or its primary is suspended. The same
// idempotency key with the same request replays the hold. A shared-balance
// subaccount's hold takes from its primary's balance (Hold.Account) and
// names the subaccount (Hold.Subaccount).
func (l *Ledger) Hold(ctx context.Context, req HoldRequest) (*HoldInfo, bool, error) {
	if err := l.validateHold(&req); err != nil {
		return nil, false, err
	}
	v, replayed, err := l.submit(ctx, &op{
		name:      "hold",
		account:   req.Account,
		also:      withSubaccount(req.Primary),
		retrySafe: req.IdempotencyKey != "",
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			return applyHold(tx, req)
		},
	})
	if err != nil {
		return nil, false, err
	}
	return v.(*HoldInfo), replayed, nil
}

// validateHold checks the request and fills its defaults.
func (l *Ledger) validateHold(req *HoldRequest) error {
	switch {
	case req.Account == "":
		return kassa.FieldError("account", "is required")
	case req.Amount <= 0:
		return kassa.FieldError("amount", "must be positive")
	case req.TTL != 0 && (req.TTL < time.Second || req.TTL > MaxHoldTTL):
		return kassa.FieldError("ttl_seconds", "must be between 1 and %d seconds", int64(MaxHoldTTL/time.Second))
	}
	if req.TTL == 0 {
		req.TTL = l.opts.HoldTTL
	}
	if req.RequestHash == "" {
		req.RequestHash = HashRequest("hold", req.Account, req.Amount.String(), req.TTL.String(), req.Reference)
	}
	return ValidateIdempotencyKey(req.IdempotencyKey)
}

// applyHold writes the hold entry and the hold.
func applyHold(tx kassa.LedgerTx, req HoldRequest) (any, bool, error) {
	sp, err := spenderOf(tx, req.Account, req.Primary)
	if err != nil {
		return nil, false, err
	}
	prior, err := sp.prior(tx, req.IdempotencyKey, req.RequestHash, kassa.KindHold)
	if err != nil {
		return nil, false, err
	}
	if prior != nil {
		info, err := holdInfo(tx, prior.HoldID)
		return info, err == nil, err
	}
	if err := sp.checkActive(); err != nil {
		return nil, false, err
	}
	b := sp.payer
	if _, err := takeFrom(b, req.Amount, "hold"); err != nil {
		return nil, false, err
	}
	if err := checkCaps(tx, sp, req.Amount); err != nil {
		return nil, false, err
	}
	id, err := newHoldID()
	if err != nil {
		return nil, false, err
	}
	meta, err := req.Rated.meta()
	if err != nil {
		return nil, false, err
	}
	e := &kassa.Entry{
		Account: b.APIKey, Subaccount: sp.subaccount, Kind: kassa.KindHold, Amount: req.Amount.Neg(),
		Reason: "hold " + id, Reference: req.Reference, IdempotencyKey: req.IdempotencyKey,
		RequestHash: req.RequestHash, HoldID: id, Meta: meta,
	}
	if err := tx.Append(e); err != nil {
		return nil, false, err
	}
	if err := addSpend(tx, sp, req.Amount); err != nil {
		return nil, false, err
	}
	now := tx.Now()
	h := &kassa.Hold{
		ID: id, Account: b.APIKey, Subaccount: sp.subaccount, Amount: req.Amount, State: kassa.HoldOpen,
		EntryID: e.ID, ExpiresAt: now.Add(req.TTL), CreatedAt: now,
	}
	if err := tx.CreateHold(h); err != nil {
		return nil, false, err
	}
	return &HoldInfo{Hold: *h, Currency: b.Currency, BalanceAfter: e.BalanceAfter}, false, nil
}

// newHoldID returns a random hold ID.
func newHoldID() (string, error) {
	var b [12]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("generate hold id: %w", err)
	}
	return "hld_" + hex.EncodeToString(b[:]), nil
}

// Capture charges amount (at most the hold) of an open hold: a capture
// entry returns the unused rest and the hold becomes captured. Capturing a
// captured hold again with the same amount replays (true); anything else
// on a closed or expired hold is ECONFLICT.
func (l *Ledger) Capture(ctx context.Context, holdID string, amount kassa.Amount) (*HoldInfo, bool, error) {
	if amount < 0 {
		return nil, false, kassa.FieldError("amount", "must not be negative")
	}
	return l.closeHold(ctx, "capture", holdID, func(tx kassa.LedgerTx, h *kassa.Hold) (any, bool, error) {
		return applyCapture(tx, h, amount)
	})
}

// Release returns all of an open hold to the balance. Releasing a released
// hold again replays (true); releasing a captured one is ECONFLICT.
func (l *Ledger) Release(ctx context.Context, holdID string) (*HoldInfo, bool, error) {
	return l.closeHold(ctx, "release", holdID, func(tx kassa.LedgerTx, h *kassa.Hold) (any, bool, error) {
		return applyRelease(tx, h, kassa.HoldReleased)
	})
}

// GetHold returns a hold. ENOTFOUND if there is none.
func (l *Ledger) GetHold(ctx context.Context, holdID string) (*HoldInfo, error) {
	v, _, err := l.submit(ctx, &op{
		name:      "get hold",
		readOnly:  true,
		retrySafe: true,
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			info, err := holdInfo(tx, holdID)
			return info, false, err
		},
	})
	if err != nil {
		return nil, err
	}
	return v.(*HoldInfo), nil
}

// ExpireHolds releases every open hold whose time has passed, as state
// expired, and returns how many it expired.
func (l *Ledger) ExpireHolds(ctx context.Context) (int, error) {
	total := 0
	for {
		holds, err := l.store.ExpiredHolds(ctx, l.opts.Now(), l.opts.MaxBatch)
		if err != nil {
			return total, fmt.Errorf("list expired holds: %w", err)
		}
		n, err := l.expire(ctx, holds)
		total += n
		if err != nil || len(holds) < l.opts.MaxBatch || n == 0 {
			return total, err
		}
	}
}

// expire queues one expiry per hold so that they commit together, and
// counts those that expired.
func (l *Ledger) expire(ctx context.Context, holds []*kassa.Hold) (int, error) {
	ops := make([]*op, 0, len(holds))
	for _, h := range holds {
		o := l.closeHoldOp("expire", h.ID, func(tx kassa.LedgerTx, h *kassa.Hold) (any, bool, error) {
			return applyRelease(tx, h, kassa.HoldExpired)
		})
		if err := l.enqueue(ctx, o); err != nil {
			return 0, err
		}
		ops = append(ops, o)
	}
	n := 0
	for _, o := range ops {
		select {
		case r := <-o.answer:
			if r.err == nil && !r.replayed {
				n++
			} else if r.err != nil && kassa.ErrorCode(r.err) != kassa.ECONFLICT {
				l.log.Warn("expire hold", "err", r.err)
			}
		case <-ctx.Done():
			return n, ctx.Err()
		}
	}
	return n, nil
}

// closeHold submits an operation on an existing hold.
func (l *Ledger) closeHold(ctx context.Context, name, holdID string, apply func(kassa.LedgerTx, *kassa.Hold) (any, bool, error)) (*HoldInfo, bool, error) {
	v, replayed, err := l.submit(ctx, l.closeHoldOp(name, holdID, apply))
	if err != nil {
		return nil, false, err
	}
	return v.(*HoldInfo), replayed, nil
}

// closeHoldOp builds an operation that reads the hold and applies fn to it.
func (l *Ledger) closeHoldOp(name, holdID string, fn func(kassa.LedgerTx, *kassa.Hold) (any, bool, error)) *op {
	return &op{
		name:      name + " hold",
		retrySafe: true,
		resolve: func(tx kassa.LedgerTx) (string, error) {
			h, err := readHold(tx, holdID)
			if err != nil {
				return "", err
			}
			return h.Account, nil
		},
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			h, err := readHold(tx, holdID)
			if err != nil {
				return nil, false, err
			}
			return fn(tx, h)
		},
	}
}

// applyCapture writes the capture entry and closes the hold.
func applyCapture(tx kassa.LedgerTx, h *kassa.Hold, amount kassa.Amount) (any, bool, error) {
	if h.State == kassa.HoldCaptured && h.Captured == amount {
		info, err := holdInfo(tx, h.ID)
		return info, err == nil, err
	}
	if err := checkOpen(tx, h); err != nil {
		return nil, false, err
	}
	if amount > h.Amount {
		return nil, false, kassa.FieldError("amount", "must not exceed the hold's %s", h.Amount)
	}
	opening, err := tx.Entry(h.EntryID)
	if err != nil {
		return nil, false, fmt.Errorf("read hold entry %d: %w", h.EntryID, err)
	}
	e := &kassa.Entry{
		Account: h.Account, Subaccount: h.Subaccount, Kind: kassa.KindCapture, Amount: h.Amount - amount,
		Reason: "capture " + amount.String() + " of hold " + h.ID, Reference: opening.Reference,
		IdempotencyKey: closingKey(kassa.KindCapture, h.ID), RelatedID: h.EntryID, HoldID: h.ID,
		RequestHash: HashRequest("capture", h.ID, amount.String()),
	}
	v, replayed, err := closeWith(tx, h, e, kassa.HoldCaptured, amount)
	if err != nil || amount == 0 {
		return v, replayed, err
	}
	k, err := usageKeyOf(opening)
	if err != nil {
		return nil, false, err
	}
	if err := addUsage(tx, e, v.(*HoldInfo).Currency, k, amount, 0); err != nil {
		return nil, false, err
	}
	return v, replayed, nil
}

// applyRelease writes the release entry returning the whole hold and moves
// it to state (released, or expired when its time has passed).
func applyRelease(tx kassa.LedgerTx, h *kassa.Hold, state kassa.HoldState) (any, bool, error) {
	if state == kassa.HoldReleased && h.State == kassa.HoldReleased {
		info, err := holdInfo(tx, h.ID)
		return info, err == nil, err
	}
	if state == kassa.HoldExpired {
		if h.State != kassa.HoldOpen || tx.Now().Before(h.ExpiresAt) {
			return nil, false, kassa.Errorf(kassa.ECONFLICT, "hold %s is not an expired open hold", h.ID)
		}
	} else if err := checkOpen(tx, h); err != nil {
		return nil, false, err
	}
	e := &kassa.Entry{
		Account: h.Account, Subaccount: h.Subaccount, Kind: kassa.KindRelease, Amount: h.Amount,
		Reason:         string(state) + " hold " + h.ID,
		IdempotencyKey: closingKey(kassa.KindRelease, h.ID), RelatedID: h.EntryID, HoldID: h.ID,
		RequestHash: HashRequest("release", h.ID),
	}
	return closeWith(tx, h, e, state, 0)
}

// closeWith appends the closing entry e and closes the hold.
func closeWith(tx kassa.LedgerTx, h *kassa.Hold, e *kassa.Entry, state kassa.HoldState, captured kassa.Amount) (any, bool, error) {
	b, err := balance(tx, h.Account)
	if err != nil {
		return nil, false, err
	}
	if err := tx.Append(e); err != nil {
		return nil, false, err
	}
	if err := tx.CloseHold(h.ID, state, captured); err != nil {
		return nil, false, err
	}
	// What returns to the balance gives the room back to the hold's period.
	if err := giveBack(tx, h.Account, h.Subaccount, e.Amount, h.CreatedAt); err != nil {
		return nil, false, err
	}
	closed := *h
	closed.State, closed.Captured, closed.ClosedAt = state, captured, tx.Now()
	info := &HoldInfo{Hold: closed, Currency: b.Currency, BalanceAfter: e.BalanceAfter}
	if state == kassa.HoldCaptured {
		info.CaptureEntryID = e.ID
	}
	return info, false, nil
}

// checkOpen is ECONFLICT unless the hold is open and unexpired.
func checkOpen(tx kassa.LedgerTx, h *kassa.Hold) error {
	if h.State != kassa.HoldOpen {
		return kassa.Errorf(kassa.ECONFLICT, "hold %s is %s", h.ID, h.State)
	}
	if !tx.Now().Before(h.ExpiresAt) {
		return kassa.Errorf(kassa.ECONFLICT, "hold %s has expired", h.ID)
	}
	return nil
}

// closingKey is the idempotency key of the entry that closes a hold: one
// capture or release per hold, ever.
func closingKey(kind kassa.EntryKind, holdID string) string {
	return reservedKeyPrefix + string(kind) + ":" + holdID
}

// readHold reads a hold, ENOTFOUND naming it.
func readHold(tx kassa.LedgerTx, id string) (*kassa.Hold, error) {
	h, err := tx.Hold(id)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no hold %q", id)
	}
	if err != nil {
		return nil, fmt.Errorf("read hold %s: %w", id, err)
	}
	return h, nil
}

// holdInfo reads a hold with its currency and the balance after the entry
// that last changed it.
func holdInfo(tx kassa.LedgerTx, id string) (*HoldInfo, error) {
	h, err := readHold(tx, id)
	if err != nil {
		return nil, err
	}
	b, err := balance(tx, h.Account)
	if err != nil {
		return nil, err
	}
	info := &HoldInfo{Hold: *h, Currency: b.Currency}
	last, err := lastHoldEntry(tx, h)
	if err != nil {
		return nil, err
	}
	info.BalanceAfter = last.BalanceAfter
	if h.State == kassa.HoldCaptured {
		info.CaptureEntryID = last.ID
	}
	return info, nil
}

// lastHoldEntry returns the entry that last changed the hold.
func lastHoldEntry(tx kassa.LedgerTx, h *kassa.Hold) (*kassa.Entry, error) {
	var e *kassa.Entry
	var err error
	switch h.State {
	case kassa.HoldOpen:
		e, err = tx.Entry(h.EntryID)
	case kassa.HoldCaptured:
		e, err = tx.EntryByIdempotencyKey(h.Account, h.Subaccount, closingKey(kassa.KindCapture, h.ID))
	default:
		e, err = tx.EntryByIdempotencyKey(h.Account, h.Subaccount, closingKey(kassa.KindRelease, h.ID))
	}
	if err != nil {
		return nil, fmt.Errorf("read last entry of hold %s: %w", h.ID, err)
	}
	return e, nil
}
