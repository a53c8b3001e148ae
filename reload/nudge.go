package main

import (
	"context"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// thresholdTTL is how long a cached auto-reload threshold is trusted; a
// changed threshold takes effect for nudges within it (the scheduler's own
// runs read the store every time).
const thresholdTTL = time.Minute

// maxCachedThresholds bounds the cache; it is emptied when full.
const maxCachedThresholds = 100_000

// reloadNudger nudges the auto-reload scheduler after a committed ledger
// transaction takes an auto-reload account to its threshold or below. It
// sees every committed entry (the store's commit hook) and keeps the
// accounts' thresholds in a small cache so that the write path never waits
// for a read: an unknown or stale account is nudged (nudges coalesce) and
// looked up in the background.
type reloadNudger struct {
	accounts kassa.AccountStore
	nudge    func(apiKey string)
	now      func() time.Time

	mu      sync.Mutex
	cache   map[string]cachedThreshold
	loading map[string]bool
}

// cachedThreshold is what the nudger knows of an account's auto-reload.
type cachedThreshold struct {
	enabled   bool
	threshold kassa.Amount
	at        time.Time
}

func newReloadNudger(accounts kassa.AccountStore, nudge func(string)) *reloadNudger {
	return &reloadNudger{accounts: accounts, nudge: nudge, now: time.Now,
		cache: map[string]cachedThreshold{}, loading: map[string]bool{}}
}

// committed is the store's commit hook.
func (n *reloadNudger) committed(entries []*kassa.Entry) {
	for _, e := range entries {
		if e.Amount < 0 && n.atThreshold(e.Account, e.BalanceAfter) {
			n.nudge(e.Account)
		}
	}
}

// atThreshold reports whether balance is at or below the account's
// threshold with auto-reload on; true when the account is not known yet.
func (n *reloadNudger) atThreshold(account string, balance kassa.Amount) bool {
	n.mu.Lock()
	c, ok := n.cache[account]
	fresh := ok && n.now().Sub(c.at) < thresholdTTL
	if !fresh && !n.loading[account] {
		n.loading[account] = true
		go n.load(account)
	}
	n.mu.Unlock()
	if !fresh {
		return true
	}
	return c.enabled && balance <= c.threshold
}

// load reads the account's auto-reload settings into the cache.
func (n *reloadNudger) load(account string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	a, err := n.accounts.FindAccount(ctx, account)
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.loading, account)
	if err != nil {
		return
	}
	if len(n.cache) >= maxCachedThresholds {
		n.cache = map[string]cachedThreshold{}
	}
	n.cache[account] = cachedThreshold{enabled: a.AutoReload.Enabled, threshold: a.AutoReload.Threshold, at: n.now()}
}
