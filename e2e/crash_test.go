package e2e

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestCrashKeepsAcknowledgedCharges runs 64 clients charging the demo
// account through the platform API, kills the server with SIGKILL in the
// middle of the load, restarts it on the same data directory and checks
// that every acknowledged charge is in the ledger exactly once, that
// nothing else was charged twice, and that verify is clean.
func TestCrashKeepsAcknowledgedCharges(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the kassa binary; skipped with -short")
	}
	data := t.TempDir()
	srv := startServer(t, data)
	srv.mustCall(http.MethodPost, "/admin/v1/accounts/"+demoKey+"/credits", adminToken, "e2e-credit", `{"amount":"100000","reason":"crash test"}`, http.StatusCreated)
	const to = "447700900123"
	rate := srv.mustCall(http.MethodPost, "/platform/v1/rate", serviceToken, "", fmt.Sprintf(`{"account":%q,"type":"sms","to":%q}`, demoKey, to), http.StatusOK)
	price := kassa.MustParseAmount(str(rate.body["unit_price"]))

	const clients, killAfter = 64, 400
	var (
		mu    sync.Mutex
		acked = map[string]string{} // idempotency key → charge id
		count atomic.Int64
		wg    sync.WaitGroup
	)
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	killed := make(chan struct{})
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	for c := range clients {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				key := fmt.Sprintf("crash-%d-%d", c, i)
				a, err := call(ctx, client, http.MethodPost, srv.base+"/platform/v1/charges", serviceToken, key,
					fmt.Sprintf(`{"account":%q,"type":"sms","to":%q,"units":1}`, demoKey, to))
				if err != nil {
					select {
					case <-killed:
						return // the server is gone: this charge was never acknowledged
					default:
						t.Errorf("charge %s before the kill: %v", key, err)
						return
					}
				}
				if a.status != http.StatusCreated {
					t.Errorf("charge %s: status %d: %s", key, a.status, a.raw)
					return
				}
				mu.Lock()
				acked[key] = str(a.body["id"])
				mu.Unlock()
				if count.Add(1) == killAfter {
					close(killed)
					srv.kill()
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	t.Logf("%d charges acknowledged before SIGKILL", len(acked))

	srv = startServer(t, data)
	verify := srv.mustCall(http.MethodGet, "/admin/v1/verify", adminToken, "", "", http.StatusOK)
	if verify.body["ok"] != true {
		t.Fatalf("verify after the crash: %s", verify.raw)
	}
	ledger := chargesInLedger(t, srv)
	t.Logf("%d charges in the ledger after the restart", len(ledger))
	for key, id := range acked {
		if got, ok := ledger[key]; !ok || got != id {
			t.Errorf("acknowledged charge %s (id %s) is not in the ledger (found %q)", key, id, got)
		}
	}
	if extra := len(ledger) - len(acked); extra < 0 || extra > clients {
		t.Errorf("%d charges in the ledger, %d acknowledged: at most one unacknowledged charge per client may have committed", len(ledger), len(acked))
	}
	// Each entry sums into the balance: opening + credit − charges.
	acct := srv.mustCall(http.MethodGet, "/admin/v1/accounts/"+demoKey, adminToken, "", "", http.StatusOK)
	spent, err := price.MulUnits(int64(len(ledger)))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := kassa.MustParseAmount("100010").Sub(spent)
	if got := str(acct.body["balance"]); got != want.String() {
		t.Errorf("balance %s, want %s (100010 − %d × %s)", got, want, len(ledger), price)
	}
	// A retry of an acknowledged charge replays it, never charges again.
	for key, id := range acked {
		a := srv.mustCall(http.MethodPost, "/platform/v1/charges", serviceToken, key,
			fmt.Sprintf(`{"account":%q,"type":"sms","to":%q,"units":1}`, demoKey, to), http.StatusOK)
		if str(a.body["id"]) != id || a.header.Get("Idempotency-Replayed") != "true" {
			t.Errorf("retry of %s: %s", key, a.raw)
		}
		break
	}
}

// chargesInLedger returns every charge entry of the demo account by
// idempotency key, failing on a key that appears twice.
func chargesInLedger(t *testing.T, srv *server) map[string]string {
	t.Helper()
	out := map[string]string{}
	before := ""
	for {
		path := "/admin/v1/accounts/" + demoKey + "/entries?kind=charge&limit=1000"
		if before != "" {
			path += "&before=" + before
		}
		page := srv.mustCall(http.MethodGet, path, adminToken, "", "", http.StatusOK)
		entries, _ := page.body["entries"].([]any)
		for _, x := range entries {
			e, _ := x.(map[string]any)
			key := str(e["idempotency_key"])
			if _, dup := out[key]; dup {
				t.Fatalf("idempotency key %s charged twice", key)
			}
			out[key] = str(e["id"])
		}
		before = str(page.body["next_before"])
		if before == "" || len(entries) == 0 {
			return out
		}
	}
}
