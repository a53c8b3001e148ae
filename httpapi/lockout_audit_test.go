package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestLockoutAuditBounded: many loopback addresses, each locked out after
// failures on many keys within seconds, write one auth.lockout event as the
// attack starts and one summary with the count and a bounded sample of
// addresses when the window ends, not an event per address (#13.8: 400
// events from 400 addresses in under 10 s).
func TestLockoutAuditBounded(t *testing.T) {
	h := newHarness(t)
	c := newManualClock()
	h.serve(Config{Now: c.now, RateLimitsOff: true, AuthMaxFailures: 2})
	const addresses = 200
	for i := range addresses {
		from := net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))
		cl := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: from}}).DialContext}}
		for j := range 10 { // 5 × max failures of one address on distinct keys
			hr, _ := http.NewRequest(http.MethodGet, h.srv.URL+"/account/get-balance", nil)
			hr.SetBasicAuth(fmt.Sprintf("k%02d%05d", j, i), "Wrong12345")
			resp, err := cl.Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%s, failure %d: status %d", from, j, resp.StatusCode)
			}
		}
		cl.CloseIdleConnections()
		c.add(40 * time.Millisecond) // 200 addresses in 8 s
	}
	events := lockoutEvents(t, h)
	if len(events) != 1 {
		t.Fatalf("%d auth.lockout events during the attack, want 1 (the first)", len(events))
	}
	c.add(time.Minute)
	h.get("/account/get-balance").wantStatus(t, http.StatusOK) // any authentication sends the summary
	events = lockoutEvents(t, h)
	if len(events) != 2 {
		t.Fatalf("%d auth.lockout events after the window, want 2", len(events))
	}
	var first, sum struct {
		Scope   string   `json:"scope"`
		Count   int      `json:"count"`
		Client  string   `json:"client"`
		Clients []string `json:"clients"`
	}
	// Newest first.
	if err := json.Unmarshal([]byte(events[0].Detail), &sum); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(events[1].Detail), &first); err != nil {
		t.Fatal(err)
	}
	if first.Scope != "client" || first.Count != 1 || first.Client != "127.0.1.1" || events[1].RemoteAddr != "127.0.1.1" {
		t.Errorf("first event %+v (remote %q)", events[1], events[1].RemoteAddr)
	}
	if sum.Scope != "client" || sum.Count != addresses-1 || len(sum.Clients) != 10 || sum.Client != "" {
		t.Errorf("summary event %s, want the other %d lock-outs and 10 addresses", events[0].Detail, addresses-1)
	}
}

func lockoutEvents(t *testing.T, h *harness) []*kassa.AuditEvent {
	t.Helper()
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "auth.lockout", Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return events
}
