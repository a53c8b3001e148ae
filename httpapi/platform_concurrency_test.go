package httpapi

import (
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestPlatformConcurrentCharges sends 64 concurrent clients at one account
// whose balance pays for exactly 40 charges: exactly 40 get 201, the rest
// 402, the balance ends at zero and verify is clean.
func TestPlatformConcurrentCharges(t *testing.T) {
	h := newHarness(t)
	const clients, paid = 64, 40
	h.createAccount("conc1234", testSecret, "1.6", kassa.EUR, noReload) // 40 × 0.04
	var created, refused atomic.Int64
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			r := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"conc1234","type":"sms","to":"447700900123","units":1}`, fmt.Sprintf("c-%d", c))
			switch r.status {
			case http.StatusCreated:
				created.Add(1)
			case http.StatusPaymentRequired:
				refused.Add(1)
			default:
				t.Errorf("status %d: %s", r.status, r.body)
			}
		})
	}
	wg.Wait()
	if created.Load() != paid || refused.Load() != clients-paid {
		t.Fatalf("%d created, %d refused; want %d and %d", created.Load(), refused.Load(), paid, clients-paid)
	}
	if b := h.account("conc1234").Balance; b != 0 {
		t.Fatalf("balance %s, want 0", b)
	}
	h.verifyClean(t)
}

// TestPlatformConcurrentReplays sends one charge with one key from 64
// clients at once: one 201, 63 replays of the same charge, one debit.
func TestPlatformConcurrentReplays(t *testing.T) {
	h := newHarness(t)
	body := `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`
	var mu sync.Mutex
	bodies := map[string]int{}
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			r := h.platform(http.MethodPost, "/platform/v1/charges", body, "same-key")
			mu.Lock()
			bodies[string(r.body)]++
			statuses[r.status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if len(bodies) != 1 || statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 63 {
		t.Fatalf("statuses %v, %d distinct bodies; want one 201, 63 identical 200s", statuses, len(bodies))
	}
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("10.131275") {
		t.Fatalf("balance %s, want one charge of 0.04 off 10.171275", b)
	}
	h.verifyClean(t)
}
