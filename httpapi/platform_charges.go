package httpapi

import (
	"net/http"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// chargeRequest is the body of POST /platform/v1/charges.
type chargeRequest struct {
	Account   string `json:"account"`
	Type      string `json:"type"`
	To        string `json:"to"`
	Units     *int64 `json:"units"`
	Reference string `json:"reference"`
}

// chargeJSON is a charge on the platform API.
type chargeJSON struct {
	ID           string `json:"id"`
	Account      string `json:"account"`
	Type         string `json:"type"`
	To           string `json:"to"`
	Country      string `json:"country"`
	NetworkCode  string `json:"network_code"`
	NetworkName  string `json:"network_name"`
	UnitPrice    string `json:"unit_price"`
	Units        int64  `json:"units"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	BalanceAfter string `json:"balance_after"`
	CreatedAt    string `json:"created_at"`
}

// refundRequest is the body of POST /platform/v1/charges/{id}/refund.
type refundRequest struct {
	Amount decimal `json:"amount"`
}

// refundJSON is a refund on the platform API.
type refundJSON struct {
	ID           string `json:"id"`
	ChargeID     string `json:"charge_id"`
	Account      string `json:"account"`
	Amount       string `json:"amount"`
	Currency     string `json:"currency"`
	BalanceAfter string `json:"balance_after"`
	CreatedAt    string `json:"created_at"`
}

// platformCharge answers POST /platform/v1/charges: rate the number in the
// account's currency and charge unit price × units, idempotently.
func (s *Server) platformCharge(w http.ResponseWriter, r *http.Request) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	var req chargeRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	units, err := unitsField(req.Units, true)
	if err != nil {
		return err
	}
	if len(req.Reference) > maxReferenceLen {
		return kassa.FieldError("reference", "reference must be at most %d bytes", maxReferenceLen)
	}
	dest, err := s.rateDestination(r, req.Account, req.Type, req.To)
	if err != nil {
		return err
	}
	if err := s.limitOutbound(w, dest.account); err != nil {
		return err
	}
	c, replayed, err := s.cfg.Ledger.Charge(r.Context(), charging.ChargeRequest{
		Account: dest.account.APIKey, Type: dest.service, To: dest.to, Units: units,
		Rating: chargingRating(dest.rating), IdempotencyKey: key, Reference: req.Reference,
	})
	if err != nil {
		return err
	}
	writeCreated(w, replayed, chargeJSON{
		ID: strconv.FormatInt(c.ID, 10), Account: c.Account, Type: string(c.Type), To: c.To,
		Country: c.Country, NetworkCode: c.NetworkCode, NetworkName: c.NetworkName,
		UnitPrice: c.UnitPrice.String(), Units: c.Units, Amount: c.Amount.String(), Currency: string(c.Currency),
		BalanceAfter: c.BalanceAfter.String(), CreatedAt: adminTime(c.CreatedAt),
	})
	return nil
}

// platformRefund answers POST /platform/v1/charges/{id}/refund: return part
// of a charge (the rest of it when amount is absent), idempotently.
func (s *Server) platformRefund(w http.ResponseWriter, r *http.Request) error {
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return kassa.Errorf(kassa.ENOTFOUND, "no charge %q", r.PathValue("id"))
	}
	var req refundRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	amount, err := amountField("amount", req.Amount, false)
	if err != nil {
		return err
	}
	if req.Amount.set && amount <= 0 {
		return kassa.FieldError("amount", "amount must be positive")
	}
	ref, replayed, err := s.cfg.Ledger.Refund(r.Context(), id, amount, key)
	if err != nil {
		return err
	}
	writeCreated(w, replayed, refundJSON{
		ID: strconv.FormatInt(ref.ID, 10), ChargeID: strconv.FormatInt(ref.ChargeID, 10), Account: ref.Account,
		Amount: ref.Amount.String(), Currency: string(ref.Currency), BalanceAfter: ref.BalanceAfter.String(),
		CreatedAt: adminTime(ref.CreatedAt),
	})
	return nil
}

// idempotencyKey returns the request's Idempotency-Key header, which every
// platform request that creates something must carry.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", kassa.FieldError("Idempotency-Key", "the Idempotency-Key header is required")
	}
	if err := charging.ValidateIdempotencyKey(key); err != nil {
		return "", kassa.FieldError("Idempotency-Key", "the Idempotency-Key header must be 1 to %d printable ASCII characters without spaces, not starting with \"kassa:\"", charging.MaxIdempotencyKeyLen)
	}
	return key, nil
}

// unitsField checks the number of units: message parts, or billed minutes
// of a call.
func unitsField(units *int64, required bool) (int64, error) {
	if units == nil {
		if required {
			return 0, kassa.FieldError("units", "units is required")
		}
		return 1, nil
	}
	if *units < 1 || *units > charging.MaxUnits {
		return 0, kassa.FieldError("units", "units must be between 1 and %d", charging.MaxUnits)
	}
	return *units, nil
}

// writeCreated writes 201 with v, or 200 with Idempotency-Replayed: true
// when v is the replay of an earlier request with the same key.
func writeCreated(w http.ResponseWriter, replayed bool, v any) {
	status := http.StatusCreated
	if replayed {
		status = http.StatusOK
		w.Header().Set("Idempotency-Replayed", "true")
	}
	writeAdminJSON(w, status, v)
}
