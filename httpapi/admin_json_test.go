package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/kassa-dev/kassa"
)

// FuzzAdminAccountBody feeds arbitrary bodies to the admin API's strict
// JSON decoding and account validation: only EINVALID errors, never a
// panic, and an accepted body always yields a valid account.
func FuzzAdminAccountBody(f *testing.F) {
	f.Add([]byte(`{"api_key":"abcd1234","api_secret":"Secret1234","currency":"USD","credit":"10.00","credit_limit":"-5","limits":{"max_outbound_request":5}}`))
	f.Add([]byte(`{"credit": 1e3}`))
	f.Add([]byte(`{"credit": "1.000000005"} {}`))
	f.Add([]byte(`{"limits": {"max_calls_per_second": -1}, "x": 1}`))
	s := New(Config{})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/admin/v1/accounts", bytes.NewReader(body))
		var req createAccountRequest
		err := decodeStrict(r, 4096, &req)
		if err == nil {
			var acct *kassa.Account
			acct, _, _, err = s.newAccount(req)
			if err == nil {
				if !kassa.ValidAPIKey(acct.APIKey) || !acct.Currency.Valid() || acct.CreditLimit > 0 {
					t.Fatalf("accepted an invalid account %+v from %q", acct, body)
				}
				l := acct.Limits
				if l.MaxOutboundRequest < 1 || l.MaxInboundRequest < 1 || l.MaxCallsPerSecond < 1 || l.PricingPerSecond < 1 {
					t.Fatalf("accepted limits %+v from %q", l, body)
				}
			}
			if err == nil {
				_, err = amountField("credit", req.Credit, false)
			}
		}
		if err != nil && kassa.ErrorCode(err) != kassa.EINVALID {
			t.Fatalf("error %v is not EINVALID", err)
		}
	})
}
