package web

import (
	"sync"
	"time"
)

// Limiter slows down guessing of the admin token at the operator sign-in
// (account holders' sign-ins go through the Authenticator's own limiter,
// shared with the API). Allow is asked before a sign-in is checked;
// Failure records a failed one and Success clears the key's count. Keys
// are "ip:ADDR" and "admin". A shared limiter may be passed in Config so
// that all nodes count together.
type Limiter interface {
	Allow(key string) bool
	Failure(key string)
	Success(key string)
}

// Defaults of the in-memory limiter.
const (
	DefaultMaxFailures = 5
	DefaultLockout     = 15 * time.Minute
)

// MemoryLimiter is a per-node Limiter: after DefaultMaxFailures failures
// within DefaultLockout a key is refused until DefaultLockout after its
// last failure.
type MemoryLimiter struct {
	now     func() time.Time
	max     int
	lockout time.Duration

	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	count int
	last  time.Time
}

// maxLimiterKeys bounds the table; when full, stale keys are swept.
const maxLimiterKeys = 100000

// NewMemoryLimiter returns a MemoryLimiter with the defaults.
func NewMemoryLimiter(now func() time.Time) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{now: now, max: DefaultMaxFailures, lockout: DefaultLockout, keys: map[string]*failures{}}
}

// Allow reports whether key may try to sign in now.
func (l *MemoryLimiter) Allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.keys[key]
	if f == nil {
		return true
	}
	if l.now().Sub(f.last) >= l.lockout {
		delete(l.keys, key)
		return true
	}
	return f.count < l.max
}

// Failure records a failed sign-in of key.
func (l *MemoryLimiter) Failure(key string) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.keys) >= maxLimiterKeys {
		for k, f := range l.keys {
			if now.Sub(f.last) >= l.lockout {
				delete(l.keys, k)
			}
		}
	}
	f := l.keys[key]
	if f == nil || now.Sub(f.last) >= l.lockout {
		f = &failures{}
		l.keys[key] = f
	}
	f.count++
	f.last = now
}

// Success forgets key's failures.
func (l *MemoryLimiter) Success(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}
