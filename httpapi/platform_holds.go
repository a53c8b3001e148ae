package httpapi

import (
	"net/http"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/charging"
)

// holdRequest is the body of POST /platform/v1/holds: either an amount, or
// a type and number (and units, 1 by default) to price the hold at.
type holdRequest struct {
	Account    string  `json:"account"`
	Amount     decimal `json:"amount"`
	Type       string  `json:"type"`
	To         string  `json:"to"`
	Units      *int64  `json:"units"`
	TTLSeconds *int64  `json:"ttl_seconds"`
}

// captureRequest is the body of POST /platform/v1/holds/{id}/capture.
type captureRequest struct {
	Amount decimal `json:"amount"`
}

// holdJSON is a hold on the platform API: every field in every state, null
// where it does not apply. ChargeID is the capture entry of a captured
// hold: the charge that /charges/{id}/refund refunds; ClosedAt is when a
// hold was captured, released or expired.
type holdJSON struct {
	ID      string `json:"id"`
	Account string `json:"account"`
	// BalanceAccount is the primary whose balance holds the amount for a
	// shared-balance subaccount (absent otherwise).
	BalanceAccount string  `json:"balance_account,omitempty"`
	Amount         string  `json:"amount"`
	Captured       string  `json:"captured"`
	Currency       string  `json:"currency"`
	State          string  `json:"state"`
	ExpiresAt      string  `json:"expires_at"`
	BalanceAfter   string  `json:"balance_after"`
	ChargeID       *string `json:"charge_id"`
	CreatedAt      string  `json:"created_at"`
	ClosedAt       *string `json:"closed_at"`
}

// toHoldJSON renders a hold.
func toHoldJSON(h *charging.HoldInfo) holdJSON {
	account := h.Account
	if h.Subaccount != "" {
		account = h.Subaccount
	}
	out := holdJSON{
		ID: h.ID, Account: account, BalanceAccount: otherAccount(h.Account, account), Amount: h.Amount.String(), Captured: h.Captured.String(),
		Currency: string(h.Currency), State: string(h.State), ExpiresAt: adminTime(h.ExpiresAt),
		BalanceAfter: h.BalanceAfter.String(), CreatedAt: adminTime(h.CreatedAt),
	}
	if h.CaptureEntryID != 0 {
		id := strconv.FormatInt(h.CaptureEntryID, 10)
		out.ChargeID = &id
	}
	if !h.ClosedAt.IsZero() {
		at := adminTime(h.ClosedAt)
		out.ClosedAt = &at
	}
	return out
}

// platformHold answers POST /platform/v1/holds: reserve an amount of the
// balance for a call of unknown length, idempotently.
func (s *Server) platformHold(w http.ResponseWriter, r *http.Request) error {
	var req holdRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	amount, err := optionalAmount("amount", req.Amount)
	if err != nil {
		return err
	}
	h, replayed, err := s.app.Hold(r.Context(), app.HoldRequest{
		Account: req.Account, Amount: amount, Type: kassa.ServiceType(req.Type), To: req.To, Units: req.Units,
		TTLSeconds: req.TTLSeconds, IdempotencyKey: r.Header.Get("Idempotency-Key"),
	})
	if err != nil {
		return err
	}
	writeCreated(w, replayed, toHoldJSON(h))
	return nil
}

// platformCapture answers POST /platform/v1/holds/{id}/capture: charge part
// of a hold and return the rest.
func (s *Server) platformCapture(w http.ResponseWriter, r *http.Request) error {
	var req captureRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	amount, err := amountField("amount", req.Amount, true)
	if err != nil {
		return err
	}
	h, replayed, err := s.app.Capture(r.Context(), r.PathValue("id"), amount)
	if err != nil {
		return err
	}
	writeHold(w, replayed, h)
	return nil
}

// platformRelease answers POST /platform/v1/holds/{id}/release: return all
// of a hold.
func (s *Server) platformRelease(w http.ResponseWriter, r *http.Request) error {
	var req struct{}
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	h, replayed, err := s.app.Release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeHold(w, replayed, h)
	return nil
}

// platformGetHold answers GET /platform/v1/holds/{id}.
func (s *Server) platformGetHold(w http.ResponseWriter, r *http.Request) error {
	h, err := s.app.GetHold(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeAdminJSON(w, http.StatusOK, toHoldJSON(h))
	return nil
}

// writeHold writes 200 with the hold, marking a replayed capture or
// release with Idempotency-Replayed: true.
func writeHold(w http.ResponseWriter, replayed bool, h *charging.HoldInfo) {
	if replayed {
		w.Header().Set("Idempotency-Replayed", "true")
	}
	writeAdminJSON(w, http.StatusOK, toHoldJSON(h))
}
