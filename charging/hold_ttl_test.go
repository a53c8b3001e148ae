package charging_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestHoldTTLBounds: a hold's TTL is 0 (the ledger's default) or between
// 1 s and MaxHoldTTL, as its error says; a TTL below a second is refused
// and nothing is written (#13.12: the validation said "between 1 and N"
// but let a sub-second TTL through).
func TestHoldTTLBounds(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "acct1", "10", "0")
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	for i, ttl := range []time.Duration{-time.Second, time.Nanosecond, 500 * time.Millisecond, charging.MaxHoldTTL + time.Second} {
		_, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: 1, TTL: ttl, IdempotencyKey: fmt.Sprint("bad-", i)})
		if kassa.ErrorCode(err) != kassa.EINVALID || kassa.ErrorField(err) != "ttl_seconds" ||
			!strings.Contains(kassa.ErrorMessage(err), fmt.Sprint("between 1 and ", int64(charging.MaxHoldTTL/time.Second))) {
			t.Errorf("TTL %s: %v, want EINVALID on ttl_seconds saying between 1 and the maximum", ttl, err)
		}
	}
	for i, c2 := range []struct{ ttl, want time.Duration }{
		{0, charging.DefaultHoldTTL}, {time.Second, time.Second}, {charging.MaxHoldTTL, charging.MaxHoldTTL},
	} {
		h, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: 1, TTL: c2.ttl, IdempotencyKey: fmt.Sprint("good-", i)})
		if err != nil {
			t.Fatalf("TTL %s: %v", c2.ttl, err)
		}
		if got := h.ExpiresAt.Sub(h.CreatedAt); got != c2.want {
			t.Errorf("TTL %s: the hold lasts %s, want %s", c2.ttl, got, c2.want)
		}
	}
	if got := len(entriesOf(t, db, "acct1")); got != 4 { // the opening and three holds
		t.Fatalf("%d entries, want 4: a refused hold writes nothing", got)
	}
}
