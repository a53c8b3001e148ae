package httpapi

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
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
	if !strings.Contains(out, "request failed") || !strings.Contains(out, "path=/account/get-balance") || !strings.Contains(out, "/{redacted}/{redacted}") {
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

// TestBruteForceOnTheWire: failures from one client on one key are first
// slowed, then locked out (429 with Retry-After, in each surface's shape,
// even with the right secret); another key from the same client and the
// same key from another address are not affected; the lock-out expires
// (injected clock) and is audited without the secret, readable through
// the admin API.
func TestBruteForceOnTheWire(t *testing.T) {
	h := newHarness(t)
	c := newManualClock()
	h.serve(Config{Now: c.now, RateLimitsOff: true, AuthMaxFailures: 4, AuthLockout: 10 * time.Minute})
	h.createAccount("other123", testSecret, "1", kassa.EUR, noReload)
	wrong := req{path: "/account/get-balance", basic: [2]string{testKey, "Wrong12345"}}
	h.do(wrong).wantStatus(t, http.StatusUnauthorized)
	h.do(wrong).wantStatus(t, http.StatusUnauthorized)
	// Slowed: the next attempt, even with the right secret, must wait.
	slowed := h.get("/account/get-balance").wantStatus(t, http.StatusTooManyRequests)
	if slowed.header.Get("Retry-After") != "1" {
		t.Errorf("slowed Retry-After %q, want 1", slowed.header.Get("Retry-After"))
	}
	c.add(time.Second)
	h.do(wrong).wantStatus(t, http.StatusUnauthorized)
	c.add(2 * time.Second)
	h.do(wrong).wantStatus(t, http.StatusUnauthorized) // the fourth: locked out

	resp := h.get("/account/get-balance").wantStatus(t, http.StatusTooManyRequests)
	if resp.header.Get("Retry-After") != "600" {
		t.Errorf("Retry-After %q, want 600", resp.header.Get("Retry-After"))
	}
	if b := resp.json(t); b["error-code"] != "429" {
		t.Errorf("legacy body %s", resp.body)
	}
	sec := h.get("/accounts/"+testKey+"/secrets").wantStatus(t, http.StatusTooManyRequests)
	if b := sec.json(t); b["type"] != "https://developer.nexmo.com/api-errors#rate-limited" {
		t.Errorf("secrets body %s", sec.body)
	}
	h.do(req{path: "/account/get-balance", basic: [2]string{"other123", testSecret}}).wantStatus(t, http.StatusOK)

	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "auth.lockout"})
	if err != nil || len(events) != 1 || events[0].Account != testKey || !strings.Contains(events[0].Detail, `"scope":"client+key"`) || strings.Contains(events[0].Detail, "Wrong12345") {
		t.Fatalf("lockout audit %+v %v", events, err)
	}
	listed := h.admin("GET", "/admin/v1/audit?action=auth.lockout", "").wantStatus(t, http.StatusOK).json(t)
	if fmt.Sprint(listed["total"]) != "1" {
		t.Errorf("admin audit %v", listed)
	}

	c.add(10 * time.Minute)
	h.get("/account/get-balance").wantStatus(t, http.StatusOK)
}

// TestUnknownKeyLocksOutLikeAKnownOne: the lock-out does not tell whether
// the key exists: failures on an unknown key end in the same 429.
func TestUnknownKeyLocksOutLikeAKnownOne(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{Now: newManualClock().now, RateLimitsOff: true, AuthMaxFailures: 1})
	var bodies []string
	for _, key := range []string{testKey, "nosuch99"} {
		r := req{path: "/account/get-balance", basic: [2]string{key, "Wrong12345"}}
		h.do(r).wantStatus(t, http.StatusUnauthorized)
		bodies = append(bodies, string(h.do(r).wantStatus(t, http.StatusTooManyRequests).body))
	}
	if bodies[0] != bodies[1] {
		t.Errorf("429 bodies differ: %s vs %s", bodies[0], bodies[1])
	}
}
