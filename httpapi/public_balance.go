package httpapi

import (
	"encoding/xml"
	"net/http"
	"strconv"
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
	writeBody(w, http.StatusOK, contentJSON, balanceJSON(body))
	return nil
}

// balanceJSON writes the JSON answer by hand, byte for byte what
// encoding/json writes for b (checked by TestBalanceJSONMatchesEncoder):
// get-balance runs on every poll of every client, and the encoder's
// reflection and buffers were a visible share of its profile.
func balanceJSON(b balanceAnswer) []byte {
	out := make([]byte, 0, 48+len(b.Value))
	out = append(out, `{"value":`...)
	out = append(out, b.Value...)
	out = append(out, `,"autoReload":`...)
	out = strconv.AppendBool(out, b.AutoReload)
	return append(out, "}\n"...)
}
