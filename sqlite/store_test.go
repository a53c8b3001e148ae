package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// TestReopenKeepsDataAndSchema closes and reopens a database: the data is
// there, and the migrations are not applied twice.
func TestReopenKeepsDataAndSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateAccount(t, db, "keep0001", kassa.MustParseAmount("12.5"))
	storetest.MustAppend(t, db, "keep0001", kassa.KindDebit, kassa.MustParseAmount("-2.5"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil || v != sqlite.LatestSchema {
		t.Errorf("SchemaVersion = %d, %v; want %d", v, err, sqlite.LatestSchema)
	}
	if b := storetest.MustBalance(t, db, "keep0001"); b != kassa.MustParseAmount("10") {
		t.Errorf("balance after reopen = %s, want 10", b)
	}
	storetest.MustVerify(t, db)
}

// TestRefusesNewerSchema marks a database as migrated by a future binary:
// Open must refuse it, naming both versions, and leave it untouched.
func TestRefusesNewerSchema(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	future := sqlite.LatestSchema + 41
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future.sql', 0)`, future); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	for _, noMigrate := range []bool{true, false} {
		db, err := sqlite.Open(ctx, path, sqlite.Options{NoMigrate: noMigrate})
		if !errors.Is(err, sqlite.ErrSchemaTooNew) {
			if db != nil {
				db.Close()
			}
			t.Fatalf("Open(NoMigrate=%v) accepted a database with a newer schema: %v", noMigrate, err)
		}
	}
	if _, _, err := sqlite.Migrate(ctx, path, sqlite.Options{}); !errors.Is(err, sqlite.ErrSchemaTooNew) {
		t.Fatalf("Migrate of a newer schema: %v", err)
	}
	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err == nil {
		db.Close()
		t.Fatal("Open accepted a database with a newer schema")
	}
	msg := err.Error()
	for _, want := range []string{fmt.Sprintf("version %d", future), fmt.Sprintf("up to %d", sqlite.LatestSchema), "newer", "upgrade kassa"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
}

// TestBackup copies the database while writers keep going: the copy opens,
// is at the latest schema and verifies.
func TestBackup(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	db := openTemp(t, time.Now)
	storetest.MustCreateAccount(t, db, "back0001", kassa.MustParseAmount("1000"))
	for range 20 {
		storetest.MustAppend(t, db, "back0001", kassa.KindDebit, kassa.MustParseAmount("-1"))
	}
	var wg sync.WaitGroup
	var writeErr error
	stop := make(chan struct{})
	wg.Add(1)
	go func() { // writes during the backup
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			writeErr = db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
				return tx.Append(&kassa.Entry{Account: "back0001", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("-0.01")})
			})
			if writeErr != nil {
				return
			}
		}
	}()
	dst := filepath.Join(dir, "backup.db")
	err := db.Backup(ctx, dst)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v", err)
	}
	if writeErr != nil {
		t.Fatalf("a write during the backup failed: %v", writeErr)
	}
	storetest.MustVerify(t, db)
	wantCode(t, db.Backup(ctx, dst), kassa.EINVALID) // never overwrites

	copyDB, err := sqlite.Open(ctx, dst, sqlite.Options{})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer copyDB.Close()
	storetest.MustVerify(t, copyDB)
	if v, err := copyDB.SchemaVersion(ctx); err != nil || v != sqlite.LatestSchema {
		t.Errorf("backup schema = %d, %v", v, err)
	}
	b := storetest.MustBalance(t, copyDB, "back0001")
	if b > kassa.MustParseAmount("980") || b < 0 {
		t.Errorf("backup balance = %s, want at most 980", b)
	}
	_, total, err := copyDB.ListEntries(ctx, kassa.EntryFilter{Account: "back0001"})
	if err != nil || total < 21 {
		t.Errorf("backup holds %d entries (%v), want at least 21", total, err)
	}
}

// TestAppendConflictKeepsTransaction: in SQLite a refused append changes
// nothing and the transaction can go on (the group-commit engine relies on
// this to keep the other operations of a batch).
func TestAppendConflictKeepsTransaction(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t, time.Now)
	storetest.MustCreateAccount(t, db, "cont0001", kassa.MustParseAmount("10"))
	err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		one := func(key string) error {
			return tx.Append(&kassa.Entry{Account: "cont0001", Kind: kassa.KindCharge, Amount: kassa.MustParseAmount("-1"), IdempotencyKey: key})
		}
		if err := one("a"); err != nil {
			return err
		}
		wantCode(t, one("a"), kassa.ECONFLICT)
		wantCode(t, tx.Append(&kassa.Entry{Account: "nobody00", Kind: kassa.KindCharge, Amount: -1}), kassa.ENOTFOUND)
		return one("b")
	})
	if err != nil {
		t.Fatal(err)
	}
	if b := storetest.MustBalance(t, db, "cont0001"); b != kassa.MustParseAmount("8") {
		t.Errorf("balance = %s, want 8", b)
	}
	storetest.MustVerify(t, db)
}

// TestBusyIsUnavailable holds the write lock from another connection: the
// store gives up after its busy timeout with EUNAVAILABLE.
func TestBusyIsUnavailable(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{BusyTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MustCreateAccount(t, db, "busy0001", 0)
	other, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	err = db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		return tx.Append(&kassa.Entry{Account: "busy0001", Kind: kassa.KindCredit, Amount: 1})
	})
	wantCode(t, err, kassa.EUNAVAILABLE)
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	storetest.MustAppend(t, db, "busy0001", kassa.KindCredit, 1) // works again
}

func TestOpenRefusesBadPaths(t *testing.T) {
	for _, p := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro", filepath.Join(t.TempDir(), "missing", "dir", "kassa.db")} {
		db, err := sqlite.Open(context.Background(), p, sqlite.Options{})
		if err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
	if _, err := os.Stat("x.db"); err == nil {
		t.Error("Open left x.db behind")
	}
}

// TestCancelledContext: a transaction asked for with a dead context does
// not run.
func TestCancelledContext(t *testing.T) {
	db := openTemp(t, time.Now)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ran := false
	err := db.InLedgerTx(ctx, func(kassa.LedgerTx) error { ran = true; return nil })
	if err == nil || ran {
		t.Errorf("InLedgerTx with a cancelled context: err %v, ran %v", err, ran)
	}
	wantCode(t, err, kassa.EUNAVAILABLE)
}

func wantCode(t testing.TB, err error, want string) {
	t.Helper()
	if got := kassa.ErrorCode(err); got != want {
		t.Errorf("error code = %q (%v), want %q", got, err, want)
	}
}

// TestVerifyDetectsTampering changes a balance behind the ledger's back:
// Verify must name the account and both amounts.
func TestVerifyDetectsTampering(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	storetest.MustCreateAccount(t, db, "tamp0001", kassa.MustParseAmount("5"))
	storetest.MustCreateAccount(t, db, "tamp0002", 0)
	storetest.MustCreateAccount(t, db, "tamp0003", kassa.MustParseAmount("1"))
	storetest.MustAppend(t, db, "tamp0001", kassa.KindDebit, kassa.MustParseAmount("-1"))
	storetest.MustVerify(t, db)

	raw, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec(`UPDATE accounts SET balance = balance + 7 WHERE api_key IN ('tamp0001', 'tamp0002')`); err != nil {
		t.Fatal(err)
	}
	got, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []kassa.Discrepancy{
		{Account: "tamp0001", Balance: kassa.MustParseAmount("4") + 7, EntriesSum: kassa.MustParseAmount("4"), Entries: 2},
		{Account: "tamp0002", Balance: 7, EntriesSum: 0, Entries: 0},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Verify = %+v, want %+v", got, want)
	}
}

// TestAppendOverflowChangesNothing pushes a balance past the range of an
// Amount: the append is refused and the balance stays.
func TestAppendOverflowChangesNothing(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t, time.Now)
	storetest.MustCreateAccount(t, db, "over0001", kassa.MaxAmount-1)
	err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		return tx.Append(&kassa.Entry{Account: "over0001", Kind: kassa.KindCredit, Amount: 2})
	})
	wantCode(t, err, kassa.EINVALID)
	if b := storetest.MustBalance(t, db, "over0001"); b != kassa.MaxAmount-1 {
		t.Errorf("balance = %d, want %d", b, kassa.MaxAmount-1)
	}
	storetest.MustVerify(t, db)
}

// TestPanicRollsBack: a panic inside InLedgerTx must not keep the write
// connection, nor leave the transaction's writes behind.
func TestPanicRollsBack(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t, time.Now)
	storetest.MustCreateAccount(t, db, "pani0001", 0)
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic did not reach the caller")
			}
		}()
		_ = db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			if err := tx.Append(&kassa.Entry{Account: "pani0001", Kind: kassa.KindCredit, Amount: 5}); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	storetest.MustAppend(t, db, "pani0001", kassa.KindCredit, 1) // the write connection is free
	if b := storetest.MustBalance(t, db, "pani0001"); b != 1 {
		t.Errorf("balance = %d, want 1 (the panicking transaction rolled back)", b)
	}
	storetest.MustVerify(t, db)
}

// TestPageSizes: Limit 0 is the default page, and a limit above the
// maximum is cut to it.
func TestPageSizes(t *testing.T) {
	ctx := t.Context()
	db := openTemp(t, time.Now)
	storetest.MustCreateAccount(t, db, "page0001", 0)
	const n = sqlite.MaxPageSize + 1
	err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		for range n {
			if err := tx.Append(&kassa.Entry{Account: "page0001", Kind: kassa.KindCredit, Amount: 1}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ limit, want int }{{0, sqlite.DefaultPageSize}, {7, 7}, {n + 500, sqlite.MaxPageSize}} {
		list, total, err := db.ListEntries(ctx, kassa.EntryFilter{Account: "page0001", Limit: c.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != c.want || total != n {
			t.Errorf("limit %d: %d entries, total %d; want %d, total %d", c.limit, len(list), total, c.want, n)
		}
	}
}

// TestMigrateFillsGap: a database that lacks a migration (one written
// before 0003 existed) is refused by NoMigrate, naming the migration and
// `kassa migrate`, and left as it was; Migrate applies the missing one and
// reports the versions; a missing file is refused by NoMigrate and not
// created.
func TestMigrateFillsGap(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.db")
	if _, err := sqlite.Open(ctx, missing, sqlite.Options{NoMigrate: true}); !errors.Is(err, sqlite.ErrSchemaBehind) {
		t.Fatalf("NoMigrate on a missing file: %v", err)
	}
	if _, err := os.Stat(missing); !os.IsNotExist(err) {
		t.Fatalf("NoMigrate created the file: %v", err)
	}

	path := filepath.Join(dir, "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateAccount(t, db, "gap00001", kassa.MustParseAmount("3"))
	db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("DROP TABLE meta; DELETE FROM schema_migrations WHERE version = 3"); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	_, err = sqlite.Open(ctx, path, sqlite.Options{NoMigrate: true})
	if !errors.Is(err, sqlite.ErrSchemaBehind) || !strings.Contains(err.Error(), "migration 3 not applied") || !strings.Contains(err.Error(), "run `kassa migrate`") {
		t.Fatalf("NoMigrate on a database without 0003: %v", err)
	}
	before, after, err := sqlite.Migrate(ctx, path, sqlite.Options{})
	if err != nil || before != sqlite.LatestSchema || after != sqlite.LatestSchema {
		t.Fatalf("Migrate = %d, %d, %v; want %d (the newest applied) to %d", before, after, err, sqlite.LatestSchema, sqlite.LatestSchema)
	}
	db, err = sqlite.Open(ctx, path, sqlite.Options{NoMigrate: true})
	if err != nil {
		t.Fatalf("NoMigrate after Migrate: %v", err)
	}
	defer db.Close()
	if b := storetest.MustBalance(t, db, "gap00001"); b != kassa.MustParseAmount("3") {
		t.Errorf("balance after the migration: %s", b)
	}
	if v, err := db.EnsureMeta(ctx, "k", "v"); err != nil || v != "v" {
		t.Errorf("the meta table after the gap was filled: %q, %v", v, err)
	}
}
