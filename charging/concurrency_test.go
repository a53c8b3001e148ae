package charging_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

const goroutines = 64

func TestConcurrentChargesExactlyN(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	counted := &failingStore{LedgerStore: db}
	l := newLedger(t, counted, c.Now)
	ctx := context.Background()
	const n, attempts = 150, 4 // 256 attempts for 150 charges' worth of balance
	price := kassa.MustParseAmount("0.0333")
	opening, _ := price.MulUnits(n)
	createAccount(t, db, "acct1", opening.String(), "0")

	var ok, insufficient atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for i := range attempts {
				_, _, err := l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "447700900123",
					Units: 1, Rating: eurRating("0.0333"), IdempotencyKey: fmt.Sprintf("g%d-%d", g, i)})
				switch kassa.ErrorCode(err) {
				case "":
					ok.Add(1)
				case kassa.EINSUFFICIENT:
					insufficient.Add(1)
				default:
					t.Errorf("charge: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != n || insufficient.Load() != goroutines*attempts-n {
		t.Fatalf("%d charges succeeded and %d were refused; want %d and %d", ok.Load(), insufficient.Load(), n, goroutines*attempts-n)
	}
	if b := balanceOf(t, db, "acct1"); b != 0 {
		t.Fatalf("balance %s, want exactly 0", b)
	}
	if got := len(entriesOf(t, db, "acct1")); got != n+1 {
		t.Fatalf("%d entries, want %d charges and the opening credit", got, n)
	}
	checkLedger(t, db, "acct1")
	t.Logf("%d operations in %d transactions (largest batch wrote %d entries)", goroutines*attempts, counted.txs, counted.maxOps)
	if counted.txs >= goroutines*attempts {
		t.Fatalf("%d transactions for %d operations: nothing was committed as a group", counted.txs, goroutines*attempts)
	}
}

func TestConcurrentReplaysNeverDoubleCharge(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "10", "0")
	const keys = 8
	ids := make([]sync.Map, keys)
	var replays atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for k := range keys {
				ch, replayed, err := l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "447700900123",
					Units: 2, Rating: eurRating("0.01"), IdempotencyKey: fmt.Sprintf("key-%d", (k+g)%keys)})
				if err != nil {
					t.Errorf("charge: %v", err)
					return
				}
				if replayed {
					replays.Add(1)
				}
				ids[(k+g)%keys].Store(ch.ID, ch.BalanceAfter)
			}
		})
	}
	wg.Wait()
	for k := range ids {
		n := 0
		ids[k].Range(func(_, _ any) bool { n++; return true })
		if n != 1 {
			t.Errorf("key-%d answered with %d different charges", k, n)
		}
	}
	if replays.Load() != goroutines*keys-keys {
		t.Errorf("%d replays, want %d", replays.Load(), goroutines*keys-keys)
	}
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("9.84") {
		t.Fatalf("balance %s, want 9.84 (8 charges of 0.02)", b)
	}
	checkLedger(t, db, "acct1")
}

// TestConcurrentMixedOperations interleaves charges, refunds, holds,
// captures and releases on one account and checks every invariant after.
func TestConcurrentMixedOperations(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	createAccount(t, db, "acct1", "5", "-1")
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 7))
			for i := range 6 {
				mixedStep(t, l, rng, fmt.Sprintf("g%d-%d", g, i))
			}
		})
	}
	wg.Wait()
	entries := entriesOf(t, db, "acct1")
	charged := map[int64]kassa.Amount{}
	refunded := map[int64]kassa.Amount{}
	for _, e := range entries {
		if e.BalanceAfter < kassa.MustParseAmount("-1") {
			t.Fatalf("entry %d took the balance to %s, below the floor", e.ID, e.BalanceAfter)
		}
		switch e.Kind {
		case kassa.KindCharge:
			charged[e.ID] = e.Amount.Neg()
		case kassa.KindRefund:
			refunded[e.RelatedID] += e.Amount
		}
	}
	for id, r := range refunded {
		if c, isCharge := charged[id]; isCharge && r > c {
			t.Fatalf("charge %d of %s refunded %s", id, c, r)
		}
	}
	checkLedger(t, db, "acct1")
}

// mixedStep does one random thing to acct1 and checks its answer.
func mixedStep(t *testing.T, l *charging.Ledger, rng *rand.Rand, key string) {
	ctx := context.Background()
	switch rng.IntN(3) {
	case 0: // charge, then refund part of it
		ch, _, err := l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.Voice, To: "4420", Units: int64(1 + rng.IntN(5)),
			Rating: eurRating("0.013"), IdempotencyKey: key})
		if err != nil {
			expectRefusal(t, err)
			return
		}
		part := kassa.Amount(rng.Int64N(int64(ch.Amount)) + 1)
		if _, _, err := l.Refund(ctx, ch.ID, part, key+"-r1"); err != nil {
			t.Errorf("refund: %v", err)
		}
		if _, _, err := l.Refund(ctx, ch.ID, 0, key+"-r2"); err != nil && part != ch.Amount {
			t.Errorf("refund of the rest: %v", err)
		}
	case 1: // hold, capture part
		h, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.05"), IdempotencyKey: key})
		if err != nil {
			expectRefusal(t, err)
			return
		}
		if _, _, err := l.Capture(ctx, h.ID, kassa.Amount(rng.Int64N(int64(h.Amount)+1))); err != nil {
			t.Errorf("capture: %v", err)
		}
	default: // hold, release
		h, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.07"), IdempotencyKey: key})
		if err != nil {
			expectRefusal(t, err)
			return
		}
		if _, _, err := l.Release(ctx, h.ID); err != nil {
			t.Errorf("release: %v", err)
		}
	}
}

func expectRefusal(t *testing.T, err error) {
	if kassa.ErrorCode(err) != kassa.EINSUFFICIENT {
		t.Errorf("unexpected error: %v", err)
	}
}
