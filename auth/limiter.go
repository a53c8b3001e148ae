package auth

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the brute-force limiter.
const (
	DefaultMaxFailures   = 20              // failed attempts per client and key per window
	DefaultFailureWindow = time.Minute     // the counting window
	DefaultLockout       = 5 * time.Minute // how long a lock-out lasts
	// clientFactor and keyFactor scale MaxFailures for the wider scopes:
	// one client address across every key, one key across every address.
	clientFactor = 5
	keyFactor    = 10
	// slowBase is the first delay imposed once a pair is being slowed; it
	// doubles with every further failure, up to the lock-out.
	slowBase          = time.Second
	maxLimiterEntries = 100000 // bound on tracked entries per scope
	limiterShards     = 32
)

// Lock-out scopes, as Lockout.Scope names them.
const (
	ScopePair   = "client+key" // one client address on one key
	ScopeClient = "client"     // one client address on every key
	ScopeKey    = "key"        // one key, for every address that failed on it
)

// Lockout reports lock-outs; OnLockout receives it. The first lock-out of
// a scope and key in a window is reported as it starts (Count 1); the
// later ones of that window are reported together when it ends, with
// their number and a sample of their addresses (see lockoutReports).
type Lockout struct {
	Scope string // ScopePair, ScopeClient or ScopeKey
	// Client is the client address when the report is about one lock-out
	// of one address ("" for ScopeKey and for a summary of several).
	Client string
	// APIKey is the key ("" for ScopeClient); it may not exist. AnyKey
	// when the report covers more keys than are tracked one by one.
	APIKey  string
	Until   time.Time // when the (latest) lock-out ends
	Count   int       // how many lock-outs the report stands for
	Clients []string  // up to MaxLockoutSample of their client addresses
	Since   time.Time // when the first of them started
}

// limiter counts failed authentications in three scopes and refuses
// attempts that come too fast or too often:
//
//   - per (client, key): after MaxFailures/2 failures in the window each
//     further attempt must wait a delay that doubles (1 s, 2 s, 4 s, …, at
//     most the lock-out time); after MaxFailures the pair is locked out for
//     the lock-out time. While a pair is being slowed its count is kept
//     until a full window has passed after its delay ended, so that a
//     client that obeys every Retry-After is locked out at MaxFailures
//     too (the delays outlast the window after a few doublings);
//   - per client, across keys: after clientFactor×MaxFailures the address
//     is locked out of every key (password spraying, key enumeration);
//   - per key, across clients: after keyFactor×MaxFailures the key is
//     locked for every address that has failed on it in the window, while
//     an address without failures still gets in with the right secret, so
//     that an attack from many addresses does not lock the holder out.
//
// A success clears the pair's failures only (a valid account of the
// attacker's own must not reset its counts on other keys).
type limiter struct {
	max, slowAfter int
	window         time.Duration
	lockout        time.Duration
	now            func() time.Time
	pairs          *table
	clients        *table
	keys           *table
}

func newLimiter(maxFailures int, window, lockout time.Duration, now func() time.Time) *limiter {
	return &limiter{
		max: maxFailures, slowAfter: max(maxFailures/2, 1), window: window, lockout: lockout, now: now,
		pairs:   newTable(),
		clients: newTable(),
		keys:    newTable(),
	}
}

// check returns how long the attempt must wait (0: go ahead).
func (l *limiter) check(client, apiKey string) time.Duration {
	if l.pairs.empty() && l.clients.empty() && l.keys.empty() {
		return 0 // the common case: no failure anywhere, no lock, no allocation
	}
	now := l.now()
	pair := client + "\x00" + apiKey
	p := l.pairs.get(pair, now, l.window)
	if wait := p.wait(now); wait > 0 {
		return wait
	}
	if c := l.clients.get(client, now, l.window); c.lockedUntil.After(now) {
		return c.lockedUntil.Sub(now)
	}
	if k := l.keys.get(apiKey, now, l.window); k.lockedUntil.After(now) && p.count > 0 {
		return k.lockedUntil.Sub(now)
	}
	return 0
}

// fail counts a failure in every scope and returns the lock-outs it started.
func (l *limiter) fail(client, apiKey string) []Lockout {
	now := l.now()
	until := now.Add(l.lockout)
	var started []Lockout
	pair := client + "\x00" + apiKey
	l.pairs.update(pair, now, l.window, func(f *entry) {
		f.count++
		switch {
		case f.count >= l.max && !f.lockedUntil.After(now):
			f.lockedUntil = until
			started = append(started, Lockout{Scope: ScopePair, Client: client, APIKey: apiKey, Until: until})
		case f.count >= l.slowAfter:
			shift := min(f.count-l.slowAfter, 30)
			f.slowUntil = now.Add(min(slowBase<<shift, l.lockout))
		}
	})
	l.clients.update(client, now, l.window, func(f *entry) {
		f.count++
		if f.count >= clientFactor*l.max && !f.lockedUntil.After(now) {
			f.lockedUntil = until
			started = append(started, Lockout{Scope: ScopeClient, Client: client, Until: until})
		}
	})
	l.keys.update(apiKey, now, l.window, func(f *entry) {
		f.count++
		if f.count >= keyFactor*l.max && !f.lockedUntil.After(now) {
			f.lockedUntil = until
			started = append(started, Lockout{Scope: ScopeKey, APIKey: apiKey, Until: until})
		}
	})
	return started
}

// succeed forgets the pair's failures.
func (l *limiter) succeed(client, apiKey string) {
	if !l.pairs.empty() {
		l.pairs.remove(client + "\x00" + apiKey)
	}
}

// entry is the failure record of one pair, client or key.
type entry struct {
	start       time.Time // start of the counting window
	count       int
	slowUntil   time.Time // no attempt before this (slowing down)
	lockedUntil time.Time // no attempt before this (locked out)
}

// wait is how long the holder of e must wait before its next attempt.
func (e entry) wait(now time.Time) time.Duration {
	until := e.slowUntil
	if e.lockedUntil.After(until) {
		until = e.lockedUntil
	}
	if until.After(now) {
		return until.Sub(now)
	}
	return 0
}

// stale reports whether e no longer matters: its window is over, it holds
// no lock, and a full window has passed since its last delay ended. The
// last condition keeps the count of a pair that is being slowed down: the
// doubling delays soon outlast one window, and a client that waits out
// every Retry-After must still reach the lock-out instead of starting a
// fresh count.
func (e *entry) stale(now time.Time, window time.Duration) bool {
	return now.Sub(e.start) >= window && !e.lockedUntil.After(now) && now.Sub(e.slowUntil) >= window
}

// table is a sharded map of entries: requests on different keys rarely
// share a lock, and an empty table costs one atomic load.
type table struct {
	seed   maphash.Seed
	size   atomic.Int64
	shards [limiterShards]shard
}

type shard struct {
	mu sync.Mutex
	m  map[string]*entry
}

func newTable() *table {
	t := &table{seed: maphash.MakeSeed()}
	for i := range t.shards {
		t.shards[i].m = map[string]*entry{}
	}
	return t
}

// empty reports whether the table holds no entry (one atomic load).
func (t *table) empty() bool { return t.size.Load() == 0 }

func (t *table) shard(k string) *shard {
	return &t.shards[maphash.String(t.seed, k)%limiterShards]
}

// get returns a copy of k's live entry (the zero entry when there is none).
func (t *table) get(k string, now time.Time, window time.Duration) entry {
	if t.size.Load() == 0 {
		return entry{}
	}
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	if !ok {
		return entry{}
	}
	if e.stale(now, window) {
		delete(s.m, k)
		t.size.Add(-1)
		return entry{}
	}
	return *e
}

// update runs f on k's live entry, creating it (or starting a new window
// when the old one is stale).
func (t *table) update(k string, now time.Time, window time.Duration, f func(*entry)) {
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.m[k]
	if ok && e.stale(now, window) {
		*e = entry{start: now}
	}
	if !ok {
		if len(s.m) >= maxLimiterEntries/limiterShards {
			t.prune(s, now, window)
		}
		e = &entry{start: now}
		s.m[k] = e
		t.size.Add(1)
	}
	f(e)
}

// remove deletes k's entry.
func (t *table) remove(k string) {
	if t.size.Load() == 0 {
		return
	}
	s := t.shard(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[k]; ok {
		delete(s.m, k)
		t.size.Add(-1)
	}
}

// prune drops a full shard's stale entries; when that is not enough, the
// entries that were never slowed down nor locked (a flood of distinct
// clients with a failure or two each must not wipe out the count of a
// pair that is being slowed); and everything as a last resort (memory
// stays bounded).
func (t *table) prune(s *shard, now time.Time, window time.Duration) {
	for k, e := range s.m {
		if e.stale(now, window) {
			delete(s.m, k)
			t.size.Add(-1)
		}
	}
	if len(s.m) >= maxLimiterEntries/limiterShards {
		for k, e := range s.m {
			if e.slowUntil.IsZero() && !e.lockedUntil.After(now) {
				delete(s.m, k)
				t.size.Add(-1)
			}
		}
	}
	if len(s.m) >= maxLimiterEntries/limiterShards {
		t.size.Add(-int64(len(s.m)))
		clear(s.m)
	}
}
