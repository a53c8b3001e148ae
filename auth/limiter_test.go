package auth

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestBruteForceLockout: after MaxFailures failures one client is locked
// out of the key, even with the right secret, until the window ends; other
// clients are not, and the lock-out is reported once.
func TestBruteForceLockout(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	var lockouts []string
	_, _, a := authHarness(t, Options{Now: clock, MaxFailures: 3, FailureWindow: time.Minute,
		OnLockout: func(client, key string) { lockouts = append(lockouts, client+"/"+key) }})
	ctx := context.Background()

	for i := range 3 {
		if _, err := a.AuthenticateFrom(ctx, "10.0.0.1", "abcd1234", "Wrong1234"); !IsUnauthorized(err) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, err := a.AuthenticateFrom(ctx, "10.0.0.1", "abcd1234", "Secret1234")
	var lo *LockedOut
	if !errors.As(err, &lo) || kassa.ErrorCode(err) != kassa.ERATELIMITED || lo.RetryAfter <= 0 || lo.RetryAfter > time.Minute {
		t.Fatalf("locked client with the right secret: %v", err)
	}
	if _, err := a.AuthenticateFrom(ctx, "10.0.0.2", "abcd1234", "Secret1234"); err != nil {
		t.Fatalf("another client: %v", err)
	}
	if len(lockouts) != 1 || lockouts[0] != "10.0.0.1/abcd1234" {
		t.Errorf("lockouts %v", lockouts)
	}
	now.Add(int64(time.Minute))
	if _, err := a.AuthenticateFrom(ctx, "10.0.0.1", "abcd1234", "Secret1234"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
}

// TestSuccessResetsFailures: a success forgets earlier failures.
func TestSuccessResetsFailures(t *testing.T) {
	_, _, a := authHarness(t, Options{MaxFailures: 3})
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
