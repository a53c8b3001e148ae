package httpapi

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestGetBalanceAfterEachCharge drives the real stack (the SQLite store,
// whose get-balance answers come from the balances its ledger commits
// publish): after every acknowledged platform charge, get-balance answers
// that charge's balance_after, and a refused charge changes nothing.
func TestGetBalanceAfterEachCharge(t *testing.T) {
	h := newHarness(t)
	balance := func() string {
		resp := h.do(req{path: "/account/get-balance", basic: [2]string{testKey, testSecret}}).wantStatus(t, http.StatusOK)
		return stringOf(resp.json(t)["value"])
	}
	before := balance()
	body := `{"account":"abcd1234","type":"sms","to":"+447700900123","units":2}`
	for i := range 5 {
		c := h.platform(http.MethodPost, "/platform/v1/charges", body, fmt.Sprint("bal-", i)).wantStatus(t, http.StatusCreated).json(t)
		after, err := kassa.ParseAmount(stringOf(c["balance_after"]))
		if err != nil {
			t.Fatal(err)
		}
		got, err := kassa.ParseAmount(balance())
		if err != nil || got != after {
			t.Fatalf("charge %d: get-balance %s, %v; the charge left %s", i, got, err, after)
		}
	}
	// A charge too large for the balance is refused and changes nothing.
	last := balance()
	huge := `{"account":"abcd1234","type":"sms","to":"+447700900123","units":100000}`
	if resp := h.platform(http.MethodPost, "/platform/v1/charges", huge, "bal-huge"); resp.status < 400 {
		t.Fatalf("a charge beyond the balance answered %d", resp.status)
	}
	if got := balance(); got != last {
		t.Errorf("after a refused charge: %s, want %s", got, last)
	}
	if last == before {
		t.Errorf("the balance did not move: %s", last)
	}
	h.verifyClean(t)
}
