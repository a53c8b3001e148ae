package sqlite_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// TestSecondWriterRefused opens a database for writing twice: the second
// open fails with ErrLocked, naming the process in the lock file, and
// changes nothing; once the first closes, a new open works.
func TestSecondWriterRefused(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	first, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateAccount(t, first, "lock0001", kassa.MustParseAmount("5"))
	pid, err := os.ReadFile(sqlite.LockPath(path))
	if err != nil || strings.TrimSpace(string(pid)) != fmt.Sprint(os.Getpid()) {
		t.Fatalf("lock file = %q, %v; want this PID %d", pid, err, os.Getpid())
	}
	for _, opts := range []sqlite.Options{{}, {NoMigrate: true}} {
		second, err := sqlite.Open(ctx, path, opts)
		if err == nil {
			second.Close()
			t.Fatalf("second Open(%+v) succeeded while the first holds the database", opts)
		}
		if !errors.Is(err, sqlite.ErrLocked) {
			t.Errorf("second Open: %v; want ErrLocked", err)
		}
		if want := fmt.Sprintf("PID %d", os.Getpid()); !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), sqlite.LockPath(path)) {
			t.Errorf("second Open: %q; want it to name the lock file and %q", err, want)
		}
	}
	if _, _, err := sqlite.Migrate(ctx, path, sqlite.Options{}); !errors.Is(err, sqlite.ErrLocked) {
		t.Errorf("Migrate beside the writer: %v; want ErrLocked", err)
	}
	// The first is untouched by the refusals.
	if b := storetest.MustBalance(t, first, "lock0001"); b != kassa.MustParseAmount("5") {
		t.Errorf("balance = %s, want 5", b)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("Open after the first closed: %v", err)
	}
	defer again.Close()
	if b := storetest.MustBalance(t, again, "lock0001"); b != kassa.MustParseAmount("5") {
		t.Errorf("balance after reopen = %s, want 5", b)
	}
}

// TestReadOnlyBesideWriter opens a database read-only while a writer holds
// it (kassa verify and backup beside kassa serve): reads, Verify and Backup
// work, writes are refused and change nothing, and the writer is not
// disturbed.
func TestReadOnlyBesideWriter(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "kassa.db")
	w, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	storetest.MustCreateAccount(t, w, "read0001", kassa.MustParseAmount("7"))
	ro, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only Open beside the writer: %v", err)
	}
	defer ro.Close()
	if b := storetest.MustBalance(t, ro, "read0001"); b != kassa.MustParseAmount("7") {
		t.Errorf("read-only balance = %s, want 7", b)
	}
	storetest.MustVerify(t, ro)
	if err := ro.Backup(ctx, filepath.Join(dir, "copy.db")); err != nil {
		t.Errorf("Backup from a read-only DB: %v", err)
	}
	if err := ro.CreateAccount(ctx, &kassa.Account{APIKey: "read0002", Currency: "EUR"}, nil, nil); err == nil {
		t.Error("a read-only DB created an account")
	}
	storetest.MustCreateAccount(t, w, "read0003", kassa.MustParseAmount("1"))
	if b := storetest.MustBalance(t, ro, "read0003"); b != kassa.MustParseAmount("1") {
		t.Errorf("read-only DB sees %s of the writer's new account, want 1", b)
	}
	if _, err := w.FindAccount(ctx, "read0002"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("the refused write left an account: %v", err)
	}
}

// TestReadOnlyRefusesOldSchema: a read-only open never migrates, so a
// missing database is refused rather than created.
func TestReadOnlyRefusesOldSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kassa.db")
	if db, err := sqlite.Open(t.Context(), path, sqlite.Options{ReadOnly: true}); err == nil {
		db.Close()
		t.Fatal("read-only Open of a missing database succeeded")
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only Open created %s: %v", path, err)
	}
}
