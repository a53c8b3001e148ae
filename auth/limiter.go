package auth

import (
	"sync"
	"time"
)

// Defaults of the brute-force limiter.
const (
	DefaultMaxFailures   = 20          // failed attempts per client and key per window
	DefaultFailureWindow = time.Minute // the counting window, and the lock-out
	maxLimiterEntries    = 100000      // bound on tracked (client, key) pairs
)

// limiter counts failed authentications per (client, key) in fixed windows
// and locks the pair out for the rest of the window once it has too many.
// Locking per pair (not per key alone) keeps one client from locking an
// account holder out of their own account.
type limiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	entries map[string]*failures
}

type failures struct {
	start time.Time // window start
	count int
}

func newLimiter(max int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{max: max, window: window, now: now, entries: map[string]*failures{}}
}

// locked reports whether the pair is locked out now, and for how long.
func (l *limiter) locked(pair string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	f, ok := l.entries[pair]
	if !ok {
		return false, 0
	}
	left := l.window - l.now().Sub(f.start)
	if left <= 0 {
		delete(l.entries, pair)
		return false, 0
	}
	return f.count >= l.max, left
}

// fail counts a failure and reports whether it just locked the pair out.
func (l *limiter) fail(pair string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	f, ok := l.entries[pair]
	if !ok || now.Sub(f.start) >= l.window {
		if len(l.entries) >= maxLimiterEntries {
			l.prune(now)
		}
		f = &failures{start: now}
		l.entries[pair] = f
	}
	f.count++
	return f.count == l.max
}

// succeed forgets the pair's failures.
func (l *limiter) succeed(pair string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.entries, pair)
}

// prune drops expired entries, and everything when that is not enough.
func (l *limiter) prune(now time.Time) {
	for k, f := range l.entries {
		if now.Sub(f.start) >= l.window {
			delete(l.entries, k)
		}
	}
	if len(l.entries) >= maxLimiterEntries {
		clear(l.entries)
	}
}
