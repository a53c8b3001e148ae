package httpapi

import (
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestPlatformRateCurrencyCache: the rate endpoint remembers only accounts
// that exist (an unknown account stays a 404, also once it is created it is
// found) and each account's own currency, repeatedly (app's
// TestRateReadsTheAccountOnce counts the store reads).
func TestPlatformRateCurrencyCache(t *testing.T) {
	h := newHarness(t)
	body := func(acct string) string { return `{"account":"` + acct + `","type":"sms","to":"442071838750"}` }
	h.platform(http.MethodPost, "/platform/v1/rate", body("late1234"), "").wantProblem(t, http.StatusNotFound, "not-found")
	h.createAccount("late1234", testSecret, "1", kassa.USD, noReload)
	for range 3 {
		got := h.platform(http.MethodPost, "/platform/v1/rate", body("late1234"), "").wantStatus(t, http.StatusOK).json(t)
		wantFields(t, got, map[string]string{"account": "late1234", "currency": "USD", "unit_price": "0.04162500"})
		got = h.platform(http.MethodPost, "/platform/v1/rate", body("abcd1234"), "").wantStatus(t, http.StatusOK).json(t)
		wantFields(t, got, map[string]string{"account": "abcd1234", "currency": "EUR"})
	}
}
