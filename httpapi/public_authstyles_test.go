package httpapi

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// TestEveryEndpointEveryAuthStyle calls each public endpoint with Basic,
// query and form-body credentials (and the JSON body for the secrets API).
func TestEveryEndpointEveryAuthStyle(t *testing.T) {
	h := newHarness(t)
	creds := "api_key=" + testKey + "&api_secret=" + testSecret
	endpoints := []struct {
		method, path, params string
		status               int
	}{
		{"GET", "/account/get-balance", "", http.StatusOK},
		{"POST", "/account/settings", "moCallBackUrl=https%3A%2F%2Fexample.com%2Fmo", http.StatusOK},
		{"POST", "/account/top-up", "trx=" + testTrx, http.StatusOK},
		{"GET", "/account/top-up", "trx=" + testTrx, http.StatusOK},
		{"GET", "/account/get-pricing/outbound/sms", "country=GB", http.StatusOK},
		{"GET", "/account/get-full-pricing/outbound/voice", "", http.StatusOK},
		{"GET", "/account/get-prefix-pricing/outbound/sms-transit", "prefix=260", http.StatusOK},
		{"GET", "/account/get-prefix-pricing/outbound", "prefix=44&page_index=1", http.StatusOK},
		{"GET", "/accounts/" + testKey + "/secrets", "page_index=1", http.StatusOK},
	}
	join := func(a, b string) string {
		if a == "" {
			return b
		}
		return a + "&" + b
	}
	for _, e := range endpoints {
		styles := map[string]req{
			"basic":      {method: e.method, path: e.path + "?" + e.params, basic: [2]string{testKey, testSecret}},
			"query":      {method: e.method, path: e.path + "?" + join(e.params, creds) + "&"},
			"form body":  {method: e.method, path: e.path, body: join(e.params, creds), header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}},
			"query+form": {method: e.method, path: e.path + "?" + creds, body: e.params + "&"},
		}
		for name, r := range styles {
			resp := h.do(r)
			if resp.status != e.status {
				t.Errorf("%s %s (%s): status %d, body %s", e.method, e.path, name, resp.status, resp.body)
			}
			if ct := resp.header.Get("Content-Type"); ct != contentJSON {
				t.Errorf("%s %s (%s): Content-Type %q", e.method, e.path, name, ct)
			}
		}
	}
}

// TestErrorsAreLoggedWithoutCredentials: a 5xx is logged with the method
// and path, never the query or body that carry the secret.
func TestErrorsAreLoggedWithoutCredentials(t *testing.T) {
	h := newHarness(t)
	var logs syncBuffer
	h.srv.Config.Handler = New(Config{Store: h.db, Hasher: h.hasher, Ledger: h.ledger, Pricing: h.prices,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	h.db.Close()
	h.do(req{path: "/account/get-balance?api_key=" + testKey + "&api_secret=" + testSecret}).wantStatus(t, http.StatusServiceUnavailable)
	h.do(req{method: "POST", path: "/account/settings", body: "api_key=" + testKey + "&api_secret=" + testSecret}).wantStatus(t, http.StatusServiceUnavailable)
	h.do(req{path: "/account/get-balance/" + testKey + "/" + testSecret}).wantStatus(t, http.StatusServiceUnavailable)
	out := logs.String()
	if !strings.Contains(out, "request failed") || !strings.Contains(out, "path=/account/get-balance") || !strings.Contains(out, "{secret}") {
		t.Errorf("failure not logged:\n%s", out)
	}
	if strings.Contains(out, testSecret) || strings.Contains(out, "api_secret") {
		t.Errorf("the log holds credentials:\n%s", out)
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestTrailingSlashes: every public path is also served with a trailing '/'.
func TestTrailingSlashes(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{
		"/account/get-balance/",
		"/account/get-balance/" + testKey + "/" + testSecret + "/",
		"/account/get-pricing/outbound/sms/?country=GB",
		"/account/get-full-pricing/outbound/sms/",
		"/account/get-prefix-pricing/outbound/sms/?prefix=44",
		"/account/get-prefix-pricing/outbound/?prefix=44",
		"/account/top-up/?trx=" + testTrx,
		"/accounts/" + testKey + "/secrets/",
	} {
		h.get(path).wantStatus(t, http.StatusOK)
	}
	h.post("/account/settings/", "").wantStatus(t, http.StatusOK)
	resp := h.do(req{method: "HEAD", path: "/account/get-balance", basic: [2]string{testKey, testSecret}}).wantStatus(t, http.StatusOK)
	if len(resp.body) != 0 {
		t.Errorf("HEAD with a body")
	}
}

// TestBruteForceLockoutOnTheWire: after too many failures from one client,
// that client gets 429 with Retry-After on the key, even with the right
// secret, in each surface's shape; the lock-out is audited.
func TestBruteForceLockoutOnTheWire(t *testing.T) {
	h := newHarness(t)
	h.srv.Config.Handler = New(Config{Store: h.db, Hasher: h.hasher, Ledger: h.ledger, Pricing: h.prices})
	for range auth.DefaultMaxFailures {
		h.do(req{path: "/account/get-balance", basic: [2]string{testKey, "Wrong12345"}}).wantStatus(t, http.StatusUnauthorized)
	}
	resp := h.get("/account/get-balance").wantStatus(t, http.StatusTooManyRequests)
	if resp.header.Get("Retry-After") == "" {
		t.Error("no Retry-After")
	}
	if b := resp.json(t); b["error-code"] != "429" {
		t.Errorf("legacy body %s", resp.body)
	}
	sec := h.get("/accounts/"+testKey+"/secrets").wantStatus(t, http.StatusTooManyRequests)
	if b := sec.json(t); b["type"] == nil {
		t.Errorf("secrets body %s", sec.body)
	}
	// Another key from the same client is not locked.
	h.createAccount("other123", testSecret, "1", kassa.EUR, noReload)
	h.do(req{path: "/account/get-balance", basic: [2]string{"other123", testSecret}}).wantStatus(t, http.StatusOK)
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "auth.lockout"})
	if err != nil || len(events) != 1 || !strings.Contains(events[0].Detail, testKey) || strings.Contains(events[0].Detail, "Wrong12345") {
		t.Errorf("lockout audit %v %v", events, err)
	}
}
