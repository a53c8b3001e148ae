package client

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
)

// RateRequest asks the price of one message or call minute to a number.
type RateRequest struct {
	Account string            `json:"account"`
	Type    kassa.ServiceType `json:"type"`
	To      string            `json:"to"`
}

// Rate is the unit price of a destination for an account.
type Rate struct {
	Account     string
	Type        string
	To          string
	Country     string
	NetworkCode string
	NetworkName string
	NetworkType string
	UnitPrice   kassa.Amount
	Currency    string
}

type rateWire struct {
	Account     string `json:"account"`
	Type        string `json:"type"`
	To          string `json:"to"`
	Country     string `json:"country"`
	NetworkCode string `json:"network_code"`
	NetworkName string `json:"network_name"`
	NetworkType string `json:"network_type"`
	UnitPrice   money  `json:"unit_price"`
	Currency    string `json:"currency"`
}

// MarshalJSON writes the platform API's wire shape.
func (r Rate) MarshalJSON() ([]byte, error) {
	return json.Marshal(rateWire{r.Account, r.Type, r.To, r.Country, r.NetworkCode, r.NetworkName, r.NetworkType, money(r.UnitPrice), r.Currency})
}

// UnmarshalJSON reads the platform API's wire shape.
func (r *Rate) UnmarshalJSON(data []byte) error {
	var w rateWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*r = Rate{w.Account, w.Type, w.To, w.Country, w.NetworkCode, w.NetworkName, w.NetworkType, kassa.Amount(w.UnitPrice), w.Currency}
	return nil
}

// Rate prices one unit to a number for an account (POST /platform/v1/rate).
func (c *Client) Rate(ctx context.Context, req RateRequest) (*Rate, error) {
	r := &request{method: http.MethodPost, path: "/platform/v1/rate", auth: authService}
	if err := r.jsonBody(req); err != nil {
		return nil, err
	}
	var out Rate
	if err := c.getJSON(ctx, r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ChargeRequest charges Units messages or minutes to a number. The
// IdempotencyKey makes it safe to repeat; the client generates one when it
// is empty.
type ChargeRequest struct {
	Account        string
	Type           kassa.ServiceType
	To             string
	Units          int64
	Reference      string
	IdempotencyKey string
}

type chargeRequestWire struct {
	Account   string            `json:"account"`
	Type      kassa.ServiceType `json:"type"`
	To        string            `json:"to"`
	Units     int64             `json:"units"`
	Reference string            `json:"reference,omitempty"`
}

// Charge is a recorded charge.
type Charge struct {
	ID           string
	Account      string
	Type         string
	To           string
	Country      string
	NetworkCode  string
	NetworkName  string
	UnitPrice    kassa.Amount
	Units        int64
	Amount       kassa.Amount
	Currency     string
	BalanceAfter kassa.Amount
	CreatedAt    time.Time
	Replayed     bool // answered from an earlier request with the same key
}

type chargeWire struct {
	ID           string    `json:"id"`
	Account      string    `json:"account"`
	Type         string    `json:"type"`
	To           string    `json:"to"`
	Country      string    `json:"country"`
	NetworkCode  string    `json:"network_code"`
	NetworkName  string    `json:"network_name"`
	UnitPrice    money     `json:"unit_price"`
	Units        int64     `json:"units"`
	Amount       money     `json:"amount"`
	Currency     string    `json:"currency"`
	BalanceAfter money     `json:"balance_after"`
	CreatedAt    time.Time `json:"created_at"`
}

// MarshalJSON writes the platform API's wire shape.
func (ch Charge) MarshalJSON() ([]byte, error) {
	return json.Marshal(chargeWire{ch.ID, ch.Account, ch.Type, ch.To, ch.Country, ch.NetworkCode, ch.NetworkName,
		money(ch.UnitPrice), ch.Units, money(ch.Amount), ch.Currency, money(ch.BalanceAfter), ch.CreatedAt})
}

// UnmarshalJSON reads the platform API's wire shape.
func (ch *Charge) UnmarshalJSON(data []byte) error {
	var w chargeWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*ch = Charge{ID: w.ID, Account: w.Account, Type: w.Type, To: w.To, Country: w.Country, NetworkCode: w.NetworkCode,
		NetworkName: w.NetworkName, UnitPrice: kassa.Amount(w.UnitPrice), Units: w.Units, Amount: kassa.Amount(w.Amount),
		Currency: w.Currency, BalanceAfter: kassa.Amount(w.BalanceAfter), CreatedAt: w.CreatedAt}
	return nil
}

// Charge rates and debits a message or call (POST /platform/v1/charges).
// Insufficient funds fail with KassaCode insufficient_funds; the same key
// with a different request fails with idempotency_conflict.
func (c *Client) Charge(ctx context.Context, req ChargeRequest) (*Charge, error) {
	r := &request{method: http.MethodPost, path: "/platform/v1/charges", auth: authService, idempotencyKey: keyOrNew(req.IdempotencyKey)}
	var ch Charge
	if err := c.sendJSON(ctx, r, chargeRequestWire{req.Account, req.Type, req.To, req.Units, req.Reference}, &ch); err != nil {
		return nil, err
	}
	return &ch, nil
}

func (ch *Charge) setReplayed(replayed bool) { ch.Replayed = replayed }

// RefundRequest refunds part of a charge (Amount) or all of it (Amount nil).
type RefundRequest struct {
	Amount         *kassa.Amount
	IdempotencyKey string // generated when empty
}

// Refund is a recorded refund.
type Refund struct {
	ID           string
	ChargeID     string
	Account      string
	Amount       kassa.Amount
	Currency     string
	BalanceAfter kassa.Amount
	CreatedAt    time.Time
	Replayed     bool
}

type refundWire struct {
	ID           string    `json:"id"`
	ChargeID     string    `json:"charge_id"`
	Account      string    `json:"account"`
	Amount       money     `json:"amount"`
	Currency     string    `json:"currency"`
	BalanceAfter money     `json:"balance_after"`
	CreatedAt    time.Time `json:"created_at"`
}

// MarshalJSON writes the platform API's wire shape.
func (rf Refund) MarshalJSON() ([]byte, error) {
	return json.Marshal(refundWire{rf.ID, rf.ChargeID, rf.Account, money(rf.Amount), rf.Currency, money(rf.BalanceAfter), rf.CreatedAt})
}

// UnmarshalJSON reads the platform API's wire shape.
func (rf *Refund) UnmarshalJSON(data []byte) error {
	var w refundWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*rf = Refund{ID: w.ID, ChargeID: w.ChargeID, Account: w.Account, Amount: kassa.Amount(w.Amount),
		Currency: w.Currency, BalanceAfter: kassa.Amount(w.BalanceAfter), CreatedAt: w.CreatedAt}
	return nil
}

// Refund returns all or part of a charge to the account
// (POST /platform/v1/charges/{id}/refund).
func (c *Client) Refund(ctx context.Context, chargeID string, req RefundRequest) (*Refund, error) {
	r := &request{method: http.MethodPost, path: "/platform/v1/charges/" + pathEscape(chargeID) + "/refund", auth: authService, idempotencyKey: keyOrNew(req.IdempotencyKey)}
	body := map[string]money{}
	if req.Amount != nil {
		body["amount"] = money(*req.Amount)
	}
	var rf Refund
	if err := c.sendJSON(ctx, r, body, &rf); err != nil {
		return nil, err
	}
	return &rf, nil
}

func (rf *Refund) setReplayed(replayed bool) { rf.Replayed = replayed }

// HoldRequest reserves part of a balance: a fixed Amount, or the price of
// Units to a destination (Type and To). TTL 0 lets the server choose.
type HoldRequest struct {
	Account        string
	Amount         *kassa.Amount
	Type           kassa.ServiceType
	To             string
	Units          int64
	TTL            time.Duration
	IdempotencyKey string // generated when empty
}

type holdRequestWire struct {
	Account    string            `json:"account"`
	Amount     *money            `json:"amount,omitempty"`
	Type       kassa.ServiceType `json:"type,omitempty"`
	To         string            `json:"to,omitempty"`
	Units      int64             `json:"units,omitempty"`
	TTLSeconds int64             `json:"ttl_seconds,omitempty"`
}

// Hold is a reservation on a balance.
type Hold struct {
	ID           string
	Account      string
	Amount       kassa.Amount
	Captured     kassa.Amount
	Currency     string
	State        string // open, captured, released, expired
	ExpiresAt    time.Time
	BalanceAfter kassa.Amount
	Replayed     bool
}

type holdWire struct {
	ID           string    `json:"id"`
	Account      string    `json:"account"`
	Amount       money     `json:"amount"`
	Captured     *money    `json:"captured,omitempty"`
	Currency     string    `json:"currency"`
	State        string    `json:"state"`
	ExpiresAt    time.Time `json:"expires_at"`
	BalanceAfter *money    `json:"balance_after,omitempty"`
}

// MarshalJSON writes the platform API's wire shape.
func (h Hold) MarshalJSON() ([]byte, error) {
	w := holdWire{ID: h.ID, Account: h.Account, Amount: money(h.Amount), Currency: h.Currency, State: h.State,
		ExpiresAt: h.ExpiresAt, Captured: new(money(h.Captured)), BalanceAfter: new(money(h.BalanceAfter))}
	return json.Marshal(w)
}

// UnmarshalJSON reads the platform API's wire shape.
func (h *Hold) UnmarshalJSON(data []byte) error {
	var w holdWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*h = Hold{ID: w.ID, Account: w.Account, Amount: kassa.Amount(w.Amount), Currency: w.Currency, State: w.State, ExpiresAt: w.ExpiresAt}
	if w.Captured != nil {
		h.Captured = kassa.Amount(*w.Captured)
	}
	if w.BalanceAfter != nil {
		h.BalanceAfter = kassa.Amount(*w.BalanceAfter)
	}
	return nil
}

// Hold reserves part of an account's balance (POST /platform/v1/holds).
func (c *Client) Hold(ctx context.Context, req HoldRequest) (*Hold, error) {
	key := keyOrNew(req.IdempotencyKey)
	w := holdRequestWire{Account: req.Account, Type: req.Type, To: req.To, Units: req.Units, TTLSeconds: int64(req.TTL / time.Second)}
	if req.Amount != nil {
		w.Amount = new(money(*req.Amount))
	}
	r := &request{method: http.MethodPost, path: "/platform/v1/holds", auth: authService, idempotencyKey: key}
	return c.holdCall(ctx, r, w)
}

// Capture charges amount (at most the hold) and returns the rest of the hold
// to the balance (POST /platform/v1/holds/{id}/capture).
func (c *Client) Capture(ctx context.Context, holdID string, amount kassa.Amount) (*Hold, error) {
	r := &request{method: http.MethodPost, path: holdPath(holdID) + "/capture", auth: authService}
	return c.holdCall(ctx, r, map[string]money{"amount": money(amount)})
}

// Release returns all of a hold to the balance (POST /platform/v1/holds/{id}/release).
func (c *Client) Release(ctx context.Context, holdID string) (*Hold, error) {
	r := &request{method: http.MethodPost, path: holdPath(holdID) + "/release", auth: authService}
	return c.holdCall(ctx, r, nil)
}

// GetHold returns a hold (GET /platform/v1/holds/{id}).
func (c *Client) GetHold(ctx context.Context, holdID string) (*Hold, error) {
	r := &request{method: http.MethodGet, path: holdPath(holdID), auth: authService}
	return c.holdCall(ctx, r, nil)
}

// holdCall sends r with body (none when nil) and returns the hold answered.
func (c *Client) holdCall(ctx context.Context, r *request, body any) (*Hold, error) {
	var h Hold
	if err := c.sendJSON(ctx, r, body, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

func (h *Hold) setReplayed(replayed bool) { h.Replayed = replayed }

func holdPath(id string) string { return "/platform/v1/holds/" + pathEscape(id) }
