package main

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/metrics"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestReloadNudger: on a real store and ledger, a debit that leaves an
// auto-reload account above its threshold does not nudge the scheduler,
// one that takes it to the threshold does; an account without auto-reload
// is never nudged once known.
func TestReloadNudger(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	hasher, err := auth.NewHasher(auth.NewPepper())
	if err != nil {
		t.Fatal(err)
	}
	for key, enabled := range map[string]bool{"nudge001": true, "nudge002": false} {
		sec, err := hasher.NewSecret(key, "Nudge0001Secret", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		acct := &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DemoLimits, AutoReload: kassa.AutoReload{
			Enabled: enabled, Trx: "t", Amount: kassa.DefaultReloadAmount, Threshold: kassa.MustParseAmount("5.00"), DailyCap: 5,
		}}
		opening := &kassa.Entry{Account: key, Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("10.00"), Reason: "opening"}
		if err := db.CreateAccount(ctx, acct, sec, opening); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	nudged := map[string]int{}
	n := newReloadNudger(db, func(k string) { mu.Lock(); nudged[k]++; mu.Unlock() })
	st := metrics.New(nil).InstrumentStore(db, n.committed)
	ledger := charging.New(st, charging.Options{})
	defer ledger.Close()

	// Unknown accounts are nudged (and looked up); wait until both are known.
	n.atThreshold("nudge001", 0)
	n.atThreshold("nudge002", 0)
	waitFor(t, func() bool { n.mu.Lock(); defer n.mu.Unlock(); return len(n.cache) == 2 })

	debit := func(key, amount, idem string) {
		t.Helper()
		if _, _, err := ledger.Debit(ctx, charging.Posting{Account: key, Kind: kassa.KindDebit, Amount: kassa.MustParseAmount(amount), Reason: "test", IdempotencyKey: idem}); err != nil {
			t.Fatal(err)
		}
	}
	count := func(key string) int { mu.Lock(); defer mu.Unlock(); return nudged[key] }
	debit("nudge001", "2.00", "d1") // 8.00 > 5.00
	if c := count("nudge001"); c != 0 {
		t.Errorf("nudged %d times above the threshold", c)
	}
	debit("nudge001", "3.00", "d2") // 5.00 <= 5.00
	if c := count("nudge001"); c != 1 {
		t.Errorf("nudged %d times at the threshold, want 1", c)
	}
	debit("nudge002", "9.00", "d3") // no auto-reload
	if c := count("nudge002"); c != 0 {
		t.Errorf("an account without auto-reload was nudged %d times", c)
	}
}
