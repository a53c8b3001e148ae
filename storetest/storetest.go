package storetest

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// Opener returns a fresh, empty store whose clock is now, and arranges for
// it to be closed (t.Cleanup). Closing twice must be harmless: the suite
// closes some stores itself.
type Opener func(t testing.TB, now func() time.Time) kassa.Store

// Run is the conformance suite: every subtest opens its own fresh store
// with its own Clock starting at Epoch.
//
// Beyond the interface's doc comments the suite fixes these choices, which
// every store must share: times need only microsecond precision; list
// methods treat Limit 0 as a default page of at least 50 and refuse a
// negative Offset or Limit with EINVALID; ActivatePriceBook treats a zero
// effective time as now; ExpiredHolds returns the earliest expiry first;
// CreatePriceBook sets Checksum to the hex sha256 of the data; a closed
// store answers EUNAVAILABLE.
func Run(t *testing.T, open func(t testing.TB, now func() time.Time) kassa.Store) {
	h := harness{open: open}
	t.Run("Accounts", h.testAccounts)
	t.Run("AccountTotals", h.testAccountTotals)
	t.Run("Secrets", h.testSecrets)
	t.Run("Ledger", h.testLedger)
	t.Run("ListEntries", h.testListEntries)
	t.Run("Holds", h.testHolds)
	t.Run("Subaccounts", h.testSubaccounts)
	t.Run("Transfers", h.testTransfers)
	t.Run("PriceBooks", h.testPriceBooks)
	t.Run("Plans", h.testPlans)
	t.Run("Audit", h.testAudit)
	t.Run("Leases", h.testLeases)
	t.Run("Sessions", h.testSessions)
	t.Run("Meta", h.testMeta)
	t.Run("Events", h.testEvents)
	t.Run("Webhooks", h.testWebhooks)
	t.Run("Spend", h.testSpend)
	t.Run("Usage", h.testUsage)
	t.Run("Concurrency", h.testConcurrency)
	t.Run("PingClose", h.testPingClose)
}

// harness opens stores for the subtests.
type harness struct {
	open Opener
}

// fresh opens a new store with a new clock.
func (h harness) fresh(t testing.TB) (kassa.Store, *Clock) {
	t.Helper()
	c := NewClock(Epoch)
	return h.open(t, c.Now), c
}

// sameTime fails the test unless got and want are the same instant.
func sameTime(t testing.TB, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
