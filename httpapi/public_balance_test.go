package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/storetest"
)

// TestGetBalanceAuthStyles reads the balance with every way of passing
// credentials the SDKs use, and checks the answer against the reference.
func TestGetBalanceAuthStyles(t *testing.T) {
	h := newHarness(t)
	creds := "api_key=" + testKey + "&api_secret=" + testSecret
	cases := []struct {
		name string
		r    req
	}{
		{"basic", req{path: "/account/get-balance", basic: [2]string{testKey, testSecret}}},
		{"query", req{path: "/account/get-balance?" + creds}},
		{"query with trailing &", req{path: "/account/get-balance?" + creds + "&"}},
		{"basic with bare ?", req{path: "/account/get-balance?", basic: [2]string{testKey, testSecret}}},
		{"trailing slash", req{path: "/account/get-balance/?" + creds}},
		{"unknown parameters", req{path: "/account/get-balance?page_index=1&page_size=10&" + creds}},
		{"form body", req{path: "/account/get-balance", body: creds, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}},
		{"form body labelled JSON", req{path: "/account/get-balance", body: creds, header: map[string]string{"Content-Type": "application/json"}}},
		{"JSON body", req{path: "/account/get-balance", body: `{"api_key":"` + testKey + `","api_secret":"` + testSecret + `"}`}},
		{"legacy path", req{path: "/account/get-balance/" + testKey + "/" + testSecret}},
		{"other host", req{path: "/account/get-balance?" + creds, header: map[string]string{"Host": "rest.nexmo.com"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := h.do(c.r).wantStatus(t, http.StatusOK)
			if got := resp.header.Get("Content-Type"); got != "application/json;charset=UTF-8" {
				t.Errorf("Content-Type %q", got)
			}
			if got, want := strings.TrimSpace(string(resp.body)), `{"value":10.171275,"autoReload":true}`; got != want {
				t.Errorf("body %s, want %s", got, want)
			}
			wantShapeCovers(t, resp.body, example(t, "get-balance/JSON"))
			if got, want := jsonShape(t, resp.body), jsonShape(t, example(t, "get-balance/JSON")); len(got) != len(want) {
				t.Errorf("fields %v, want exactly %v", got, want)
			}
		})
	}
}

// TestGetBalanceXML asks for XML and compares the element names.
func TestGetBalanceXML(t *testing.T) {
	h := newHarness(t)
	for _, accept := range []string{"application/xml", "text/xml", "application/json;q=0.5, application/xml"} {
		resp := h.get("/account/get-balance", "Accept", accept).wantStatus(t, http.StatusOK)
		if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
			t.Errorf("Accept %q: Content-Type %q", accept, ct)
		}
		wantXMLCovers(t, resp.body, example(t, "get-balance/XML"))
		if !strings.Contains(string(resp.body), "<value>10.171275</value>") || !strings.Contains(string(resp.body), "<autoReload>true</autoReload>") {
			t.Errorf("Accept %q: body %s", accept, resp.body)
		}
	}
	// JSON wins a tie and is the default.
	for _, accept := range []string{"", "*/*", "application/json, application/xml", "application/json"} {
		resp := h.get("/account/get-balance", "Accept", accept).wantStatus(t, http.StatusOK)
		if ct := resp.header.Get("Content-Type"); ct != contentJSON {
			t.Errorf("Accept %q: Content-Type %q, want JSON", accept, ct)
		}
	}
}

// TestBalanceValueIsExact checks that the balance number is written from
// the exact decimal text (no float rounding) for large and tiny amounts.
func TestBalanceValueIsExact(t *testing.T) {
	h := newHarness(t)
	h.createAccount("big00001", testSecret, "92233720368.54775807", "EUR", noReload)
	h.createAccount("tiny0001", testSecret, "0.00000001", "EUR", noReload)
	for key, want := range map[string]string{"big00001": "92233720368.54775807", "tiny0001": "0.00000001"} {
		resp := h.do(req{path: "/account/get-balance", basic: [2]string{key, testSecret}}).wantStatus(t, http.StatusOK)
		if got := string(resp.body); !strings.Contains(got, `"value":`+want+",") {
			t.Errorf("%s: body %s, want value %s", key, got, want)
		}
	}
}

// TestUnauthorizedSameBody checks that a wrong secret and an unknown key
// get the same 401 body on every surface, in the surface's shape.
func TestUnauthorizedSameBody(t *testing.T) {
	h := newHarness(t)
	paths := []struct {
		method, path string
		wantType     string // "" for the legacy error-code body
	}{
		{"GET", "/account/get-balance", ""},
		{"POST", "/account/settings", ""},
		{"POST", "/account/top-up?trx=x", ""},
		{"GET", "/account/get-pricing/outbound/sms?country=GB", ""},
		{"GET", "/account/get-full-pricing/outbound/sms", ""},
		{"GET", "/accounts/" + testKey + "/secrets", "https://developer.nexmo.com/api-errors#unauthorized"},
	}
	for _, p := range paths {
		bodies := map[string]string{}
		for name, creds := range map[string][2]string{
			"wrong secret":  {testKey, "Wrong12345"},
			"unknown key":   {"zzzz9999", "Wrong12345"},
			"empty secret":  {testKey, ""},
			"no credential": {},
		} {
			r := req{method: p.method, path: p.path, basic: creds}
			if creds[0] == "" {
				r.basic = [2]string{}
			}
			resp := h.do(r).wantStatus(t, http.StatusUnauthorized)
			body := resp.json(t)
			if p.wantType == "" {
				if body["error-code"] != "401" || body["error-code-label"] != "authentication failed" {
					t.Errorf("%s %s (%s): body %s", p.method, p.path, name, resp.body)
				}
				bodies[name] = string(resp.body)
			} else {
				if body["type"] != p.wantType || body["detail"] != "You did not provide correct credentials." || len(body["instance"].(string)) != 32 {
					t.Errorf("%s %s (%s): body %s", p.method, p.path, name, resp.body)
				}
				delete(body, "instance")
				bodies[name] = body["type"].(string) + body["title"].(string) + body["detail"].(string)
			}
		}
		if bodies["wrong secret"] != bodies["unknown key"] {
			t.Errorf("%s: bodies differ: %q vs %q", p.path, bodies["wrong secret"], bodies["unknown key"])
		}
	}
	// The XML variant of the balance 401 has the balance root.
	resp := h.do(req{path: "/account/get-balance", basic: [2]string{testKey, "nope"}, header: map[string]string{"Accept": "application/xml"}}).wantStatus(t, http.StatusUnauthorized)
	if paths := xmlPaths(t, resp.body); !paths["accountBalance/error-code"] || !paths["accountBalance/error-code-label"] {
		t.Errorf("XML 401: %s", resp.body)
	}
}

// TestQueryCredentialsOverBasic: when Basic is present it is the one used.
func TestBasicWinsOverQuery(t *testing.T) {
	h := newHarness(t)
	q := url.Values{"api_key": {testKey}, "api_secret": {testSecret}}.Encode()
	h.do(req{path: "/account/get-balance?" + q, basic: [2]string{testKey, "Wrong12345"}}).wantStatus(t, http.StatusUnauthorized)
}

// TestGetBalanceCurrentThroughCache checks that get-balance answers the
// store's balance and auto-reload switch even while the caller's
// credentials (and account) are cached: writes by another node or by the
// ledger, which call no Invalidate here, show on the very next request.
func TestGetBalanceCurrentThroughCache(t *testing.T) {
	h := newHarness(t)
	balance := func() string {
		resp := h.do(req{path: "/account/get-balance", basic: [2]string{testKey, testSecret}}).wantStatus(t, http.StatusOK)
		return strings.TrimSpace(string(resp.body))
	}
	if got, want := balance(), `{"value":10.171275,"autoReload":true}`; got != want {
		t.Fatalf("first read %s, want %s", got, want)
	}
	storetest.MustAppend(t, h.db, testKey, kassa.KindCharge, kassa.MustParseAmount("-0.171275"))
	if _, err := h.db.UpdateAccount(t.Context(), testKey, kassa.AccountUpdate{AutoReload: &kassa.AutoReload{}}); err != nil {
		t.Fatal(err)
	}
	if got, want := balance(), `{"value":10.00,"autoReload":false}`; got != want {
		t.Errorf("after a charge and a settings change by another writer: %s, want %s", got, want)
	}
}
