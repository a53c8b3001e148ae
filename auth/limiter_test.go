package auth

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// testClock is an injected clock moved by hand.
type testClock struct{ ns atomic.Int64 }

func newTestClock() *testClock {
	c := &testClock{}
	c.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return c
}

func (c *testClock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *testClock) add(d time.Duration) { c.ns.Add(int64(d)) }

// lockoutLog collects the lock-outs reported through OnLockout.
type lockoutLog struct {
	mu  sync.Mutex
	los []Lockout
}

func (l *lockoutLog) add(lo Lockout) { l.mu.Lock(); l.los = append(l.los, lo); l.mu.Unlock() }

func (l *lockoutLog) all() []Lockout {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Lockout(nil), l.los...)
}

// wantLocked fails unless err is a *LockedOut (ERATELIMITED) whose
// RetryAfter is in (0, max].
func wantLocked(t *testing.T, err error, max time.Duration) time.Duration {
	t.Helper()
	var lo *LockedOut
	if !errors.As(err, &lo) || kassa.ErrorCode(err) != kassa.ERATELIMITED || lo.RetryAfter <= 0 || lo.RetryAfter > max {
		t.Fatalf("err %v, want LockedOut with RetryAfter in (0, %s]", err, max)
	}
	return lo.RetryAfter
}

// TestBruteForceSlowThenLockout: failures from one client on one key are
// first slowed (a delay that doubles), then locked out for the lock-out
// time even with the right secret; another client is unaffected; the
// lock-out is reported once and expires.
func TestBruteForceSlowThenLockout(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	_, _, a := authHarness(t, Options{Now: c.now, MaxFailures: 6, FailureWindow: time.Minute, Lockout: 5 * time.Minute, OnLockout: log.add})
	ctx := context.Background()
	fail := func() {
		t.Helper()
		if _, err := a.AuthenticateFrom(ctx, "10.0.0.1", "abcd1234", "Wrong1234"); !IsUnauthorized(err) {
			t.Fatalf("failure: %v", err)
		}
	}
	fail()
	fail()
	fail() // the third failure (MaxFailures/2) starts slowing down
	wait := wantLocked(t, tryRight(a, "10.0.0.1"), time.Second)
	c.add(wait)
	fail()
	wait = wantLocked(t, tryRight(a, "10.0.0.1"), 2*time.Second)
	if wait != 2*time.Second {
		t.Errorf("second delay %s, want 2s (doubling)", wait)
	}
	c.add(wait)
	fail()
	c.add(wantLocked(t, tryRight(a, "10.0.0.1"), 4*time.Second))
	fail() // the sixth: locked out
	wantLocked(t, tryRight(a, "10.0.0.1"), 5*time.Minute)
	c.add(4 * time.Minute)
	wantLocked(t, tryRight(a, "10.0.0.1"), time.Minute)
	if _, err := a.AuthenticateFrom(ctx, "10.0.0.2", "abcd1234", "Secret1234"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	los := log.all()
	if len(los) != 1 || los[0].Scope != ScopePair || los[0].Client != "10.0.0.1" || los[0].APIKey != "abcd1234" {
		t.Errorf("lockouts %+v", los)
	}
	c.add(time.Minute)
	if err := tryRight(a, "10.0.0.1"); err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
}

func tryRight(a *Authenticator, client string) error {
	_, err := a.AuthenticateFrom(context.Background(), client, "abcd1234", "Secret1234")
	return err
}

// TestClientLockoutAcrossKeys: one address failing on many keys (each pair
// under its own limit) is locked out of every key, the right one included.
func TestClientLockoutAcrossKeys(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	_, _, a := authHarness(t, Options{Now: c.now, MaxFailures: 4, OnLockout: log.add})
	ctx := context.Background()
	for i := range clientFactor * 4 {
		if _, err := a.AuthenticateFrom(ctx, "10.0.0.1", fmt.Sprintf("key%05d", i), "Wrong1234"); !IsUnauthorized(err) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	wantLocked(t, tryRight(a, "10.0.0.1"), DefaultLockout)
	if err := tryRight(a, "10.0.0.2"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	if los := log.all(); len(los) != 1 || los[0].Scope != ScopeClient || los[0].Client != "10.0.0.1" {
		t.Errorf("lockouts %+v", los)
	}
	c.add(DefaultLockout)
	if err := tryRight(a, "10.0.0.1"); err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
}

// TestKeyLockoutSparesCleanAddresses: failures on one key from many
// addresses lock the key for the addresses that failed, but the right
// secret from an address without failures still gets in.
func TestKeyLockoutSparesCleanAddresses(t *testing.T) {
	c := newTestClock()
	var log lockoutLog
	_, _, a := authHarness(t, Options{Now: c.now, MaxFailures: 4, OnLockout: log.add})
	ctx := context.Background()
	for i := range keyFactor * 4 {
		if _, err := a.AuthenticateFrom(ctx, fmt.Sprintf("10.0.%d.%d", i/256, i%256), "abcd1234", "Wrong1234"); !IsUnauthorized(err) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	wantLocked(t, tryRight(a, "10.0.0.5"), DefaultLockout)
	if err := tryRight(a, "192.0.2.1"); err != nil {
		t.Fatalf("a clean address with the right secret: %v", err)
	}
	if los := log.all(); len(los) != 1 || los[0].Scope != ScopeKey || los[0].APIKey != "abcd1234" {
		t.Errorf("lockouts %+v", los)
	}
	c.add(DefaultLockout)
	if err := tryRight(a, "10.0.0.5"); err != nil {
		t.Fatalf("after the lock-out: %v", err)
	}
}

// TestSuccessResetsFailures: a success forgets earlier failures of the pair.
func TestSuccessResetsFailures(t *testing.T) {
	_, _, a := authHarness(t, Options{MaxFailures: 6})
	ctx := context.Background()
	for range 5 {
		a.AuthenticateFrom(ctx, "c", "abcd1234", "Wrong1234")
		a.AuthenticateFrom(ctx, "c", "abcd1234", "Wrong1234")
		if _, err := a.AuthenticateFrom(ctx, "c", "abcd1234", "Secret1234"); err != nil {
			t.Fatalf("after two failures: %v", err)
		}
	}
}

// TestLimiterDisabled: a negative MaxFailures never locks out.
func TestLimiterDisabled(t *testing.T) {
	_, _, a := authHarness(t, Options{MaxFailures: -1})
	ctx := context.Background()
	for range 50 {
		a.AuthenticateFrom(ctx, "c", "abcd1234", "Wrong1234")
	}
	if _, err := a.AuthenticateFrom(ctx, "c", "abcd1234", "Secret1234"); err != nil {
		t.Fatal(err)
	}
}

// TestLimiterConcurrent: many goroutines failing from many addresses at
// once report each lock-out exactly once and never panic or race.
func TestLimiterConcurrent(t *testing.T) {
	c := newTestClock()
	l := newLimiter(4, time.Minute, time.Minute, c.now)
	var started atomic.Int64
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				l.check(fmt.Sprint("c", g), "k")
				started.Add(int64(len(l.fail(fmt.Sprint("c", g), "k"))))
			}
		}()
	}
	wg.Wait()
	// Each client fails 50 times on one key: one pair lock-out and one
	// client lock-out (50 ≥ 5×4) per client, and one key lock-out (400 ≥ 10×4).
	if got := started.Load(); got != 8+8+1 {
		t.Errorf("%d lock-outs started, want 17", got)
	}
}
