package httpapi

import (
	"net/http"
	"strings"
	"testing"
)

// TestStoreDownIs503OnEverySurface: with the SQLite store unusable (closed
// under the running server: every call fails with the store's own
// EUNAVAILABLE) every API surface answers 503 in its own shape, never 500:
// the public API's legacy body, the secrets API's problem, the admin and
// platform APIs' RFC 7807 problem (#22). The PostgreSQL counterpart, with
// a real refusal, is TestDatabaseDownIs503OnEverySurface in cmd/kassa.
func TestStoreDownIs503OnEverySurface(t *testing.T) {
	h := newHarness(t)
	h.get("/account/get-balance").wantStatus(t, http.StatusOK) // cached by the harness's authenticator
	if err := h.db.Close(); err != nil {
		t.Fatal(err)
	}
	const (
		legacy  = `{"error-code":"503","error-code-label":"service unavailable: `
		secrets = `"type":"https://developer.nexmo.com/api-errors#unavailable"`
		problem = `"type":"https://kassa.dev/problems/unavailable","title":"Service unavailable","status":503`
	)
	basic := [2]string{testKey, testSecret}
	admin := map[string]string{"Authorization": "Bearer " + testAdminToken, "Idempotency-Key": "k-1", "Content-Type": "application/json"}
	platform := map[string]string{"Authorization": "Bearer " + testServiceToken, "Idempotency-Key": "k-2", "Content-Type": "application/json"}
	for _, c := range []struct {
		name string
		r    req
		want string
	}{
		{"get-balance (cached credentials)", req{path: "/account/get-balance", basic: basic}, legacy},
		{"get-balance (new credentials)", req{path: "/account/get-balance", basic: [2]string{"other123", "Other12345"}}, legacy},
		{"settings", req{method: "POST", path: "/account/settings", basic: basic}, legacy},
		{"top-up", req{method: "POST", path: "/account/top-up?trx=" + testTrx, basic: basic}, legacy},
		{"secrets list", req{path: "/accounts/" + testKey + "/secrets", basic: basic}, secrets},
		{"secret create", req{method: "POST", path: "/accounts/" + testKey + "/secrets", basic: basic, body: `{"secret":"Another123"}`,
			header: map[string]string{"Content-Type": "application/json"}}, secrets},
		{"admin account", req{path: "/admin/v1/accounts/" + testKey, header: admin}, problem},
		{"admin accounts", req{path: "/admin/v1/accounts", header: admin}, problem},
		{"admin entries", req{path: "/admin/v1/accounts/" + testKey + "/entries", header: admin}, problem},
		{"admin credit", req{method: "POST", path: "/admin/v1/accounts/" + testKey + "/credits", header: admin, body: `{"amount":"1","reason":"gift"}`}, problem},
		{"admin audit", req{path: "/admin/v1/audit", header: admin}, problem},
		{"admin verify", req{path: "/admin/v1/verify", header: admin}, problem},
		{"platform rate", req{method: "POST", path: "/platform/v1/rate", header: platform, body: `{"account":"` + testKey + `","type":"sms","to":"447700900123"}`}, problem},
		{"platform charge", req{method: "POST", path: "/platform/v1/charges", header: platform, body: `{"account":"` + testKey + `","type":"sms","to":"447700900123","units":1}`}, problem},
		{"platform hold", req{method: "POST", path: "/platform/v1/holds", header: platform, body: `{"account":"` + testKey + `","amount":"1"}`}, problem},
	} {
		resp := h.do(c.r)
		if resp.status != http.StatusServiceUnavailable || !strings.Contains(string(resp.body), c.want) {
			t.Errorf("%s with the store down: %d %s; want 503 with %s", c.name, resp.status, resp.body, c.want)
		}
	}
}
