package httpapi

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// callbackServers are real HTTP servers on loopback that answer the live
// check in different ways.
type callbackServers struct {
	ok, notFound, failing, slow, redirect string
	refused                               string // a port nobody listens on
}

func startCallbackServers(t *testing.T) callbackServers {
	t.Helper()
	stop := make(chan struct{})
	serve := func(h http.HandlerFunc) string {
		s := httptest.NewServer(h)
		t.Cleanup(s.Close)
		return s.URL
	}
	var cs callbackServers
	cs.ok = serve(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
	})
	cs.notFound = serve(func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	cs.failing = serve(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	cs.slow = serve(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	})
	cs.redirect = serve(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://10.1.2.3/inbound", http.StatusFound)
	})
	t.Cleanup(func() { close(stop) }) // runs before the servers close
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cs.refused = "http://" + ln.Addr().String() + "/"
	ln.Close()
	return cs
}

// postCallbacks sets both callback URLs in one request.
func (h *harness) postCallbacks(mo, dr string) response {
	h.t.Helper()
	return h.post("/account/settings", url.Values{"moCallBackUrl": {mo}, "drCallBackUrl": {dr}}.Encode())
}

// wantRefused fails unless resp is the legacy 420 whose label contains
// every part, and the stored settings are still want.
func (h *harness) wantRefused(t *testing.T, resp response, want kassa.Settings, parts ...string) {
	t.Helper()
	resp.wantStatus(t, 420)
	b := resp.json(t)
	label, _ := b["error-code-label"].(string)
	if b["error-code"] != "420" {
		t.Errorf("body %s", resp.body)
	}
	for _, p := range parts {
		if !strings.Contains(label, p) {
			t.Errorf("label %q does not say %q", label, p)
		}
	}
	if got := h.account(testKey).Settings; got != want {
		t.Errorf("settings changed by a refused request: %+v, want %+v", got, want)
	}
}

// TestCallbackCheckRefusesNonPublic: with the default guard (no allowed
// networks) every loopback, unspecified, private-in-disguise and metadata
// target is refused with a message that says why, and nothing is saved,
// the other parameter included.
func TestCallbackCheckRefusesNonPublic(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{RateLimitsOff: true, CallbackTimeout: 2 * time.Second})
	cs := startCallbackServers(t)
	port := cs.ok[strings.LastIndex(cs.ok, ":")+1:]
	cases := []struct {
		url   string
		parts []string
	}{
		{cs.ok + "/mo", []string{"invalid moCallBackUrl", "address 127.0.0.1 is not allowed (loopback)"}},
		{"http://localhost:" + port + "/mo", []string{"is not allowed (loopback)"}}, // a DNS name resolving to loopback
		{"http://[::1]:" + port + "/mo", []string{"address ::1 is not allowed (loopback)"}},
		{"http://0.0.0.0:" + port + "/mo", []string{"address 0.0.0.0 is not allowed (unspecified address)"}},
		{"http://2130706433:" + port + "/mo", []string{"non-standard (decimal, octal or hex) form"}},
		{"http://0177.0.0.1:" + port + "/mo", []string{"non-standard (decimal, octal or hex) form"}},
		{"http://169.254.169.254/latest/meta-data/", []string{"address 169.254.169.254 is not allowed (cloud metadata)"}},
		{"http://[::ffff:127.0.0.1]:" + port + "/mo", []string{"is not allowed (loopback)"}},
	}
	for _, c := range cases {
		t.Run(c.url, func(t *testing.T) {
			h.wantRefused(t, h.postCallbacks(c.url, "https://dr.example/ok"), kassa.Settings{}, c.parts...)
		})
	}
	// The same for drCallBackUrl (named in the message).
	h.wantRefused(t, h.post("/account/settings", "drCallBackUrl="+url.QueryEscape(cs.ok)), kassa.Settings{}, "invalid drCallBackUrl", "loopback")
}

// TestCallbackCheckWithAllowedNetwork: once 127.0.0.0/8 is allowed, a URL
// that answers 200 is saved; 404, 500, a slow answer, a refused connection
// and a redirect into a private network are refused with the reason and
// change nothing; the metadata address stays refused; an empty value
// clears without a check; httpForwardMethod is stored; the change is
// audited with the old and new URLs.
func TestCallbackCheckWithAllowedNetwork(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{RateLimitsOff: true, CallbackTimeout: 300 * time.Millisecond, CallbackAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}})
	cs := startCallbackServers(t)

	resp := h.post("/account/settings", url.Values{"moCallBackUrl": {cs.ok + "/mo"}, "drCallBackUrl": {cs.ok + "/dr"}, "httpForwardMethod": {kassa.ForwardPostJSON}}.Encode()).wantStatus(t, http.StatusOK)
	if b := resp.json(t); b["mo-callback-url"] != cs.ok+"/mo" || b["dr-callback-url"] != cs.ok+"/dr" {
		t.Fatalf("body %s", resp.body)
	}
	saved := kassa.Settings{MOCallbackURL: cs.ok + "/mo", DRCallbackURL: cs.ok + "/dr", HTTPForwardMethod: kassa.ForwardPostJSON}
	if got := h.account(testKey).Settings; got != saved {
		t.Fatalf("stored %+v", got)
	}
	h.post("/account/settings", "moCallBackUrl="+url.QueryEscape("http://localhost:"+cs.ok[strings.LastIndex(cs.ok, ":")+1:]+"/mo")).wantStatus(t, http.StatusOK)
	h.post("/account/settings", "moCallBackUrl="+url.QueryEscape(cs.ok+"/mo")).wantStatus(t, http.StatusOK)

	refused := []struct {
		url   string
		parts []string
	}{
		{cs.notFound + "/x", []string{"answered status 404"}},
		{cs.failing + "/x", []string{"answered status 500"}},
		{cs.slow + "/x", []string{"timeout after 300ms"}},
		{cs.refused, []string{"connection refused"}},
		{cs.redirect + "/x", []string{"redirect to a private address is not allowed (10.1.2.3)"}},
		{"http://169.254.169.254/latest/meta-data/", []string{"cloud metadata"}},
	}
	for _, c := range refused {
		t.Run(c.url, func(t *testing.T) {
			// moCallBackUrl is fine; drCallBackUrl fails: neither changes.
			h.wantRefused(t, h.postCallbacks(cs.ok+"/mo2", c.url), saved, append([]string{"invalid drCallBackUrl"}, c.parts...)...)
		})
	}

	// Clearing needs no check: the server may be gone.
	h.post("/account/settings", "drCallBackUrl=").wantStatus(t, http.StatusOK)
	if got := h.account(testKey).Settings.DRCallbackURL; got != "" {
		t.Errorf("dr not cleared: %q", got)
	}
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Account: testKey, Action: "settings.update"})
	if err != nil || len(events) == 0 {
		t.Fatalf("audit %v %v", events, err)
	}
	if last := events[0].Detail; !strings.Contains(last, `"dr_callback_url":["`+cs.ok+`/dr",""]`) {
		t.Errorf("audit detail %s does not show old → new", last)
	}
}
