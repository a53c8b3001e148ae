package httpapi

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kassa-dev/kassa"
)

// BenchmarkGetBalanceRateLimits measures get-balance in process (no
// network) with per-account rate limits on and off, from parallel
// goroutines; the "off" run is the baseline of the ratio. The account has
// the demo account's generous limits, so nothing is refused.
func BenchmarkGetBalanceRateLimits(b *testing.B) {
	h := newHarness(b)
	demo := kassa.DemoLimits
	if _, err := h.db.UpdateAccount(context.Background(), testKey, kassa.AccountUpdate{Limits: &demo}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		off  bool
	}{{"limits-off", true}, {"limits-on", false}} {
		b.Run(c.name, func(b *testing.B) {
			s := New(Config{Store: h.db, Hasher: h.hasher, Ledger: h.ledger, Pricing: h.prices, RateLimitsOff: c.off})
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest("GET", "/account/get-balance", nil)
					r.SetBasicAuth(testKey, testSecret)
					w := httptest.NewRecorder()
					s.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d", w.Code)
					}
				}
			})
		})
	}
}
