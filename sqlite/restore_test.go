package sqlite_test

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// TestRestoreInPlace: a store restored from its own backup holds exactly
// what it held at the backup, on the read pool and on the write
// connection, with its prepared statements working, and keeps taking
// writes; the backup file is left as it was and can be restored again.
func TestRestoreInPlace(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	create := func(key, credit string) {
		t.Helper()
		opening := &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount(credit), Reason: "opening"}
		if err := db.CreateAccount(ctx, storetest.NewAccount(key), storetest.NewSecret(key), opening); err != nil {
			t.Fatal(err)
		}
	}
	create("before01", "10")
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := db.Backup(ctx, snap); err != nil {
		t.Fatal(err)
	}
	create("after001", "20")
	if _, err := db.FindAccount(ctx, "after001"); err != nil { // the prepared statement, before
		t.Fatal(err)
	}

	for round := range 2 {
		if err := db.Restore(ctx, snap); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if _, err := db.FindAccount(ctx, "after001"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
			t.Errorf("round %d: the account created after the backup: %v, want not found", round, err)
		}
		a, err := db.FindAccount(ctx, "before01")
		if err != nil || a.Balance != kassa.MustParseAmount("10") {
			t.Fatalf("round %d: the account of the backup: %+v %v", round, a, err)
		}
		if d, err := db.Verify(ctx); err != nil || len(d) != 0 {
			t.Errorf("round %d: verify after restore: %v %v", round, d, err)
		}
		create("after001", "30") // the same key again: it was restored away
		if a, err := db.FindAccount(ctx, "after001"); err != nil || a.Balance != kassa.MustParseAmount("30") {
			t.Errorf("round %d: written after the restore: %+v %v", round, a, err)
		}
	}
}

// TestRestoreUnderReaders: readers running while the store is restored
// see the old content or the new one, never an error or a mix.
func TestRestoreUnderReaders(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	opening := &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("10"), Reason: "opening"}
	if err := db.CreateAccount(ctx, storetest.NewAccount("reader01"), storetest.NewSecret("reader01"), opening); err != nil {
		t.Fatal(err)
	}
	snap := filepath.Join(t.TempDir(), "snap.db")
	if err := db.Backup(ctx, snap); err != nil {
		t.Fatal(err)
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var reads atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				a, err := db.FindAccount(ctx, "reader01")
				if err != nil {
					t.Errorf("read during restore: %v", err)
					return
				}
				if b := a.Balance.String(); b != "10.00000000" && b != "15.00000000" {
					t.Errorf("balance %s during restore, want 10 or 15", b)
					return
				}
				reads.Add(1)
			}
		}()
	}
	for range 20 {
		err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			if err := tx.LockAccounts("reader01"); err != nil {
				return err
			}
			return tx.Append(&kassa.Entry{Account: "reader01", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("5"), Reason: "more"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Restore(ctx, snap); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if reads.Load() == 0 {
		t.Fatal("no read ran")
	}
}
