package reload

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

// nudger nudges the auto-reload scheduler after a committed ledger
// transaction takes an auto-reload account to its threshold or below. It
// subscribes to the ledger's commits (charging.Ledger.Subscribe: New does
// it), so it sees every committed entry whatever else observes the ledger,
// and keeps the accounts' thresholds in a small cache so that the write
// path never waits for a read: an unknown or stale account is nudged
// (nudges coalesce) and looked up in the background.
type nudger struct {
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

// newNudger returns a nudger that reads thresholds from accounts and calls
// nudge; now is the clock of the cache.
func newNudger(accounts kassa.AccountStore, nudge func(string), now func() time.Time) *nudger {
	return &nudger{accounts: accounts, nudge: nudge, now: now,
		cache: map[string]cachedThreshold{}, loading: map[string]bool{}}
}

// committed is the ledger's commit observer.
func (n *nudger) committed(entries []*kassa.Entry) {
	for _, e := range entries {
		if e.Amount < 0 && n.atThreshold(e.Account, e.BalanceAfter) {
			n.nudge(e.Account)
		}
	}
}

// atThreshold reports whether balance is at or below the account's
// threshold with auto-reload on; true when the account is not known yet.
func (n *nudger) atThreshold(account string, balance kassa.Amount) bool {
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
func (n *nudger) load(account string) {
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
