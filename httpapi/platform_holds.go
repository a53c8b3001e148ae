package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
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

// holdJSON is a hold on the platform API. ChargeID is the capture entry of
// a captured hold: the charge that /charges/{id}/refund refunds.
type holdJSON struct {
	ID           string `json:"id"`
	Account      string `json:"account"`
	Amount       string `json:"amount"`
	Captured     string `json:"captured"`
	Currency     string `json:"currency"`
	State        string `json:"state"`
	ExpiresAt    string `json:"expires_at"`
	BalanceAfter string `json:"balance_after"`
	ChargeID     string `json:"charge_id,omitempty"`
	CreatedAt    string `json:"created_at"`
	ClosedAt     string `json:"closed_at,omitempty"`
}

// toHoldJSON renders a hold.
func toHoldJSON(h *charging.HoldInfo) holdJSON {
	out := holdJSON{
		ID: h.ID, Account: h.Account, Amount: h.Amount.String(), Captured: h.Captured.String(),
		Currency: string(h.Currency), State: string(h.State), ExpiresAt: adminTime(h.ExpiresAt),
		BalanceAfter: h.BalanceAfter.String(), CreatedAt: adminTime(h.CreatedAt), ClosedAt: adminTime(h.ClosedAt),
	}
	if h.CaptureEntryID != 0 {
		out.ChargeID = strconv.FormatInt(h.CaptureEntryID, 10)
	}
	return out
}

// platformHold answers POST /platform/v1/holds: reserve an amount of the
// balance for a call of unknown length, idempotently.
func (s *Server) platformHold(w http.ResponseWriter, r *http.Request) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var req holdRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	ttl, err := ttlField(req.TTLSeconds)
	if err != nil {
		return err
	}
	amount, hash, err := s.holdAmount(r, &req, ttl)
	if err != nil {
		return err
	}
	h, replayed, err := s.cfg.Ledger.Hold(r.Context(), charging.HoldRequest{
		Account: req.Account, Amount: amount, TTL: ttl, IdempotencyKey: key, RequestHash: hash,
	})
	if err != nil {
		return err
	}
	writeCreated(w, replayed, toHoldJSON(h))
	return nil
}

// holdAmount returns the amount to hold, given or priced, and the hash that
// identifies the request for replays (the request as sent, so that a retry
// after a price change still replays).
func (s *Server) holdAmount(r *http.Request, req *holdRequest, ttl time.Duration) (kassa.Amount, string, error) {
	ttlText := strconv.FormatInt(int64(ttl/time.Second), 10)
	if req.Amount.set {
		if req.Type != "" || req.To != "" || req.Units != nil {
			return 0, "", kassa.FieldError("amount", "give either amount, or type and to (and units), not both")
		}
		amount, err := amountField("amount", req.Amount, true)
		if err != nil {
			return 0, "", err
		}
		if amount <= 0 {
			return 0, "", kassa.FieldError("amount", "amount must be positive")
		}
		if req.Account == "" {
			return 0, "", kassa.FieldError("account", "account is required")
		}
		if _, err := s.platformAccount(r, req.Account); err != nil {
			return 0, "", err
		}
		return amount, charging.HashRequest("platform-hold", req.Account, amount.String(), ttlText), nil
	}
	if req.Type == "" && req.To == "" {
		return 0, "", kassa.FieldError("amount", "amount, or type and to, are required")
	}
	units, err := unitsField(req.Units, false)
	if err != nil {
		return 0, "", err
	}
	dest, err := s.rateDestination(r, req.Account, req.Type, req.To)
	if err != nil {
		return 0, "", err
	}
	amount, err := dest.rating.UnitPrice.MulUnits(units)
	if err != nil {
		return 0, "", kassa.FieldError("units", "unit price × units is out of range")
	}
	if amount <= 0 {
		return 0, "", kassa.FieldError("to", "the destination is free: there is nothing to hold")
	}
	hash := charging.HashRequest("platform-hold", req.Account, string(dest.service), dest.to, strconv.FormatInt(units, 10), ttlText)
	return amount, hash, nil
}

// ttlField checks ttl_seconds; 0 means the ledger's default.
func ttlField(seconds *int64) (time.Duration, error) {
	if seconds == nil {
		return 0, nil
	}
	maxSeconds := int64(charging.MaxHoldTTL / time.Second)
	if *seconds < 1 || *seconds > maxSeconds {
		return 0, kassa.FieldError("ttl_seconds", "ttl_seconds must be between 1 and %d", maxSeconds)
	}
	return time.Duration(*seconds) * time.Second, nil
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
	if amount < 0 {
		return kassa.FieldError("amount", "amount must not be negative")
	}
	h, replayed, err := s.cfg.Ledger.Capture(r.Context(), r.PathValue("id"), amount)
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
	h, replayed, err := s.cfg.Ledger.Release(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeHold(w, replayed, h)
	return nil
}

// platformGetHold answers GET /platform/v1/holds/{id}.
func (s *Server) platformGetHold(w http.ResponseWriter, r *http.Request) error {
	h, err := s.cfg.Ledger.GetHold(r.Context(), r.PathValue("id"))
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
