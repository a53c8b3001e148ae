package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// findBalance is FindBalance's balance, failing the test on error.
func findBalance(t *testing.T, db *sqlite.DB, key string) kassa.BalanceView {
	t.Helper()
	v, err := db.FindBalance(t.Context(), key)
	if err != nil {
		t.Fatalf("FindBalance %s: %v", key, err)
	}
	return v
}

// behindKassa changes a balance with a connection of its own, as the
// sqlite3 shell would: kassa's cache does not see it (that is what the
// writer lock is for), which shows when an answer came from the cache.
func behindKassa(t *testing.T, path, key string) {
	t.Helper()
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE accounts SET balance = balance + 100000000 WHERE api_key = ?`, key); err != nil {
		t.Fatal(err)
	}
}

// TestBalanceCacheInvalidation proves that FindBalance serves committed
// balances from memory and that every commit invalidates them: a ledger
// commit publishes the new balance, a rolled-back ledger transaction
// changes nothing, any other write, and a restore, start over from the
// file.
func TestBalanceCacheInvalidation(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MustCreateAccount(t, db, "cache001", kassa.MustParseAmount("10"))
	storetest.MustCreateAccount(t, db, "cache002", kassa.MustParseAmount("3"))
	if err := db.Backup(ctx, filepath.Join(dir, "before.db")); err != nil {
		t.Fatal(err)
	}
	if v := findBalance(t, db, "cache001"); v.Balance != kassa.MustParseAmount("10") {
		t.Fatalf("balance = %s, want 10", v.Balance)
	}

	// Served from memory: a change behind kassa's back does not show.
	behindKassa(t, path, "cache001")
	if v := findBalance(t, db, "cache001"); v.Balance != kassa.MustParseAmount("10") {
		t.Fatalf("balance after a change behind kassa = %s; want the cached 10 (is the cache used?)", v.Balance)
	}

	// A charge publishes the balance it committed (the file now holds
	// 11 - 2.5 = 8.5 because of the change behind kassa's back; the
	// published value is the one the ledger computed from the file).
	storetest.MustAppend(t, db, "cache001", kassa.KindDebit, kassa.MustParseAmount("-2.5"))
	if v := findBalance(t, db, "cache001"); v.Balance != kassa.MustParseAmount("8.5") {
		t.Errorf("balance after a charge = %s, want 8.5", v.Balance)
	}

	// A ledger transaction that rolls back publishes nothing.
	boom := errors.New("boom")
	err = db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.Append(&kassa.Entry{Account: "cache001", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("-1")}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InLedgerTx = %v, want boom", err)
	}
	if v := findBalance(t, db, "cache001"); v.Balance != kassa.MustParseAmount("8.5") {
		t.Errorf("balance after a rolled-back debit = %s, want 8.5", v.Balance)
	}

	// A write other than the ledger (auto-reload turned on) starts over:
	// the new flag shows.
	findBalance(t, db, "cache002")
	on := kassa.AutoReload{Enabled: true, Trx: "trx-1", Amount: kassa.MustParseAmount("10"), Threshold: kassa.MustParseAmount("1"), DailyCap: 3}
	if _, err := db.UpdateAccount(ctx, "cache002", kassa.AccountUpdate{AutoReload: &on}); err != nil {
		t.Fatal(err)
	}
	if v := findBalance(t, db, "cache002"); !v.AutoReload || v.Balance != kassa.MustParseAmount("3") {
		t.Errorf("after turning auto-reload on: %+v, want it on and balance 3", v)
	}

	// A restore replaces everything: the backup's balances show.
	if err := db.Restore(ctx, filepath.Join(dir, "before.db")); err != nil {
		t.Fatal(err)
	}
	if v := findBalance(t, db, "cache001"); v.Balance != kassa.MustParseAmount("10") {
		t.Errorf("balance after a restore = %s, want the backup's 10", v.Balance)
	}
	if v := findBalance(t, db, "cache002"); v.AutoReload {
		t.Errorf("auto-reload after a restore: %+v, want the backup's (off)", v)
	}
}

// TestReadOnlyDoesNotCache: a read-only DB reads beside another writer, so
// it has no cache and sees that writer's commits.
func TestReadOnlyDoesNotCache(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	w, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	storetest.MustCreateAccount(t, w, "cache003", kassa.MustParseAmount("4"))
	ro, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if v := findBalance(t, ro, "cache003"); v.Balance != kassa.MustParseAmount("4") {
		t.Fatalf("balance = %s, want 4", v.Balance)
	}
	storetest.MustAppend(t, w, "cache003", kassa.KindDebit, kassa.MustParseAmount("-1"))
	if v := findBalance(t, ro, "cache003"); v.Balance != kassa.MustParseAmount("3") {
		t.Errorf("read-only balance after the writer's debit = %s, want 3", v.Balance)
	}
}

// TestBalanceCacheConcurrent runs debits and FindBalance at once; after
// every acknowledged debit FindBalance returns exactly the ledger's
// balance, and at the end the ledger verifies (go test -race covers the
// cache's locking).
func TestBalanceCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MustCreateAccount(t, db, "cache004", kassa.MustParseAmount("1000"))
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 2000; i++ {
			if _, err := db.FindBalance(ctx, "cache004"); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i := 0; i < 200; i++ {
		e := storetest.MustAppend(t, db, "cache004", kassa.KindDebit, kassa.MustParseAmount("-1"))
		if v := findBalance(t, db, "cache004"); v.Balance != e.BalanceAfter {
			t.Fatalf("after debit %d: FindBalance = %s, ledger says %s", i, v.Balance, e.BalanceAfter)
		}
	}
	<-done
	storetest.MustVerify(t, db)
}

// entriesTotal is the total ListEntries reports for the account's entries
// (a keyset page after the first, as the admin API asks for it).
func entriesTotal(t *testing.T, db *sqlite.DB, key string, before int64) int {
	t.Helper()
	_, total, err := db.ListEntries(t.Context(), kassa.EntryFilter{Account: key, Before: before, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	return total
}

// TestEntryTotalsCacheInvalidation proves that the pages after the first
// take the entries' total from memory, and that every commit that changes
// the account's ledger (or anything, for other writes) drops it.
func TestEntryTotalsCacheInvalidation(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MustCreateAccount(t, db, "total001", kassa.MustParseAmount("10"))
	storetest.MustCreateAccount(t, db, "total002", kassa.MustParseAmount("10"))
	for range 4 {
		storetest.MustAppend(t, db, "total001", kassa.KindDebit, kassa.MustParseAmount("-1"))
	}
	if n := entriesTotal(t, db, "total001", 0); n != 5 {
		t.Fatalf("total = %d, want 5", n)
	}
	// From memory: an entry written behind kassa's back does not count.
	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`INSERT INTO entries (account, kind, amount, balance_after, created_at) VALUES ('total001', 'credit', 0, 6, 1)`); err != nil {
		t.Fatal(err)
	}
	if n := entriesTotal(t, db, "total001", 1000); n != 5 {
		t.Fatalf("total on the next page = %d; want the cached 5 (is the cache used?)", n)
	}
	// Another account's commit leaves it; this account's drops it.
	storetest.MustAppend(t, db, "total002", kassa.KindDebit, kassa.MustParseAmount("-1"))
	if n := entriesTotal(t, db, "total001", 1000); n != 5 {
		t.Errorf("total after another account's commit = %d, want the cached 5", n)
	}
	storetest.MustAppend(t, db, "total001", kassa.KindDebit, kassa.MustParseAmount("-1"))
	if n := entriesTotal(t, db, "total001", 1000); n != 7 {
		t.Errorf("total after a commit to the account = %d, want 7 (recounted)", n)
	}
	// A rolled-back transaction changes nothing.
	boom := errors.New("boom")
	if err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.Append(&kassa.Entry{Account: "total001", Kind: kassa.KindDebit, Amount: -1}); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := entriesTotal(t, db, "total001", 0); n != 7 {
		t.Errorf("total after a rollback = %d, want 7", n)
	}
	// Any other write starts over.
	if _, err := raw.Exec(`INSERT INTO entries (account, kind, amount, balance_after, created_at) VALUES ('total001', 'credit', 0, 6, 2)`); err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateAccount(t, db, "total003", 0)
	if n := entriesTotal(t, db, "total001", 0); n != 8 {
		t.Errorf("total after another write = %d, want 8 (recounted)", n)
	}
	// Filters count apart.
	_, n, err := db.ListEntries(ctx, kassa.EntryFilter{Account: "total001", Kinds: []kassa.EntryKind{kassa.KindCredit}})
	if err != nil || n != 3 {
		t.Errorf("credits of total001: %d, %v; want 3", n, err)
	}
}
