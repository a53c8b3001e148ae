package server

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/reload"
)

// startTestNode starts a node on a temporary data directory with cfg's
// webhook settings, runs it until the test ends, and returns it.
func startTestNode(t *testing.T, data string, mod func(*Config)) *Node {
	t.Helper()
	cfg := &Config{
		Data: data, Addr: "127.0.0.1:0", AdminToken: "admin-token-for-server-tests", ServiceToken: "service-token-for-tests",
		Demo: true, DemoKey: "demo0001", DemoSecret: "Demo12345secret", ShutdownTimeout: 5 * time.Second,
		ReloadGateway: reload.GatewayLedgerOnly, ReloadInterval: time.Hour, ReloadLeaseTTL: time.Minute,
		AllowCallbackNet: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, CallbackTimeout: time.Second, RateLimits: true,
		AuthMaxFailures: 20, AuthLockout: time.Minute,
	}
	mod(cfg)
	n, err := Start(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		n.Close()
	})
	return n
}

// TestReloadEventsURLIsAnEndpoint: --reload-events-url registers the
// endpoint reload-events (signed with the reload secret, reload events
// only), the running dispatcher delivers a top-up's reload.succeeded to
// it, and a restart with another URL moves the endpoint.
func TestReloadEventsURLIsAnEndpoint(t *testing.T) {
	const secret = "reload-secret-0123456789"
	got := make(chan []byte, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := reload.Verify([]byte(secret), r.Header.Get(reload.SignatureHeader), r.Header.Get(reload.TimestampHeader), body, time.Now(), 0); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		got <- body
	}))
	t.Cleanup(recv.Close)
	data := t.TempDir()
	n := startTestNode(t, data, func(c *Config) {
		c.ReloadEventsURL, c.ReloadWebhookSecret = recv.URL+"/events", secret
	})
	ep, err := n.Store().WebhookEndpoint(context.Background(), app.ReloadEventsEndpoint)
	if err != nil {
		t.Fatal(err)
	}
	if ep.URL != recv.URL+"/events" || ep.Secret != secret || strings.Join(ep.Types, ",") != "reload.succeeded,reload.failed" {
		t.Fatalf("endpoint %+v", ep)
	}

	req, _ := http.NewRequest(http.MethodPost, n.URL()+"/account/top-up", strings.NewReader("trx="+DemoTrx))
	req.SetBasicAuth("demo0001", "Demo12345secret")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("top-up: %d", resp.StatusCode)
	}
	var ev struct {
		Type    string `json:"type"`
		Account string `json:"account"`
		Data    kassa.ReloadSucceededData
	}
	if err := json.Unmarshal(<-got, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Type != kassa.EventReloadSucceeded || ev.Account != "demo0001" || ev.Data.Source != kassa.ReloadSourceTopUp {
		t.Errorf("delivered %+v", ev)
	}

	// The metrics count the delivery once the dispatcher has recorded it
	// (just after the receiver answered).
	var text string
	for range 500 {
		m, err := http.Get(n.URL() + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(m.Body)
		m.Body.Close()
		if text = string(b); strings.Contains(text, `kassa_event_deliveries_total{result="delivered"} 1`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(text, `kassa_event_deliveries_total{result="delivered"} 1`) || !strings.Contains(text, "kassa_event_deliveries_pending") {
		t.Errorf("metrics lack the delivery:\n%s", grepLines(text, "kassa_event"))
	}
}

// TestReloadEventsURLMoves: a start with another --reload-events-url
// updates the endpoint in place (same id, new URL).
func TestReloadEventsURLMoves(t *testing.T) {
	data := t.TempDir()
	const secret = "reload-secret-0123456789"
	start := func(url string) *Node {
		n, err := Start(context.Background(), &Config{
			Data: data, Addr: "127.0.0.1:0", ShutdownTimeout: time.Second, ReloadEventsURL: url, ReloadWebhookSecret: secret,
			AllowCallbackNet: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, AuthMaxFailures: 20,
		}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	start("http://127.0.0.1:1/a").Close()
	n2 := start("http://127.0.0.1:1/b")
	defer n2.Close()
	list, err := n2.Store().WebhookEndpoints(context.Background())
	if err != nil || len(list) != 1 || list[0].URL != "http://127.0.0.1:1/b" {
		t.Fatalf("endpoints after the restart: %+v %v", list, err)
	}
}

// grepLines returns the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
