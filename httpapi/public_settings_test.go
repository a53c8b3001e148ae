package httpapi

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestSettingsRead: an empty POST reads the settings, with all five keys.
func TestSettingsRead(t *testing.T) {
	h := newHarness(t)
	resp := h.post("/account/settings", "").wantStatus(t, http.StatusOK)
	if ct := resp.header.Get("Content-Type"); ct != contentJSON {
		t.Errorf("Content-Type %q", ct)
	}
	want := `{"mo-callback-url":"","dr-callback-url":"","max-outbound-request":30,"max-inbound-request":30,"max-calls-per-second":30}`
	if got := strings.TrimSpace(string(resp.body)); got != want {
		t.Errorf("body %s, want %s", got, want)
	}
}

// TestSettingsUpdate sets, respells and clears the callback URLs.
func TestSettingsUpdate(t *testing.T) {
	h := newHarness(t)
	resp := h.post("/account/settings", "moCallBackUrl=https%3A%2F%2Fexample.com%2Fmo&drCallBackUrl=https%3A%2F%2Fexample.com%2Fdr&").wantStatus(t, http.StatusOK)
	wantShapeCovers(t, resp.body, example(t, "settings/JSON"))
	body := resp.json(t)
	if body["mo-callback-url"] != "https://example.com/mo" || body["dr-callback-url"] != "https://example.com/dr" {
		t.Fatalf("body %s", resp.body)
	}
	// The PY4 spelling, as JSON, with the credentials in the query (NEXMO-NODE style).
	resp = h.do(req{method: "POST", path: "/account/settings?api_key=" + testKey + "&api_secret=" + testSecret,
		body: `{"moCallbackUrl":"http://example.org/in","httpForwardMethod":"POST_JSON"}`}).wantStatus(t, http.StatusOK)
	if got := resp.json(t)["mo-callback-url"]; got != "http://example.org/in" {
		t.Errorf("mo-callback-url %v", got)
	}
	if got := h.account(testKey).Settings; got.HTTPForwardMethod != kassa.ForwardPostJSON || got.DRCallbackURL != "https://example.com/dr" {
		t.Errorf("stored settings %+v", got)
	}
	// An empty value clears.
	resp = h.post("/account/settings", "drCallBackUrl=").wantStatus(t, http.StatusOK)
	if got := resp.json(t)["dr-callback-url"]; got != "" {
		t.Errorf("dr-callback-url %v after clearing", got)
	}
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Account: testKey, Action: "settings.update"})
	if err != nil || len(events) != 3 {
		t.Errorf("audit: %d events, err %v", len(events), err)
	}
}

// TestSettingsXML compares the XML answer with the reference example.
func TestSettingsXML(t *testing.T) {
	h := newHarness(t)
	resp := h.do(req{method: "POST", path: "/account/settings", basic: [2]string{testKey, testSecret},
		header: map[string]string{"Accept": "application/xml"}}).wantStatus(t, http.StatusOK)
	wantXMLCovers(t, resp.body, example(t, "settings/XML"))
	if !xmlPaths(t, resp.body)["account-settings/max-calls-per-second"] {
		t.Errorf("no max-calls-per-second: %s", resp.body)
	}
}

// TestSettingsInvalid refuses bad URLs and methods without changing anything.
func TestSettingsInvalid(t *testing.T) {
	h := newHarness(t)
	h.post("/account/settings", "moCallBackUrl=https%3A%2F%2Fok.example%2Fmo").wantStatus(t, http.StatusOK)
	bad := []string{
		"moCallBackUrl=ftp%3A%2F%2Fexample.com%2Fmo",
		"moCallBackUrl=not-a-url",
		"drCallBackUrl=%2Frelative",
		"drCallBackUrl=https%3A%2F%2Fexa+mple.com",
		"moCallBackUrl=https%3A%2F%2Fexample.com%2F" + strings.Repeat("a", MaxCallbackURLLength),
		"moCallBackUrl=https%3A%2F%2Fgood.example%2Fmo&drCallBackUrl=javascript%3Aalert(1)",
		"httpForwardMethod=PUT",
	}
	for _, form := range bad {
		resp := h.post("/account/settings", form)
		if resp.status != http.StatusBadRequest {
			t.Errorf("%.60s: status %d, body %s", form, resp.status, resp.body)
			continue
		}
		body := resp.json(t)
		if body["error-code"] != "400" || body["error-code-label"] == "" {
			t.Errorf("%.60s: body %s", form, resp.body)
		}
	}
	if got := h.account(testKey).Settings; got.MOCallbackURL != "https://ok.example/mo" || got.DRCallbackURL != "" || got.HTTPForwardMethod != "" {
		t.Errorf("settings changed by refused requests: %+v", got)
	}
}

// TestSettingsCallbackCheck: a configured live check can refuse a URL (420).
func TestSettingsCallbackCheck(t *testing.T) {
	h := newHarness(t)
	s := New(Config{Store: h.db, Hasher: h.hasher, Ledger: h.ledger, Pricing: h.prices,
		CheckCallback: func(ctx context.Context, u string) error {
			return kassa.Errorf(kassa.ECALLBACKREJECTED, "%s did not answer 200", u)
		}})
	h.srv.Config.Handler = s
	resp := h.post("/account/settings", "moCallBackUrl=https%3A%2F%2Fdown.example%2F").wantStatus(t, 420)
	if got := resp.json(t)["error-code-label"]; got != "invalid moCallBackUrl: https://down.example/ did not answer 200" {
		t.Errorf("label %v", got)
	}
	if got := h.account(testKey).Settings.MOCallbackURL; got != "" {
		t.Errorf("stored %q", got)
	}
}

// TestSettingsMethod: GET on settings is a 405 in the legacy shape.
func TestSettingsMethod(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/account/settings").wantStatus(t, http.StatusMethodNotAllowed)
	if resp.header.Get("Allow") != "POST" || resp.json(t)["error-code"] != "405" {
		t.Errorf("Allow %q body %s", resp.header.Get("Allow"), resp.body)
	}
}
