package sqlite

import (
	"sync"

	"github.com/kassa-dev/kassa"
)

// maxCachedBalances bounds the balance cache: at that size it starts over
// empty rather than grow with the number of accounts polled.
const maxCachedBalances = 1 << 20

// balanceCache holds the balance views (balance, auto-reload) that
// FindBalance has read, exactly as committed. It is only correct because
// the DB is the database's one writer (the writer lock): every change of a
// balance or of reload_enabled is a write transaction of this DB, and
// every commit updates or clears the cache before it returns to its
// caller, so a get-balance that follows an acknowledged write sees it.
//
// A read that misses fills the cache with what it read only when no commit
// happened since it started (seq unchanged): a value read from a snapshot
// older than a commit is never kept.
type balanceCache struct {
	mu  sync.RWMutex
	seq uint64 // incremented by every commit
	m   map[string]kassa.BalanceView
}

// newBalanceCache returns an empty cache.
func newBalanceCache() *balanceCache {
	return &balanceCache{m: make(map[string]kassa.BalanceView)}
}

// get returns the cached view of key and, on a miss, the commit sequence
// to hand to fill. A nil cache always misses.
func (c *balanceCache) get(key string) (v kassa.BalanceView, ok bool, seq uint64) {
	if c == nil {
		return v, false, 0
	}
	c.mu.RLock()
	v, ok = c.m[key]
	seq = c.seq
	c.mu.RUnlock()
	return v, ok, seq
}

// fill keeps v, read after get returned seq, unless a commit happened
// since.
func (c *balanceCache) fill(key string, v kassa.BalanceView, seq uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		return
	}
	if len(c.m) >= maxCachedBalances {
		clear(c.m)
	}
	c.m[key] = v
}

// publish records a committed ledger transaction: the balances it left
// (balance after the last entry of each account it appended to) replace
// the cached ones. Called after the commit, never before.
func (c *balanceCache) publish(balances map[string]kassa.Amount) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	for key, b := range balances {
		if v, ok := c.m[key]; ok {
			v.Balance = b
			c.m[key] = v
		}
	}
}

// reset empties the cache after a commit that may have changed any
// account (a write other than a ledger transaction, a restore).
func (c *balanceCache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	clear(c.m)
}

// maxCachedTotals bounds the totals cache (distinct entry queries).
const maxCachedTotals = 4096

// totalCache holds the totals of entry listings (the number of an
// account's entries matching a filter), so that the pages after the first
// of one query do not count them again: a count scans every matching
// entry. Like balanceCache it relies on the DB being the only writer:
// every ledger commit drops the totals of the accounts it appended to,
// any other write transaction and a restore drop them all, and a count
// that began before a commit never fills it.
type totalCache struct {
	mu  sync.Mutex
	seq uint64
	n   int
	m   map[string]map[string]int // account → count query and arguments → total
}

// newTotalCache returns an empty cache.
func newTotalCache() *totalCache {
	return &totalCache{m: make(map[string]map[string]int)}
}

// get returns the cached total of query for account and, on a miss, the
// commit sequence to hand to fill. A nil cache always misses.
func (c *totalCache) get(account, query string) (total int, ok bool, seq uint64) {
	if c == nil {
		return 0, false, 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	total, ok = c.m[account][query]
	return total, ok, c.seq
}

// fill keeps a total counted after get returned seq, unless a commit
// happened since.
func (c *totalCache) fill(account, query string, total int, seq uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq != seq {
		return
	}
	if c.n >= maxCachedTotals {
		clear(c.m)
		c.n = 0
	}
	q := c.m[account]
	if q == nil {
		q = make(map[string]int)
		c.m[account] = q
	}
	if _, ok := q[query]; !ok {
		c.n++
	}
	q[query] = total
}

// published drops the totals of the accounts a committed ledger
// transaction appended to.
func (c *totalCache) published(accounts map[string]kassa.Amount) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	for account := range accounts {
		c.n -= len(c.m[account])
		delete(c.m, account)
	}
}

// reset drops every total.
func (c *totalCache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	clear(c.m)
	c.n = 0
}
