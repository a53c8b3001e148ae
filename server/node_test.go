package server

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/storetest"
)

// testConfig is a server on any free loopback port over a temporary data
// directory, without the demo account.
func testConfig(t *testing.T) *Config {
	return &Config{
		Data: t.TempDir(), Addr: "127.0.0.1:0", ShutdownTimeout: 5 * time.Second, UI: true,
		ReloadInterval: 10 * time.Minute, ReloadLeaseTTL: time.Minute, CallbackTimeout: time.Second,
		RateLimits: true, AuthMaxFailures: 2, AuthLockout: time.Hour,
	}
}

// startTest starts and runs a node until the test ends.
func startTest(t *testing.T, cfg *Config, opts Options) *Node {
	t.Helper()
	n, err := Start(context.Background(), cfg, opts)
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

// get makes a request and returns its status and body.
func get(t *testing.T, method, url, user, pass string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestNoEmulatorWithoutWrap: a server started without the emulator has no
// control API: every /_emulator/ path answers 404, whatever the method.
func TestNoEmulatorWithoutWrap(t *testing.T) {
	n := startTest(t, testConfig(t), Options{})
	for _, path := range []string{"/_emulator", "/_emulator/", "/_emulator/reset", "/_emulator/fixtures", "/_emulator/requests",
		"/_emulator/faults", "/_emulator/faults/1", "/_emulator/clock", "/_emulator/anything?x=1"} {
		for _, method := range []string{"GET", "POST", "DELETE"} {
			if status, body := get(t, method, n.URL()+path, "", ""); status != http.StatusNotFound {
				t.Errorf("%s %s: %d %s, want 404", method, path, status, body)
			}
		}
	}
}

// TestRebuildForgetsMemoryState: a client slowed by the brute-force limiter
// is let in after a Rebuild (the limiter, like every cache, is new), and
// the node keeps serving the same store.
func TestRebuildForgetsMemoryState(t *testing.T) {
	n := startTest(t, testConfig(t), Options{})
	ctx := context.Background()
	if _, err := n.App().CreateAccount(ctx, app.System, app.NewAccount{APIKey: "rebuild1", Secret: "Rebuild1Secret", Credit: kassa.MustParseAmount("5")}); err != nil {
		t.Fatal(err)
	}
	url := n.URL() + "/account/get-balance"
	get(t, "GET", url, "rebuild1", "Wrong0000Secret")
	if status, _ := get(t, "GET", url, "rebuild1", "Rebuild1Secret"); status != http.StatusTooManyRequests {
		t.Fatalf("after a failure with --auth-max-failures 2: %d, want 429 (slowed)", status)
	}
	called := false
	if err := n.Rebuild(ctx, func(context.Context) error { called = true; return nil }); err != nil || !called {
		t.Fatalf("rebuild: %v (between called: %v)", err, called)
	}
	status, body := get(t, "GET", url, "rebuild1", "Rebuild1Secret")
	if status != http.StatusOK || !strings.Contains(body, `"value":5.00`) {
		t.Errorf("after the rebuild: %d %s, want the balance", status, body)
	}
}

// TestRunTimedJobsExpiresHolds: with the clock past a hold's expiry,
// RunTimedJobs expires it now.
func TestRunTimedJobsExpiresHolds(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC))
	n := startTest(t, testConfig(t), Options{Now: clock.Now})
	ctx := context.Background()
	if _, err := n.App().CreateAccount(ctx, app.System, app.NewAccount{APIKey: "jobs0001", Credit: kassa.MustParseAmount("5")}); err != nil {
		t.Fatal(err)
	}
	amount, ttl := kassa.MustParseAmount("2"), int64(60)
	if _, _, err := n.App().Hold(ctx, app.HoldRequest{Account: "jobs0001", Amount: &amount, TTLSeconds: &ttl, IdempotencyKey: "h1"}); err != nil {
		t.Fatal(err)
	}
	jobs, err := n.RunTimedJobs(ctx)
	if err != nil || jobs.HoldsExpired != 0 {
		t.Fatalf("before the expiry: %+v %v", jobs, err)
	}
	clock.Advance(2 * time.Minute)
	if jobs, err = n.RunTimedJobs(ctx); err != nil || jobs.HoldsExpired != 1 {
		t.Errorf("after the expiry: %+v %v, want one hold expired", jobs, err)
	}
}
