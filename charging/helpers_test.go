package charging_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// clock is a settable clock shared by the store and the ledger.
type clock = storetest.Clock

func newClock() *clock { return storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)) }

// openStore opens a real SQLite store in a temporary directory.
func openStore(t testing.TB, now func() time.Time) *sqlite.DB {
	t.Helper()
	return testkit.OpenSQLite(t, sqlite.Options{Now: now})
}

// newLedger starts a ledger over store and closes it when the test ends.
func newLedger(t testing.TB, store kassa.LedgerStore, now func() time.Time) *charging.Ledger {
	t.Helper()
	l := charging.New(store, charging.Options{Now: now})
	t.Cleanup(l.Close)
	return l
}

// createAccount creates an EUR account with an opening credit (none when
// opening is "0") and a credit limit.
func createAccount(t testing.TB, db *sqlite.DB, key, opening, creditLimit string) {
	t.Helper()
	a := &kassa.Account{APIKey: key, Currency: kassa.EUR, CreditLimit: kassa.MustParseAmount(creditLimit), Limits: kassa.DefaultLimits}
	var e *kassa.Entry
	if amt := kassa.MustParseAmount(opening); amt != 0 {
		e = &kassa.Entry{Kind: kassa.KindCredit, Amount: amt, Reason: "opening"}
	}
	if err := db.CreateAccount(context.Background(), a, nil, e); err != nil {
		t.Fatalf("create account %s: %v", key, err)
	}
}

// balanceOf reads an account's balance.
func balanceOf(t testing.TB, db *sqlite.DB, key string) kassa.Amount {
	t.Helper()
	a, err := db.FindAccount(context.Background(), key)
	if err != nil {
		t.Fatalf("find account %s: %v", key, err)
	}
	return a.Balance
}

// entriesOf returns every entry of an account, newest first.
func entriesOf(t testing.TB, db *sqlite.DB, key string) []*kassa.Entry {
	t.Helper()
	var all []*kassa.Entry
	var before int64
	for {
		page, _, err := db.ListEntries(context.Background(), kassa.EntryFilter{Account: key, Before: before, Limit: 100})
		if err != nil {
			t.Fatalf("list entries: %v", err)
		}
		all = append(all, page...)
		if len(page) < 100 {
			return all
		}
		before = page[len(page)-1].ID
	}
}

// checkLedger asserts that the account's entries sum to its balance, that
// every BalanceAfter is the running sum, and that Verify finds nothing.
func checkLedger(t testing.TB, db *sqlite.DB, key string) {
	t.Helper()
	entries := entriesOf(t, db, key)
	var sum kassa.Amount
	for i := len(entries) - 1; i >= 0; i-- {
		sum += entries[i].Amount
		if entries[i].BalanceAfter != sum {
			t.Fatalf("entry %d: balance after %s, running sum %s", entries[i].ID, entries[i].BalanceAfter, sum)
		}
	}
	if b := balanceOf(t, db, key); b != sum {
		t.Fatalf("balance %s, entries sum %s", b, sum)
	}
	d, err := db.Verify(context.Background())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if len(d) != 0 {
		t.Fatalf("verify found discrepancies: %+v", d)
	}
	u, err := db.VerifyUsage(context.Background())
	if err != nil {
		t.Fatalf("verify usage: %v", err)
	}
	if len(u) != 0 {
		t.Fatalf("usage rollups differ from the entries: %+v", u)
	}
}

// wantCode fails unless err carries the domain error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := kassa.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// eurRating is a rating at a unit price in EUR.
func eurRating(price string) kassa.Rating {
	return kassa.Rating{Country: "GB", NetworkCode: "23410", NetworkName: "O2", NetworkType: kassa.Mobile,
		UnitPrice: kassa.MustParseAmount(price), Currency: kassa.EUR}
}

// failingStore wraps a real store to force failures: the transactions in
// which fail reports true are rolled back with an internal error after fn
// ran, as a disk or driver failure would.
type failingStore struct {
	kassa.LedgerStore
	mu   sync.Mutex
	fail func(tx *recordTx) bool
	// loseCommit, when it reports true, lets the transaction commit and
	// then reports an error, as a connection lost during COMMIT would.
	loseCommit func(tx *recordTx) bool
	txs        int
	failed     int
	// storeErrs counts transactions the store itself failed (deadlocks,
	// serialization failures, I/O), as opposed to refused operations.
	storeErrs int
	maxOps    int
	started   chan struct{}
	gate      chan struct{}
}

// recordTx records the accounts a transaction appended to.
type recordTx struct {
	kassa.LedgerTx
	appends []string
}

func (r *recordTx) Append(e *kassa.Entry) error {
	r.appends = append(r.appends, e.Account)
	return r.LedgerTx.Append(e)
}

var (
	errDisk       = errors.New("disk I/O error (forced)")
	errCommitLost = errors.New("connection lost during commit (forced)")
)

func (f *failingStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	f.mu.Lock()
	started, gate := f.started, f.gate
	first := f.txs == 0 && gate != nil
	f.mu.Unlock()
	if first {
		close(started)
		<-gate
	}
	lost := false
	err := f.LedgerStore.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		rec := &recordTx{LedgerTx: tx}
		err := fn(rec)
		f.mu.Lock()
		defer f.mu.Unlock()
		f.txs++
		f.maxOps = max(f.maxOps, len(rec.appends))
		if err == nil && f.fail != nil && f.fail(rec) {
			f.failed++
			return errDisk
		}
		if err == nil && f.loseCommit != nil && f.loseCommit(rec) {
			f.loseCommit = nil
			lost = true
		}
		return err
	})
	if lost {
		return errCommitLost
	}
	if code := kassa.ErrorCode(err); (code == kassa.EINTERNAL || code == kassa.EUNAVAILABLE) && !errors.Is(err, errDisk) {
		f.mu.Lock()
		f.storeErrs++
		f.mu.Unlock()
	}
	return err
}

// waitQueued waits until n operations wait for the ledger's writer.
func waitQueued(t testing.TB, l *charging.Ledger, n int) {
	t.Helper()
	for l.Queued() < n {
		time.Sleep(time.Millisecond)
	}
}
