package server

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestShutdownFlushesLockoutSummaries: lock-outs after the first of a
// window wait in memory for the window's summary; a node that shuts down
// before the window ends writes that summary to the audit log rather than
// losing it.
func TestShutdownFlushesLockoutSummaries(t *testing.T) {
	cfg := testConfig(t)
	cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	n, err := Start(context.Background(), cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	// Two addresses each fail on many keys: two client-scope lock-outs in
	// one window, the first reported at once, the second pending.
	for _, client := range []string{"192.0.2.1", "192.0.2.2"} {
		for i := range 12 {
			req, err := http.NewRequest("GET", fmt.Sprintf("%s/account/get-balance?api_key=k%07d&api_secret=Wrong1234", n.URL(), i), nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Forwarded-For", client)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	n.Close()

	db, err := sqlite.Open(context.Background(), filepath.Join(cfg.Data, DBFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	events, _, err := db.ListAudit(context.Background(), kassa.AuditFilter{Action: "auth.lockout", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2 {
		t.Fatalf("%d auth.lockout audit events after shutdown, want 2 (the first and the summary of the second)", len(events))
	}
}
