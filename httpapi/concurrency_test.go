package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestConcurrentDebitsNoOverdraft: many concurrent admin debits and
// top-ups on one account never take it below its floor, and the balance
// stays the sum of its entries.
func TestConcurrentDebitsNoOverdraft(t *testing.T) {
	h := newHarness(t)
	const debits, topUps = 40, 5
	var wg sync.WaitGroup
	statuses := make(chan int, debits)
	for i := range debits {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- h.admin("POST", "/admin/v1/accounts/"+testKey+"/debits", `{"amount": "10.00"}`, "Idempotency-Key", fmt.Sprintf("d-%d", i)).status
		}()
	}
	for i := range topUps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h.do(req{method: "POST", path: "/account/top-up", body: "trx=" + testTrx, basic: [2]string{testKey, testSecret},
				header: map[string]string{"Idempotency-Key": fmt.Sprintf("t-%d", i)}}).wantStatus(t, http.StatusOK)
		}()
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for st := range statuses {
		switch st {
		case http.StatusCreated:
			ok++
		case http.StatusPaymentRequired:
		default:
			t.Errorf("debit status %d", st)
		}
	}
	// 10.171275 + 5×50 = 260.171275 allows at most 26 debits of 10.00.
	if ok > 26 || ok == 0 {
		t.Errorf("%d debits of 10.00 succeeded, want 1..26", ok)
	}
	acct := h.account(testKey)
	want := kassa.MustParseAmount("260.171275") - kassa.Amount(ok)*kassa.MustParseAmount("10")
	if acct.Balance != want || acct.Balance < 0 {
		t.Errorf("balance %s, want %s (%d debits)", acct.Balance, want, ok)
	}
	ds, err := h.db.Verify(context.Background())
	if err != nil || len(ds) != 0 {
		t.Errorf("verify: %v %v", ds, err)
	}
}
