package httpapi

import (
	"crypto/subtle"
	"encoding/xml"
	"net/http"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// topUpAnswer is the top-up success body.
type topUpAnswer struct {
	XMLName xml.Name `json:"-" xml:"response"`
	Code    string   `json:"error-code" xml:"error-code"`
	Label   string   `json:"error-code-label" xml:"error-code-label"`
}

// errNotAutoReload refuses a top-up for an account without auto-reload or
// with another trx (401 on the wire, as in the reference).
var errNotAutoReload = &kassa.Error{Code: kassa.EFORBIDDEN, Message: "not auto-reload enabled"}

// topUp answers GET or POST /account/top-up?trx=…: when auto-reload is
// enabled with that trx it credits the reload amount (a top-up entry whose
// reference is the trx), through Config.TopUp when set. An Idempotency-Key
// header makes a retry replay the first top-up instead of crediting again.
func (s *Server) topUp(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	trx := c.params.get("trx")
	if trx == "" {
		return kassa.FieldError("trx", "Is required.")
	}
	if s.cfg.TopUp != nil {
		if _, err := s.cfg.TopUp(r.Context(), c.account.APIKey, trx, r.Header.Get("Idempotency-Key")); err != nil {
			return err
		}
		return writeTopUpSuccess(w, c)
	}
	ar := c.account.AutoReload
	if !ar.Enabled || ar.Trx == "" || subtle.ConstantTimeCompare([]byte(trx), []byte(ar.Trx)) != 1 {
		return errNotAutoReload
	}
	if ar.Amount <= 0 {
		return kassa.Errorf(kassa.EPAYMENTDECLINED, "the auto-reload amount is not positive")
	}
	key := r.Header.Get("Idempotency-Key")
	if key != "" {
		key = "top-up:" + key
	}
	_, _, err := s.cfg.Ledger.Credit(r.Context(), charging.Posting{
		Account:        c.account.APIKey,
		Kind:           kassa.KindTopUp,
		Amount:         ar.Amount,
		Reason:         "top-up",
		Reference:      trx,
		IdempotencyKey: key,
	})
	if err != nil {
		return err
	}
	return writeTopUpSuccess(w, c)
}

// writeTopUpSuccess writes the top-up success body.
func writeTopUpSuccess(w http.ResponseWriter, c *publicCall) error {
	body := topUpAnswer{Code: "200", Label: "success"}
	if c.xml {
		writeXML(w, http.StatusOK, body)
		return nil
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
