package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/reload"
)

// TestBadBodies: oversized, malformed form and malformed JSON bodies are
// clear 4xx answers in each surface's shape, and change nothing.
func TestBadBodies(t *testing.T) {
	h := newHarness(t)
	huge := "moCallBackUrl=https%3A%2F%2Fx.example%2F&pad=" + strings.Repeat("a", DefaultMaxBodyBytes+1)
	cases := []struct {
		name, path, body string
		status           int
		problem          bool
	}{
		{"settings oversized", "/account/settings", huge, http.StatusRequestEntityTooLarge, false},
		{"settings bad escape", "/account/settings", "moCallBackUrl=%zz", http.StatusBadRequest, false},
		{"settings bad JSON", "/account/settings", `{"moCallBackUrl": "https://x.example/"`, http.StatusBadRequest, false},
		{"settings JSON array value", "/account/settings", `{"moCallBackUrl": ["https://x.example/"]}`, http.StatusBadRequest, false},
		{"settings JSON trailing data", "/account/settings", `{"moCallBackUrl": "https://x.example/"} {}`, http.StatusBadRequest, false},
		{"top-up oversized", "/account/top-up", "trx=" + testTrx + "&pad=" + strings.Repeat("b", DefaultMaxBodyBytes), http.StatusRequestEntityTooLarge, false},
		{"top-up bad JSON", "/account/top-up", `{"trx":`, http.StatusBadRequest, false},
		{"secrets oversized", "/accounts/" + testKey + "/secrets", `{"secret":"Abcdefgh1","pad":"` + strings.Repeat("c", DefaultMaxBodyBytes) + `"}`, http.StatusRequestEntityTooLarge, true},
		{"secrets bad JSON", "/accounts/" + testKey + "/secrets", `{"secret":"Abcdefgh1"`, http.StatusBadRequest, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := h.do(req{method: "POST", path: c.path, body: c.body, basic: [2]string{testKey, testSecret},
				header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}).wantStatus(t, c.status)
			b := resp.json(t)
			if c.problem {
				if b["type"] == nil || b["title"] == nil || b["instance"] == nil {
					t.Errorf("not a problem body: %s", resp.body)
				}
			} else if b["error-code"] == nil || b["error-code-label"] == "" {
				t.Errorf("not a legacy body: %s", resp.body)
			}
		})
	}
	a := h.account(testKey)
	if a.Balance != kassa.MustParseAmount("10.171275") || a.Settings.MOCallbackURL != "" {
		t.Errorf("account changed: balance %s settings %+v", a.Balance, a.Settings)
	}
	if s, _ := h.db.Secrets(context.Background(), testKey); len(s) != 1 {
		t.Errorf("%d secrets", len(s))
	}
}

// TestUnknownPaths: unknown paths are 404 in the legacy shape under
// /account and elsewhere, RFC 7807 under /accounts and /admin.
func TestUnknownPaths(t *testing.T) {
	h := newHarness(t)
	for _, path := range []string{"/account/nope", "/account/get-balance/a/b/c", "/", "/sms/json"} {
		resp := h.get(path).wantStatus(t, http.StatusNotFound)
		if b := resp.json(t); b["error-code"] != "404" {
			t.Errorf("%s: %s", path, resp.body)
		}
	}
	for _, path := range []string{"/accounts/" + testKey + "/nope", "/admin/v1/nope"} {
		resp := h.get(path).wantStatus(t, http.StatusNotFound)
		if b := resp.json(t); b["type"] == nil || b["title"] == nil {
			t.Errorf("%s: %s", path, resp.body)
		}
	}
}

// TestWrongMethod: a wrong method is a 405 with Allow, in the legacy shape.
func TestWrongMethod(t *testing.T) {
	h := newHarness(t)
	for path, allow := range map[string]string{
		"/account/get-balance":                   "GET, HEAD",
		"/account/top-up":                        "GET, POST, HEAD",
		"/account/get-full-pricing/outbound/sms": "GET, HEAD",
	} {
		resp := h.do(req{method: "DELETE", path: path, basic: [2]string{testKey, testSecret}}).wantStatus(t, http.StatusMethodNotAllowed)
		if resp.header.Get("Allow") != allow {
			t.Errorf("%s: Allow %q, want %q", path, resp.header.Get("Allow"), allow)
		}
		if b := resp.json(t); b["error-code"] != "405" {
			t.Errorf("%s: %s", path, resp.body)
		}
	}
}

// TestStoreUnavailable: with the store closed every surface answers 503 in
// its shape, never 500, and /readyz reports it.
func TestStoreUnavailable(t *testing.T) {
	h := newHarness(t)
	h.db.Close()
	checks := []struct {
		r       req
		problem bool
	}{
		{req{path: "/account/get-balance", basic: [2]string{testKey, testSecret}}, false},
		{req{method: "POST", path: "/account/settings", basic: [2]string{testKey, testSecret}}, false},
		{req{path: "/accounts/" + testKey + "/secrets", basic: [2]string{testKey, testSecret}}, true},
		{req{path: "/admin/v1/accounts/" + testKey, header: map[string]string{"Authorization": "Bearer " + testAdminToken}}, true},
	}
	for _, c := range checks {
		resp := h.do(c.r).wantStatus(t, http.StatusServiceUnavailable)
		b := resp.json(t)
		if c.problem && b["type"] == nil || !c.problem && b["error-code"] != "503" {
			t.Errorf("%s: %s", c.r.path, resp.body)
		}
	}
	h.do(req{path: "/readyz"}).wantStatus(t, http.StatusServiceUnavailable)
	h.do(req{path: "/healthz"}).wantStatus(t, http.StatusOK)
}

// TestReadiness: /readyz is 200 with a store and a price book, 503 without
// a price book.
func TestReadiness(t *testing.T) {
	h := newHarness(t)
	resp := h.do(req{path: "/healthz"}).wantStatus(t, http.StatusOK)
	if string(resp.body) != "ok\n" {
		t.Errorf("healthz body %q", resp.body)
	}
	h.do(req{path: "/readyz"}).wantStatus(t, http.StatusOK)
	h.srv.Config.Handler = New(Config{Store: h.db, Hasher: h.hasher, Ledger: h.ledger})
	h.do(req{path: "/readyz"}).wantStatus(t, http.StatusServiceUnavailable)
	// Without a price book the pricing endpoints are 503, not 500.
	h.get("/account/get-full-pricing/outbound/sms").wantStatus(t, http.StatusServiceUnavailable)
}

// TestPanicIsA500: a handler that panics (here: a top-up whose payment
// step panics) answers the surface's 500 body, not a dropped connection,
// and the server keeps serving.
func TestPanicIsA500(t *testing.T) {
	h := newHarness(t)
	h.srv.Config.Handler = New(Config{Store: h.db, Hasher: h.hasher, Pricing: h.prices,
		TopUp: topUpFunc(func(context.Context, reload.TopUpRequest) (*kassa.Entry, error) { panic("boom") })})
	resp := h.post("/account/top-up", "trx="+testTrx).wantStatus(t, http.StatusInternalServerError)
	if b := resp.json(t); b["error-code"] != "500" || b["error-code-label"] != "unknown error" {
		t.Errorf("body %s", resp.body)
	}
	if strings.Contains(string(resp.body), "panic") {
		t.Errorf("the panic leaks: %s", resp.body)
	}
	h.get("/account/get-balance").wantStatus(t, http.StatusOK)
}
