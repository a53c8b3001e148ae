package web

import (
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// activityMinutes is how far back Activity remembers: an hour.
const activityMinutes = 60

// Activity counts the charges this node's ledger commits, per minute, for
// the last hour: the operator overview's "charges per minute". Subscribe
// its Observe to the ledger (charging.Ledger.Subscribe). It counts in
// memory, so it starts empty and, with several nodes, each counts its own
// (the overview says so).
type Activity struct {
	now     func() time.Time
	mu      sync.Mutex
	minutes [activityMinutes]activityMinute
}

// activityMinute is one minute's count; minute is its Unix minute, so a
// slot left from an earlier hour is recognised as stale.
type activityMinute struct {
	minute int64
	count  int64
}

// NewActivity returns an Activity on the clock now (time.Now when nil).
func NewActivity(now func() time.Time) *Activity {
	if now == nil {
		now = time.Now
	}
	return &Activity{now: now}
}

// Observe counts the charges among committed entries (a ledger commit
// observer).
func (a *Activity) Observe(entries []*kassa.Entry) {
	var n int64
	for _, e := range entries {
		if e.Kind == kassa.KindCharge {
			n++
		}
	}
	if n == 0 {
		return
	}
	m := a.now().Unix() / 60
	a.mu.Lock()
	defer a.mu.Unlock()
	slot := &a.minutes[m%activityMinutes]
	if slot.minute != m {
		*slot = activityMinute{minute: m}
	}
	slot.count += n
}

// LastHour returns the charges of each of the last activityMinutes
// minutes, oldest first; the last is the current minute.
func (a *Activity) LastHour() []int64 {
	now := a.now().Unix() / 60
	out := make([]int64, activityMinutes)
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range out {
		m := now - int64(activityMinutes-1-i)
		if slot := a.minutes[m%activityMinutes]; slot.minute == m {
			out[i] = slot.count
		}
	}
	return out
}
