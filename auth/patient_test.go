package auth

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestPatientAttackerIsLockedOut: a client that waits out every
// Retry-After before its next wrong guess is still locked out at failure
// MaxFailures, with the lock-out reported; the doubling delays no longer
// outlast the counting window and reset the count (#13.2: 44 guesses in
// 142 s without a lock-out).
func TestPatientAttackerIsLockedOut(t *testing.T) {
	for _, max := range []int{DefaultMaxFailures, 6, 40} {
		c := newTestClock()
		var log lockoutLog
		_, _, a := authHarness(t, Options{Now: c.now, MaxFailures: max, OnLockout: log.add})
		ctx := context.Background()
		start := c.now()
		failures := 0
		for attempt := 0; attempt < 10*max; attempt++ {
			_, err := a.AuthenticateFrom(ctx, "192.0.2.7", "abcd1234", "Wrong1234")
			var lo *LockedOut
			if errors.As(err, &lo) {
				if len(log.all()) > 0 {
					break // locked out: the wait is the lock-out, not a delay
				}
				c.add(lo.RetryAfter) // the patient client obeys Retry-After exactly
				continue
			}
			if !IsUnauthorized(err) {
				t.Fatalf("max %d, attempt %d: %v", max, attempt, err)
			}
			failures++
		}
		los := log.all()
		if failures != max || len(los) != 1 || los[0].Scope != ScopePair || los[0].Client != "192.0.2.7" {
			t.Fatalf("max %d: %d wrong guesses evaluated in %s, lock-outs %+v; want the lock-out at failure %d",
				max, failures, c.now().Sub(start), los, max)
		}
		// Locked: the right secret is refused for the whole lock-out time.
		wait := wantLocked(t, tryRight(a, "192.0.2.7"), DefaultLockout)
		if wait != DefaultLockout {
			t.Errorf("max %d: Retry-After %s right after the lock-out, want %s", max, wait, DefaultLockout)
		}
		c.add(wait)
		if err := tryRight(a, "192.0.2.7"); err != nil {
			t.Fatalf("max %d: after the lock-out: %v", max, err)
		}
	}
}

// TestSlowedCountForgottenAfterQuietWindow: a pair that stops failing is
// forgotten a full window after its last delay ended, so an honest user's
// typos do not follow them for ever.
func TestSlowedCountForgottenAfterQuietWindow(t *testing.T) {
	c := newTestClock()
	_, _, a := authHarness(t, Options{Now: c.now, MaxFailures: 6, FailureWindow: time.Minute})
	ctx := context.Background()
	for range 3 { // the third starts slowing down (1 s)
		if _, err := a.AuthenticateFrom(ctx, "c", "abcd1234", "Wrong1234"); !IsUnauthorized(err) {
			t.Fatal(err)
		}
	}
	wantLocked(t, tryRight(a, "c"), time.Second)
	c.add(time.Second + time.Minute) // the delay, then a quiet window
	for i := range 2 {               // a fresh count: two failures are not slowed
		if _, err := a.AuthenticateFrom(ctx, "c", "abcd1234", "Wrong1234"); !IsUnauthorized(err) {
			t.Fatalf("failure %d after a quiet window: %v", i, err)
		}
	}
	if err := tryRight(a, "c"); err != nil {
		t.Fatalf("after a quiet window and two failures: %v", err)
	}
}

// TestFloodDoesNotResetASlowedPair: failures from more distinct clients
// than the limiter tracks make it prune, but the prune keeps the pairs
// that are being slowed down or locked, so an attacker cannot wipe its own
// count by flooding from other addresses.
func TestFloodDoesNotResetASlowedPair(t *testing.T) {
	c := newTestClock()
	l := newLimiter(20, time.Minute, 5*time.Minute, c.now)
	for range 10 { // slowed from the tenth failure
		l.fail("attacker", "victim01")
	}
	if l.check("attacker", "victim01") == 0 {
		t.Fatal("the pair is not slowed after 10 failures")
	}
	for i := range 2 * maxLimiterEntries {
		l.fail(fmt.Sprintf("10.%d.%d.%d", i>>16&0xff, i>>8&0xff, i&0xff), fmt.Sprintf("key%06d", i%1000))
	}
	if size := l.pairs.size.Load(); size > maxLimiterEntries {
		t.Fatalf("%d pairs tracked, want at most %d", size, maxLimiterEntries)
	}
	c.add(l.check("attacker", "victim01"))
	l.fail("attacker", "victim01") // the eleventh: a 2 s delay if the count survived
	if wait := l.check("attacker", "victim01"); wait != 2*time.Second {
		t.Fatalf("after the flood the pair waits %s, want 2s: its count was lost", wait)
	}
}
