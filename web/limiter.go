package web

import (
	"encoding/json"
	"net/netip"
	"sync"
	"time"
)

// Limiter slows down guessing of the admin token at the operator sign-in
// (account holders' sign-ins go through the Authenticator's own limiter,
// shared with the API). It counts per client, so that wrong tokens from
// one client never refuse another client's right one. Wait is asked
// before a sign-in is checked, Failure records a failed one and Success
// clears the client's count.
type Limiter interface {
	// Wait returns how long client must wait before its next sign-in is
	// checked; 0 to go ahead.
	Wait(client string) time.Duration
	// Failure records a failed sign-in by client and returns the scope of
	// the lock-out it started (LockoutClient or LockoutAttack), or "".
	Failure(client string) string
	// Success forgets client's failures.
	Success(client string)
}

// Defaults of the in-memory limiter.
const (
	DefaultMaxFailures    = 5  // failures of one client within DefaultLockout that lock it out
	DefaultAttackFailures = 50 // failures of all clients together within DefaultLockout that start attack mode
	DefaultLockout        = 15 * time.Minute
)

// Lock-out scopes, as Limiter.Failure names them (and the audit records).
const (
	LockoutClient = "client" // one client reached DefaultMaxFailures
	LockoutAttack = "attack" // all clients together reached DefaultAttackFailures
)

// MemoryLimiter is a per-node Limiter:
//
//   - a client with DefaultMaxFailures failures, each within DefaultLockout
//     of the one before, is refused until DefaultLockout after its last
//     failure;
//   - when failures of all clients together reach DefaultAttackFailures
//     within DefaultLockout (a guess from many addresses), attack mode lasts
//     until DefaultLockout after the last failure: a client with any recent
//     failure is then refused after that one, while a client without
//     failures still signs in with the right token.
//
// A client is an IPv4 address or an IPv6 /64 network (limiterClient).
type MemoryLimiter struct {
	now     func() time.Time
	max     int
	attack  int
	lockout time.Duration

	mu          sync.Mutex
	clients     map[string]*failures
	total       failures  // every client's failures, for attack mode
	attackUntil time.Time // attack mode until then
}

type failures struct {
	count int
	last  time.Time
}

// maxLimiterKeys bounds the table (see sweep).
const maxLimiterKeys = 100000

// NewMemoryLimiter returns a MemoryLimiter with the defaults.
func NewMemoryLimiter(now func() time.Time) *MemoryLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryLimiter{now: now, max: DefaultMaxFailures, attack: DefaultAttackFailures, lockout: DefaultLockout,
		clients: map[string]*failures{}}
}

// Wait returns how long client must wait before trying again.
func (l *MemoryLimiter) Wait(client string) time.Duration {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	f := l.current(client, now)
	if f == nil {
		return 0
	}
	until := f.last.Add(l.lockout)
	switch {
	case f.count >= l.max:
		return until.Sub(now)
	case now.Before(l.attackUntil):
		return minTime(until, l.attackUntil).Sub(now)
	}
	return 0
}

// current returns client's failures that still count at now, or nil.
func (l *MemoryLimiter) current(client string, now time.Time) *failures {
	f := l.clients[client]
	if f == nil {
		return nil
	}
	if now.Sub(f.last) >= l.lockout {
		delete(l.clients, client)
		return nil
	}
	return f
}

// Failure records a failed sign-in of client.
func (l *MemoryLimiter) Failure(client string) string {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.clients) >= maxLimiterKeys {
		l.sweep(now)
	}
	f := l.current(client, now)
	if f == nil {
		f = &failures{}
		l.clients[client] = f
	}
	f.count++
	f.last = now
	if now.Sub(l.total.last) >= l.lockout {
		l.total = failures{}
	}
	l.total.count++
	l.total.last = now
	scope := ""
	if f.count == l.max {
		scope = LockoutClient
	}
	if l.total.count >= l.attack {
		if !now.Before(l.attackUntil) {
			scope = LockoutAttack
		}
		l.attackUntil = now.Add(l.lockout)
	}
	return scope
}

// sweep drops clients whose failures no longer count and, if the table is
// still full (failures from more than maxLimiterKeys clients within the
// lock-out time), a tenth of it at random, so that memory stays bounded; a
// client dropped early starts counting again.
func (l *MemoryLimiter) sweep(now time.Time) {
	for k, f := range l.clients {
		if now.Sub(f.last) >= l.lockout {
			delete(l.clients, k)
		}
	}
	for k := range l.clients { // map order is random
		if len(l.clients) < maxLimiterKeys*9/10 {
			break
		}
		delete(l.clients, k)
	}
}

// Success forgets client's failures.
func (l *MemoryLimiter) Success(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.clients, client)
}

// limiterClient is the client a limiter counts for an address: the
// address itself for IPv4, its /64 network for IPv6 (one host usually
// has a whole /64), the text as it is for anything else.
func limiterClient(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.WithZone("").Prefix(64)
	return p.String()
}

// lockoutDetail is the audit detail of a dashboard lock-out.
func lockoutDetail(scope, client string) string {
	d := map[string]string{"scope": "admin", "surface": "dashboard", "lockout": scope}
	if scope == LockoutClient {
		d["client"] = client
	}
	b, _ := json.Marshal(d)
	return string(b)
}
