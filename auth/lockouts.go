package auth

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Bounds of the lock-out reports (see lockoutReports).
const (
	// MaxLockoutSample is how many client addresses one report names at
	// most; Lockout.Count says how many lock-outs it stands for.
	MaxLockoutSample = 10
	// maxLockoutGroups bounds the (scope, key) groups of one window;
	// lock-outs on further keys share one group whose APIKey is
	// AnyKey.
	maxLockoutGroups = 100
)

// AnyKey is the APIKey of a report that covers lock-outs on more keys than
// the reports track one by one in a window.
const AnyKey = "*"

// lockoutReports turns lock-outs into a bounded number of reports, so that
// an attack from many addresses cannot flood the audit log (#13.8: 400
// events from 400 loopback addresses in under 10 s). Lock-outs are grouped
// by scope and key (every ScopeClient lock-out has the key "", so one group
// holds them all) for one window from the group's first lock-out:
//
//   - the first lock-out of a group is reported at once (Count 1), so an
//     operator sees an attack as it starts;
//   - the later ones of the window are counted, with a sample of at most
//     MaxLockoutSample addresses, and reported as one summary when the
//     window ends (Count is their number).
//
// So each group makes at most two reports per window, and there are at
// most maxLockoutGroups groups and one overflow group (AnyKey) per scope.
// A summary is sent by the first authentication after its window ends,
// by a timer when the clock is the real one, or by flush (at shutdown).
type lockoutReports struct {
	window time.Duration
	report func(Lockout)
	// schedule runs f after d of real time (the backstop of the summaries
	// when no authentication comes); nil means no timer.
	schedule func(d time.Duration, f func())
	now      func() time.Time

	due atomic.Int64 // unix ns of the earliest pending summary; 0 when none

	mu     sync.Mutex
	groups map[lockoutGroupKey]*lockoutGroup
	armed  bool // a schedule call is pending
}

type lockoutGroupKey struct{ scope, apiKey string }

// lockoutGroup is one group's window: the lock-outs after its first one.
type lockoutGroup struct {
	ends    time.Time // end of the window
	count   int       // lock-outs not reported yet
	since   time.Time // the first of them
	until   time.Time // the latest end of their lock-outs
	clients []string  // a sample of their addresses
}

func newLockoutReports(window time.Duration, now func() time.Time, report func(Lockout), schedule func(time.Duration, func())) *lockoutReports {
	return &lockoutReports{window: window, now: now, report: report, schedule: schedule, groups: make(map[lockoutGroupKey]*lockoutGroup)}
}

// pending reports whether a summary is due at now (one atomic load when
// nothing is pending).
func (r *lockoutReports) pending(now func() time.Time) bool {
	d := r.due.Load()
	return d != 0 && now().UnixNano() >= d
}

// add takes the lock-outs that started at now.
func (r *lockoutReports) add(los []Lockout, now time.Time) {
	if len(los) == 0 {
		return
	}
	r.mu.Lock()
	out := r.expireLocked(now, false)
	for _, lo := range los {
		if first, ok := r.addLocked(lo, now); ok {
			out = append(out, first)
		}
	}
	arm := r.updateDueLocked()
	r.mu.Unlock()
	r.send(out)
	r.arm(arm)
}

// addLocked counts lo in its group and returns the report to send now
// when lo is its group's first lock-out in the window.
func (r *lockoutReports) addLocked(lo Lockout, now time.Time) (Lockout, bool) {
	k := lockoutGroupKey{lo.Scope, lo.APIKey}
	g := r.groups[k]
	if g == nil && len(r.groups) >= maxLockoutGroups {
		k.apiKey = AnyKey
		lo.APIKey = AnyKey
		g = r.groups[k]
	}
	if g == nil {
		r.groups[k] = &lockoutGroup{ends: now.Add(r.window)}
		lo.Count, lo.Since = 1, now
		if lo.Client != "" {
			lo.Clients = []string{lo.Client}
		}
		return lo, true
	}
	if g.count == 0 {
		g.since = now
	}
	g.count++
	if lo.Until.After(g.until) {
		g.until = lo.Until
	}
	if lo.Client != "" && len(g.clients) < MaxLockoutSample && !slices.Contains(g.clients, lo.Client) {
		g.clients = append(g.clients, lo.Client)
	}
	return Lockout{}, false
}

// flushDue sends the summaries whose window has ended by now.
func (r *lockoutReports) flushDue(now time.Time) {
	r.mu.Lock()
	out := r.expireLocked(now, false)
	arm := r.updateDueLocked()
	r.mu.Unlock()
	r.send(out)
	r.arm(arm)
}

// flushAll sends every pending summary now and forgets every group.
func (r *lockoutReports) flushAll() {
	r.mu.Lock()
	out := r.expireLocked(time.Time{}, true)
	r.updateDueLocked()
	r.mu.Unlock()
	r.send(out)
}

// expireLocked ends the groups whose window is over (all of them with
// all) and returns their summaries.
func (r *lockoutReports) expireLocked(now time.Time, all bool) []Lockout {
	var out []Lockout
	for k, g := range r.groups {
		if !all && now.Before(g.ends) {
			continue
		}
		delete(r.groups, k)
		if g.count == 0 {
			continue
		}
		lo := Lockout{Scope: k.scope, APIKey: k.apiKey, Until: g.until, Count: g.count, Since: g.since, Clients: g.clients}
		if len(g.clients) == 1 && g.count == 1 {
			lo.Client = g.clients[0]
		}
		out = append(out, lo)
	}
	slices.SortFunc(out, func(a, b Lockout) int { return a.Since.Compare(b.Since) })
	return out
}

// updateDueLocked sets due to the earliest end of a group with a pending
// summary and returns how long until then when the timer should be armed
// (0: no).
func (r *lockoutReports) updateDueLocked() time.Duration {
	var due time.Time
	for _, g := range r.groups {
		if g.count > 0 && (due.IsZero() || g.ends.Before(due)) {
			due = g.ends
		}
	}
	if due.IsZero() {
		r.due.Store(0)
		return 0
	}
	r.due.Store(due.UnixNano())
	if r.schedule == nil || r.armed {
		return 0
	}
	r.armed = true
	return max(due.Sub(r.now()), time.Millisecond)
}

// arm starts the backstop timer when updateDueLocked asked for it.
func (r *lockoutReports) arm(d time.Duration) {
	if d <= 0 {
		return
	}
	r.schedule(d, func() {
		r.mu.Lock()
		r.armed = false
		r.mu.Unlock()
		r.flushDue(r.now())
	})
}

func (r *lockoutReports) send(los []Lockout) {
	for _, lo := range los {
		r.report(lo)
	}
}
