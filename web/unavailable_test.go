package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStoreDownIs503Page: with the store unusable (closed under the running
// dashboard) every dashboard page and form that needs it, and the sign-in,
// answer 503 with the error page saying the service is unavailable, never
// a 500 (#22). The PostgreSQL counterpart, with a real refusal, is
// TestDatabaseDownIs503OnEverySurface in cmd/kassa.
func TestStoreDownIs503Page(t *testing.T) {
	e := newEnv(t, false)
	holder, operator := e.browser(), e.browser()
	holderCSRF := holder.signIn(testKey, testSecret)
	operatorCSRF := operator.signInOperator()
	if err := e.db.Close(); err != nil {
		t.Fatal(err)
	}
	const unavailable = "The service is unavailable right now"
	check := func(what string, p page) {
		t.Helper()
		if p.status != http.StatusServiceUnavailable || !strings.Contains(p.body, unavailable) {
			t.Errorf("%s with the store down: %d, want 503 and the unavailable page:\n%.400s", what, p.status, p.body)
		}
	}
	for _, path := range []string{"/ui/account", "/ui/secrets", "/ui/settings"} {
		check("GET "+path, holder.get(path))
	}
	check("POST /ui/secrets", holder.post("/ui/secrets", url.Values{"csrf": {holderCSRF}, "secret": {"Another123x"}}))
	for _, path := range []string{"/ui/operator/accounts", "/ui/operator/accounts/" + testKey, "/ui/operator/price-books"} {
		check("GET "+path, operator.get(path))
	}
	check("POST a credit", operator.post("/ui/operator/accounts/"+testKey+"/postings",
		url.Values{"csrf": {operatorCSRF}, "kind": {"credit"}, "amount": {"1"}, "reason": {"gift"}}))
	fresh := e.browser()
	check("sign-in", fresh.post("/ui/signin", url.Values{"csrf": {csrf(t, fresh.get("/ui/signin"))}, "role": {"account"}, "api_key": {testKey}, "api_secret": {testSecret}}))
}
