package httpapi

import (
	"encoding/xml"
	"net/http"
)

// balanceAnswer is the get-balance body: value is a JSON number written from
// the exact decimal text of the balance, never through a float.
type balanceAnswer struct {
	XMLName    xml.Name  `json:"-" xml:"accountBalance"`
	Value      rawNumber `json:"value" xml:"value"`
	AutoReload bool      `json:"autoReload" xml:"autoReload"`
}

// getBalance answers GET /account/get-balance with the caller's balance in
// its billing currency and whether auto-reload is enabled.
func (s *Server) getBalance(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	a := c.account
	body := balanceAnswer{Value: rawNumber(a.Balance.Decimal()), AutoReload: a.AutoReload.Enabled}
	if c.xml {
		writeXML(w, http.StatusOK, body)
		return nil
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}
