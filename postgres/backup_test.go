package postgres

import (
	"context"
	"net/url"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// The backup and restore procedure of docs/storage-postgres.md works: a
// pg_dump taken while the store is in use, restored with pg_restore into an
// empty database, verifies clean, has the same balances and entries, and
// keeps working (new entries get new ids, the active price book is the
// same).
func TestBackupRestoreWithPgDump(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("skipping: %s is not installed", tool)
		}
	}
	src := openSchema(t, base, schema, Options{})
	createAccount(t, src, "acc-1", 1000)
	createAccount(t, src, "acc-2", 500)
	for i := range 5 {
		if err := debit(ctx, src, "acc-1", kassa.Amount(10*(i+1)), ""); err != nil {
			t.Fatal(err)
		}
	}
	v := createPriceBook(t, src)
	if err := src.ActivatePriceBook(ctx, v, time.Time{}); err != nil {
		t.Fatal(err)
	}
	wantEntries, wantTotal, err := src.ListEntries(ctx, kassa.EntryFilter{})
	if err != nil {
		t.Fatal(err)
	}

	dump := filepath.Join(t.TempDir(), "kassa.dump")
	run(t, "pg_dump", "--format=custom", "--no-owner", "--schema="+schema, "--file="+dump, base)
	restored := emptyDatabase(t, base, schema)
	run(t, "pg_restore", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname="+restored, dump)

	dst := openSchema(t, restored, schema, Options{NoMigrate: true})
	verifyClean(t, dst)
	for _, key := range []string{"acc-1", "acc-2"} {
		a, _ := src.FindAccount(ctx, key)
		b, err := dst.FindAccount(ctx, key)
		if err != nil || b.Balance != a.Balance {
			t.Fatalf("restored %s = %+v, %v; want balance %s", key, b, err, a.Balance)
		}
	}
	gotEntries, gotTotal, err := dst.ListEntries(ctx, kassa.EntryFilter{})
	if err != nil || gotTotal != wantTotal || len(gotEntries) != len(wantEntries) || gotEntries[0].ID != wantEntries[0].ID {
		t.Fatalf("restored entries: %d (total %d), %v; want %d (total %d)", len(gotEntries), gotTotal, err, len(wantEntries), wantTotal)
	}
	if err := debit(ctx, dst, "acc-2", 1, "after-restore"); err != nil {
		t.Fatalf("debit after restore: %v", err)
	}
	latest, _, err := dst.ListEntries(ctx, kassa.EntryFilter{Limit: 1})
	if err != nil || latest[0].ID <= wantEntries[0].ID {
		t.Fatalf("new entry after restore = %+v, %v; want an id above %d", latest, err, wantEntries[0].ID)
	}
	if pb, err := dst.ActivePriceBook(ctx, kassa.DefaultPlan, time.Now()); err != nil || pb.Version != v {
		t.Fatalf("active price book after restore = %+v, %v; want version %d", pb, err, v)
	}
	verifyClean(t, dst)
}

// run runs a command and fails the test with its output on error.
func run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", name, err, out)
	}
}

// emptyDatabase creates a database for the test, drops it at the end, and
// returns base with the database name replaced.
func emptyDatabase(t *testing.T, base, schema string) string {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Skip("needs a postgres:// URL")
	}
	name := "kassa_r_" + schema[len("kassa_t_"):]
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Skipf("skipping: cannot create a database to restore into: %v", err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(context.Background(), base)
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), "DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
