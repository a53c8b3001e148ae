package reload

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// nudgeAccount is an auto-reload configuration with a 5.00 threshold.
func nudgeAccount(enabled bool) kassa.AutoReload {
	return kassa.AutoReload{Enabled: enabled, Trx: "t", Amount: kassa.DefaultReloadAmount, Threshold: kassa.MustParseAmount("5.00"), DailyCap: 5}
}

// debit takes amount from the account through the ledger.
func (e *env) debit(key, amount, idem string) {
	e.t.Helper()
	if _, _, err := e.ledger.Debit(context.Background(), charging.Posting{Account: key, Kind: kassa.KindDebit, Amount: kassa.MustParseAmount(amount), Reason: "test", IdempotencyKey: idem}); err != nil {
		e.t.Fatal(err)
	}
}

// TestNudger: on a real store and ledger, a debit that leaves an
// auto-reload account above its threshold does not nudge the scheduler,
// one that takes it to the threshold does; an account without auto-reload
// is never nudged once known.
func TestNudger(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("nudge001", "10", nudgeAccount(true))
	e.mustAccount("nudge002", "10", nudgeAccount(false))
	var mu sync.Mutex
	nudged := map[string]int{}
	n := newNudger(e.store, func(k string) { mu.Lock(); nudged[k]++; mu.Unlock() }, e.clock.Now)
	e.ledger.Subscribe(n.committed)

	// Unknown accounts are nudged (and looked up); wait until both are known.
	n.atThreshold("nudge001", 0)
	n.atThreshold("nudge002", 0)
	waitFor(t, func() bool { n.mu.Lock(); defer n.mu.Unlock(); return len(n.cache) == 2 })

	count := func(key string) int { mu.Lock(); defer mu.Unlock(); return nudged[key] }
	e.debit("nudge001", "2.00", "d1") // 8.00 > 5.00
	if c := count("nudge001"); c != 0 {
		t.Errorf("nudged %d times above the threshold", c)
	}
	e.debit("nudge001", "3.00", "d2") // 5.00 <= 5.00
	if c := count("nudge001"); c != 1 {
		t.Errorf("nudged %d times at the threshold, want 1", c)
	}
	e.debit("nudge002", "9.00", "d3") // no auto-reload
	if c := count("nudge002"); c != 0 {
		t.Errorf("an account without auto-reload was nudged %d times", c)
	}

	// A stale cache entry is looked up again: the account is nudged while
	// it is being read.
	e.clock.Advance(thresholdTTL)
	e.debit("nudge002", "0.50", "d4")
	if c := count("nudge002"); c != 1 {
		t.Errorf("a stale account was nudged %d times, want 1", c)
	}
}

// TestReloaderNudgedWithoutMetrics: a Reloader built over a bare ledger
// (no commit observer of its own: no metrics, nothing else wired) is nudged
// by a debit that takes an auto-reload account to its threshold. Removing
// any other observer of the ledger cannot stop auto-reload.
func TestReloaderNudgedWithoutMetrics(t *testing.T) {
	e := mustEnv(t) // charging.Options{} only: no OnCommit
	r := e.reloader(nil, "n1")
	e.mustAccount("bare0001", "30", enabled("trx-bare")) // threshold 20.00
	e.debit("bare0001", "5.00", "d1")                    // 25.00: unknown account, nudged and looked up
	r.drainNudges()
	waitFor(t, func() bool { return r.knowsAccount("bare0001") })
	e.debit("bare0001", "1.00", "d2") // 24.00 > 20.00
	if len(r.nudge) != 0 {
		t.Fatal("nudged above the threshold")
	}
	e.debit("bare0001", "4.00", "d3") // 20.00 <= 20.00
	if len(r.nudge) != 1 {
		t.Fatal("a debit to the threshold did not nudge the scheduler")
	}
}

// waitFor polls cond until it holds (the background lookups of the nudger
// have no completion signal of their own); it fails the test after a
// generous deadline, which only a bug reaches.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

// knowsAccount reports whether the reloader's nudger has the account's
// threshold cached.
func (r *Reloader) knowsAccount(key string) bool {
	r.nudger.mu.Lock()
	defer r.nudger.mu.Unlock()
	_, ok := r.nudger.cache[key]
	return ok
}
