package httpapi

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// balanceAnswer is the get-balance body: value is a JSON number written from
// the exact decimal text of the balance, never through a float.
type balanceAnswer struct {
	XMLName    xml.Name  `json:"-" xml:"accountBalance"`
	Value      rawNumber `json:"value" xml:"value"`
	AutoReload bool      `json:"autoReload" xml:"autoReload"`
}

// getBalance answers GET /account/get-balance with the caller's balance in
// its billing currency and whether auto-reload is enabled. The caller was
// authenticated through the credential cache (c.account may be a TTL old);
// the balance and the switch come from the store's narrow FindBalance on
// every request, never from the credential cache (other nodes and the
// ledger write them): the whole account's read was most of this endpoint's
// CPU time under load. The SQLite store, the only writer of its file,
// answers it from balances its ledger commits publish (sqlite/balances.go);
// PostgreSQL reads.
//
// A subaccount that shares its primary's balance answers the primary's
// balance, which is what it spends (docs/subaccounts.md), with autoReload
// false: a subaccount never reloads.
func (s *Server) getBalance(w http.ResponseWriter, r *http.Request, c *publicCall) error {
	key := c.account.APIKey
	if c.account.IsSubaccount() && c.account.SharedBalance {
		key = c.account.Primary
	}
	v, err := s.cfg.Store.FindBalance(r.Context(), key)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return auth.ErrUnauthorized // as a key without an account (accounts are never deleted)
	}
	if err != nil {
		return fmt.Errorf("read balance: %w", err)
	}
	if c.account.IsSubaccount() {
		v.AutoReload = false
	}
	body := balanceAnswer{Value: rawNumber(v.Balance.Decimal()), AutoReload: v.AutoReload}
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
