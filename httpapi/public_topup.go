package httpapi

import (
	"encoding/xml"
	"net/http"
)

// topUpAnswer is the top-up success body.
type topUpAnswer struct {
	XMLName xml.Name `json:"-" xml:"response"`
	Code    string   `json:"error-code" xml:"error-code"`
	Label   string   `json:"error-code-label" xml:"error-code-label"`
}

// topUp answers GET or POST /account/top-up?trx=…: when auto-reload is
// enabled with that trx it charges the payment behind it and credits the
// reload amount (app.Service.TopUp). An Idempotency-Key header makes a
// retry replay the first top-up instead of crediting again.
func (s *Server) topUp(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	if _, err := s.app.TopUp(r.Context(), c.actor(r), c.account.APIKey, c.params.get("trx"), r.Header.Get("Idempotency-Key")); err != nil {
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
