package auth

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// TestLockoutReportsBounded: 400 addresses each locked out (the client
// scope: failures on many keys) within seconds make one report at once and
// one summary when the window ends, with the count of the rest and a
// bounded sample of their addresses, instead of 400 audit events (#13.8).
func TestLockoutReportsBounded(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	_, _, a := authHarness(t, Options{Now: c.now, MaxFailures: 2, FailureWindow: time.Minute, OnLockout: log.add})
	ctx := context.Background()
	const addresses, perAddress = 400, clientFactor * 2
	for i := range addresses {
		client := fmt.Sprintf("127.0.%d.%d", i/250, 1+i%250)
		for j := range perAddress { // one failure per key: the pairs never slow down
			if _, err := a.AuthenticateFrom(ctx, client, fmt.Sprintf("k%03d%04d", j, i), "Wrong1234"); !IsUnauthorized(err) {
				t.Fatalf("%s, failure %d: %v", client, j, err)
			}
		}
		c.add(20 * time.Millisecond) // 400 addresses in 8 s
	}
	los := log.all()
	if len(los) != 1 || los[0].Scope != ScopeClient || los[0].Count != 1 || los[0].Client != "127.0.0.1" {
		t.Fatalf("during the window: reports %+v, want only the first lock-out", los)
	}
	c.add(time.Minute)
	// The next authentication (anyone's) sends the summary.
	if err := tryRight(a, "192.0.2.99"); err != nil {
		t.Fatal(err)
	}
	los = log.all()
	if len(los) != 2 {
		t.Fatalf("after the window: %d reports, want 2: %+v", len(los), los)
	}
	sum := los[1]
	if sum.Scope != ScopeClient || sum.Count != addresses-1 || len(sum.Clients) != MaxLockoutSample || sum.Client != "" ||
		sum.Since.IsZero() || !sum.Until.After(sum.Since) {
		t.Errorf("summary %+v, want the other %d lock-outs with %d sample addresses", sum, addresses-1, MaxLockoutSample)
	}
	// Nothing more is pending.
	a.FlushLockouts()
	if n := len(log.all()); n != 2 {
		t.Errorf("%d reports after FlushLockouts, want still 2", n)
	}
}

// TestLockoutReportsGroupsByKey: pair lock-outs on one key from many
// addresses share one group; another key has its own; more keys than
// maxLockoutGroups share the AnyKey group; every lock-out is counted once.
func TestLockoutReportsGroupsByKey(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	r := newLockoutReports(time.Minute, c.now, log.add, nil)
	lock := func(key, client string) {
		r.add([]Lockout{{Scope: ScopePair, APIKey: key, Client: client, Until: c.now().Add(5 * time.Minute)}}, c.now())
	}
	total := 0
	for i := range 50 {
		lock("victim01", fmt.Sprintf("10.0.0.%d", i))
		total++
	}
	for i := range 300 {
		lock(fmt.Sprintf("k%07d", i), "10.1.0.1")
		total++
	}
	if n := len(log.all()); n != maxLockoutGroups+1 {
		t.Fatalf("%d immediate reports, want %d (one per tracked key, one for the rest)", n, maxLockoutGroups+1)
	}
	c.add(30 * time.Second)
	r.flushDue(c.now())
	if n := len(log.all()); n != maxLockoutGroups+1 {
		t.Fatalf("%d reports before the window ends, want %d", n, maxLockoutGroups+1)
	}
	c.add(30 * time.Second)
	r.flushDue(c.now())
	counted := 0
	keys := map[string]int{}
	for _, lo := range log.all() {
		counted += lo.Count
		keys[lo.APIKey]++
		if len(lo.Clients) > MaxLockoutSample {
			t.Errorf("report with %d addresses", len(lo.Clients))
		}
	}
	if counted != total {
		t.Errorf("reports count %d lock-outs, want %d", counted, total)
	}
	if keys["victim01"] != 2 || keys[AnyKey] != 2 {
		t.Errorf("reports per key %v: want 2 for victim01 (first and summary) and 2 for %s", keys, AnyKey)
	}
	// A new window starts a new group, reported at once again.
	lock("victim01", "10.0.0.1")
	if los := log.all(); los[len(los)-1].APIKey != "victim01" || los[len(los)-1].Count != 1 {
		t.Errorf("first lock-out of a new window: %+v", los[len(los)-1])
	}
}

// TestLockoutReportsTimer: on the real clock a pending summary is sent by a
// timer when no authentication comes (the schedule hook stands in for
// time.AfterFunc).
func TestLockoutReportsTimer(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	var scheduled []func()
	var delays []time.Duration
	r := newLockoutReports(time.Minute, c.now, log.add, func(d time.Duration, f func()) {
		delays, scheduled = append(delays, d), append(scheduled, f)
	})
	for i := range 3 {
		r.add([]Lockout{{Scope: ScopeKey, APIKey: "victim01", Client: fmt.Sprint("c", i)}}, c.now())
	}
	if len(scheduled) != 1 || delays[0] != time.Minute {
		t.Fatalf("timers %v, want one for the end of the window", delays)
	}
	c.add(time.Minute)
	scheduled[0]()
	if los := log.all(); len(los) != 2 || los[1].Count != 2 {
		t.Fatalf("reports %+v, want the first and a summary of 2", los)
	}
	if len(scheduled) != 1 {
		t.Errorf("%d timers, want no new one when nothing is pending", len(scheduled))
	}
}

// TestLockoutReportsConcurrent: lock-outs added from many goroutines while
// the clock moves and summaries are flushed are each counted exactly once.
func TestLockoutReportsConcurrent(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	r := newLockoutReports(time.Second, c.now, log.add, nil)
	var wg sync.WaitGroup
	const workers, each = 8, 500
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				r.add([]Lockout{{Scope: ScopePair, APIKey: fmt.Sprint("key", i%150), Client: fmt.Sprint("c", w)}}, c.now())
				if i%50 == 0 {
					c.add(100 * time.Millisecond)
					r.flushDue(c.now())
				}
			}
		})
	}
	wg.Wait()
	r.flushAll()
	counted := 0
	for _, lo := range log.all() {
		counted += lo.Count
	}
	if counted != workers*each {
		t.Fatalf("reports count %d lock-outs, want %d", counted, workers*each)
	}
}

// TestLockoutTimerOnRealClockOnly: the backstop timer of the summaries is
// armed on the real clock (Options.Now nil), never with an injected one.
func TestLockoutTimerOnRealClockOnly(t *testing.T) {
	_, _, real := authHarness(t, Options{OnLockout: func(Lockout) {}})
	if real.reports == nil || real.reports.schedule == nil {
		t.Error("on the real clock the lock-out summaries have no timer")
	}
	_, _, injected := authHarness(t, Options{Now: newTestClock().now, OnLockout: func(Lockout) {}})
	if injected.reports == nil || injected.reports.schedule != nil {
		t.Error("with an injected clock the lock-out summaries have a real timer")
	}
}
