package emulator_test

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa/kassatest"
)

// TestResetUnderLoad: 16 clients read balances and post admin credits while
// the emulator is reset 20 times: every request is answered normally (the
// reset holds them at its gate, never half-way), and the final reset
// returns the fixture balance with a ledger that verifies.
func TestResetUnderLoad(t *testing.T) {
	const key, secret = "load0001", "Load0001Secret"
	srv := kassatest.New(t, kassatest.WithAccount(key, secret, "100.00"))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var requests, failures atomic.Int64
	var firstFailure atomic.Value
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				var req *http.Request
				if i%2 == 0 {
					req, _ = http.NewRequest("GET", srv.URL+"/account/get-balance", nil)
					req.SetBasicAuth(key, secret)
				} else {
					req, _ = http.NewRequest("POST", srv.URL+"/admin/v1/accounts/"+key+"/credits", strings.NewReader(`{"amount":"1","reason":"load"}`))
					req.Header.Set("Authorization", "Bearer "+srv.AdminToken)
					req.Header.Set("Idempotency-Key", fmt.Sprintf("w%d-%d", w, i))
				}
				resp, err := http.DefaultClient.Do(req)
				requests.Add(1)
				if err != nil || resp.StatusCode >= 300 {
					failures.Add(1)
					if err == nil {
						err = fmt.Errorf("status %d", resp.StatusCode)
					}
					firstFailure.CompareAndSwap(nil, err.Error())
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}()
	}
	for i := range 20 {
		for requests.Load() < int64(20*(i+1)) { // requests between every two resets
			runtime.Gosched()
		}
		srv.Reset()
	}
	cancel()
	wg.Wait()
	if failures.Load() > 0 {
		t.Errorf("%d of %d requests failed during resets; first: %v", failures.Load(), requests.Load(), firstFailure.Load())
	}
	srv.Reset()
	if got := balanceOf(t, srv, key, secret); got != "100.00" {
		t.Errorf("balance after the last reset = %s, want 100.00", got)
	}
	status, _, body := call(t, "GET", srv.URL+"/admin/v1/verify", "", map[string]string{"Authorization": "Bearer " + srv.AdminToken})
	if status != 200 || !strings.Contains(body, `"ok":true`) {
		t.Errorf("verify after the resets: %d %s", status, body)
	}
	t.Logf("%d requests during 20 resets", requests.Load())
}
