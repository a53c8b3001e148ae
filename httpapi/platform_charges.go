package httpapi

import (
	"net/http"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
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
	ID      string `json:"id"`
	Account string `json:"account"`
	// BalanceAccount is the primary whose balance paid the charge of a
	// shared-balance subaccount (absent otherwise); BalanceAfter is its.
	BalanceAccount string `json:"balance_account,omitempty"`
	Type           string `json:"type"`
	To             string `json:"to"`
	Country        string `json:"country"`
	NetworkCode    string `json:"network_code"`
	NetworkName    string `json:"network_name"`
	UnitPrice      string `json:"unit_price"`
	Units          int64  `json:"units"`
	Amount         string `json:"amount"`
	Currency       string `json:"currency"`
	BalanceAfter   string `json:"balance_after"`
	CreatedAt      string `json:"created_at"`
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
	var req chargeRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	c, replayed, err := s.app.Charge(r.Context(), app.ChargeRequest{
		Account: req.Account, Type: kassa.ServiceType(req.Type), To: req.To, Units: req.Units,
		Reference: req.Reference, IdempotencyKey: r.Header.Get("Idempotency-Key"),
		Admit: func(acct *kassa.Account) error { return s.limitOutbound(w, acct) },
	})
	if err != nil {
		return err
	}
	writeCreated(w, replayed, chargeJSON{
		ID: strconv.FormatInt(c.ID, 10), Account: c.Account, BalanceAccount: otherAccount(c.BalanceAccount, c.Account), Type: string(c.Type), To: c.To,
		Country: c.Country, NetworkCode: c.NetworkCode, NetworkName: c.NetworkName,
		UnitPrice: c.UnitPrice.String(), Units: c.Units, Amount: c.Amount.String(), Currency: string(c.Currency),
		BalanceAfter: c.BalanceAfter.String(), CreatedAt: adminTime(c.CreatedAt),
	})
	return nil
}

// platformRefund answers POST /platform/v1/charges/{id}/refund: return part
// of a charge (the rest of it when amount is absent), idempotently.
func (s *Server) platformRefund(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return kassa.Errorf(kassa.ENOTFOUND, "no charge %q", r.PathValue("id"))
	}
	var req refundRequest
	if err := decodeStrict(r, s.cfg.MaxBodyBytes, &req); err != nil {
		return err
	}
	amount, err := optionalAmount("amount", req.Amount)
	if err != nil {
		return err
	}
	ref, replayed, err := s.app.Refund(r.Context(), app.RefundRequest{ChargeID: id, Amount: amount, IdempotencyKey: r.Header.Get("Idempotency-Key")})
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

// otherAccount is paying when it is not account, "" otherwise.
func otherAccount(paying, account string) string {
	if paying == account {
		return ""
	}
	return paying
}
