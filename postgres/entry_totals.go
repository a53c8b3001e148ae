package postgres

import (
	"sync"
	"sync/atomic"
)

// entryTotals keeps the totals of entry listings of one account (the
// number of its entries matching a filter, whatever the page), so that
// paging through a long ledger does not count it again on every page.
//
// A total is kept with the version of the account's row it was counted
// beside: its xmin, the transaction that last wrote the row. Every entry
// is appended in the transaction that updates its account's balance (the
// ledger's one statement does both), so two snapshots that see the same
// version of the row see the same entries of that account, on any node:
// a total is used only when the listing's snapshot reads the same xmin.
// Any other write to the row (settings, limits) only makes the next
// listing count again. The cache is per process and bounded; it holds
// counts, never entries.
type entryTotals struct {
	mu sync.Mutex
	m  map[string]accountTotals // by account
	// counted is the number of counts made (the tests read it).
	counted atomic.Int64
}

// accountTotals are one account's totals at one version of its row.
type accountTotals struct {
	version uint32
	byQuery map[string]int
}

// maxTotalAccounts bounds the accounts entryTotals holds; when full it
// starts again empty.
const maxTotalAccounts = 10_000

// maxTotalQueries bounds the filters kept per account.
const maxTotalQueries = 16

func newEntryTotals() *entryTotals { return &entryTotals{m: make(map[string]accountTotals)} }

// get returns the total of query for account at version, if kept.
func (c *entryTotals) get(account, query string, version uint32) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[account]
	if !ok || t.version != version {
		return 0, false
	}
	total, ok := t.byQuery[query]
	return total, ok
}

// put keeps total for query of account at version, dropping what was kept
// at another version.
func (c *entryTotals) put(account, query string, version uint32, total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.m[account]
	if !ok || t.version != version || len(t.byQuery) >= maxTotalQueries {
		if !ok && len(c.m) >= maxTotalAccounts {
			clear(c.m)
		}
		t = accountTotals{version: version, byQuery: make(map[string]int)}
		c.m[account] = t
	}
	t.byQuery[query] = total
}
