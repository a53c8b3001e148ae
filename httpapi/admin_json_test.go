package httpapi

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// FuzzAdminAccountBody feeds arbitrary bodies to the admin API's strict
// JSON decoding and the account creation behind it (a real store): only
// EINVALID errors (or ECONFLICT for a key taken by an earlier input), never
// a panic, and an accepted body always yields a valid account.
func FuzzAdminAccountBody(f *testing.F) {
	f.Add([]byte(`{"api_key":"abcd1234","api_secret":"Secret1234","currency":"USD","credit":"10.00","credit_limit":"-5","limits":{"max_outbound_request":5}}`))
	f.Add([]byte(`{"credit": 1e3}`))
	f.Add([]byte(`{"credit": "1.000000005"} {}`))
	f.Add([]byte(`{"limits": {"max_calls_per_second": -1}, "x": 1}`))
	h := newHarness(f)
	svc := app.New(app.Config{Store: h.db, Hasher: h.hasher})
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest("POST", "/admin/v1/accounts", bytes.NewReader(body))
		var req createAccountRequest
		err := decodeStrict(r, 4096, &req)
		var credit, floor kassa.Amount
		if err == nil {
			floor, err = amountField("credit_limit", req.CreditLimit, false)
		}
		if err == nil {
			credit, err = amountField("credit", req.Credit, false)
		}
		if err == nil {
			var created *app.CreatedAccount
			created, err = svc.CreateAccount(t.Context(), app.System, app.NewAccount{APIKey: req.APIKey, Secret: req.APISecret,
				Currency: kassa.Currency(req.Currency), Credit: credit, CreditLimit: floor, Limits: req.Limits.change()})
			if err == nil {
				acct := created.Account
				if !kassa.ValidAPIKey(acct.APIKey) || !acct.Currency.Valid() || acct.CreditLimit > 0 || acct.Balance != credit {
					t.Fatalf("accepted an invalid account %+v from %q", acct, body)
				}
				l := acct.Limits
				if l.MaxOutboundRequest < 1 || l.MaxInboundRequest < 1 || l.MaxCallsPerSecond < 1 || l.PricingPerSecond < 1 {
					t.Fatalf("accepted limits %+v from %q", l, body)
				}
			}
		}
		if code := kassa.ErrorCode(err); err != nil && code != kassa.EINVALID && code != kassa.ECONFLICT {
			t.Fatalf("error %v is not EINVALID", err)
		}
	})
}
