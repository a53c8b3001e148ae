package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
)

func TestMigrateCreatesLatestSchema(t *testing.T) {
	db := openTestDB(t, nil)
	v, err := db.SchemaVersion(context.Background())
	if err != nil || v != LatestSchema {
		t.Fatalf("SchemaVersion = %d, %v; want %d", v, err, LatestSchema)
	}
	// Migrating again is a no-op.
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.pool.QueryRow(context.Background(), "SELECT count(*) FROM schema_migrations").Scan(&n); err != nil || n != len(all) {
		t.Fatalf("schema_migrations rows = %d, %v; want %d", n, err, len(all))
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	db := openSchema(t, base, schema, Options{})
	if _, err := db.pool.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'future.sql', now())", LatestSchema+1); err != nil {
		t.Fatal(err)
	}
	for _, noMigrate := range []bool{false, true} {
		_, err := Open(ctx, base, Options{Schema: schema, NoMigrate: noMigrate})
		if !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("Open(NoMigrate=%v) on a newer schema: err = %v, want ErrSchemaTooNew", noMigrate, err)
		}
		if !strings.Contains(err.Error(), "upgrade kassa") {
			t.Errorf("error %q does not tell the operator what to do", err)
		}
	}
	if err := db.Migrate(ctx); !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Migrate on a newer schema: err = %v, want ErrSchemaTooNew", err)
	}
}

func TestNoMigrateRefusesOldSchema(t *testing.T) {
	ctx := context.Background()
	_, err := Open(ctx, testkit.PostgresURL(t), Options{Schema: newSchema(t), NoMigrate: true})
	if err == nil || !strings.Contains(err.Error(), "kassa migrate") {
		t.Fatalf("Open(NoMigrate) on an empty schema: err = %v, want advice to run kassa migrate", err)
	}
	db := openSchema(t, testkit.PostgresURL(t), newSchema(t), Options{})
	again, err := Open(ctx, testkit.PostgresURL(t), Options{Schema: db.schema, NoMigrate: true})
	if err != nil {
		t.Fatalf("Open(NoMigrate) on a migrated schema: %v", err)
	}
	again.Close()
}

// Several nodes starting at once on an empty database: every Open succeeds
// and each migration runs exactly once.
func TestConcurrentMigrations(t *testing.T) {
	base, schema := testkit.PostgresURL(t), newSchema(t)
	const nodes = 6
	var wg sync.WaitGroup
	errs := make([]error, nodes)
	dbs := make([]*DB, nodes)
	for i := range nodes {
		wg.Go(func() {
			dbs[i], errs[i] = Open(context.Background(), base, Options{Schema: schema, MaxConns: 2})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: Open: %v", i, err)
		}
		defer dbs[i].Close()
	}
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	var rows, distinct int
	err = dbs[0].pool.QueryRow(context.Background(), "SELECT count(*), count(DISTINCT version) FROM schema_migrations").Scan(&rows, &distinct)
	if err != nil || rows != len(all) || distinct != len(all) {
		t.Fatalf("schema_migrations: %d rows, %d versions, %v; want %d of each", rows, distinct, err, len(all))
	}
	createAccount(t, dbs[nodes-1], "after-migrate", 5)
}

// TestMigrationsNumbering keeps LatestSchema in step with migrations/
// (numbers are unique, gaps are allowed) and with the SQLite store's.
func TestMigrationsNumbering(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if last := all[len(all)-1].Version; last != LatestSchema || LatestSchema != sqlite.LatestSchema {
		t.Fatalf("last migration %d, LatestSchema = %d, SQLite's %d", last, LatestSchema, sqlite.LatestSchema)
	}
}

// TestMigrateFillsGap: a database that lacks a migration below its newest
// one (features land in any order: 0003 may reach a database before 0002
// exists) is refused by NoMigrate, naming the migration and `kassa
// migrate`; Migrate applies exactly the missing one and reports the
// versions.
func TestMigrateFillsGap(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	db := openSchema(t, base, schema, Options{})
	if _, err := db.pool.Exec(ctx, "DROP TABLE meta; DELETE FROM schema_migrations WHERE version = 3"); err != nil {
		t.Fatal(err)
	}
	// A number in a gap that this binary does not know (another binary's
	// migration) makes the schema newer.
	if unknown := unknownGap(t); unknown > 0 {
		if _, err := db.pool.Exec(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'other.sql', now())", unknown); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(ctx, base, Options{Schema: schema, NoMigrate: true}); !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("unknown migration %d: %v", unknown, err)
		}
		if _, err := db.pool.Exec(ctx, "DELETE FROM schema_migrations WHERE version = $1", unknown); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Open(ctx, base, Options{Schema: schema, NoMigrate: true})
	if !errors.Is(err, ErrSchemaBehind) || !strings.Contains(err.Error(), "migration 3 not applied") || !strings.Contains(err.Error(), "run `kassa migrate`") {
		t.Fatalf("NoMigrate on a database without 0003: %v", err)
	}
	before, after, err := Migrate(ctx, base, Options{Schema: schema})
	if err != nil || before != LatestSchema || after != LatestSchema {
		t.Fatalf("Migrate = %d, %d, %v; want %d (the newest applied) to %d", before, after, err, LatestSchema, LatestSchema)
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != LatestSchema {
		t.Fatalf("SchemaVersion = %d, %v", v, err)
	}
	again, err := Open(ctx, base, Options{Schema: schema, NoMigrate: true})
	if err != nil {
		t.Fatalf("NoMigrate after Migrate: %v", err)
	}
	defer again.Close()
	if v, err := again.EnsureMeta(ctx, "k", "v"); err != nil || v != "v" {
		t.Errorf("the meta table after the gap was filled: %q, %v", v, err)
	}
	if before, after, err := Migrate(ctx, base, Options{Schema: schema}); err != nil || before != LatestSchema || after != LatestSchema {
		t.Errorf("second Migrate = %d, %d, %v", before, after, err)
	}
}

// TestMigrateFreshSchema: Migrate creates Options.Schema and reports 0
// before.
func TestMigrateFreshSchema(t *testing.T) {
	before, after, err := Migrate(context.Background(), testkit.PostgresURL(t), Options{Schema: newSchema(t)})
	if err != nil || before != 0 || after != LatestSchema {
		t.Fatalf("Migrate = %d, %d, %v; want 0, %d", before, after, err, LatestSchema)
	}
}

// unknownGap returns a number below LatestSchema that no migration file
// has, 0 when there is none.
func unknownGap(t *testing.T) int {
	t.Helper()
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	known := map[int]bool{}
	for _, m := range all {
		known[m.Version] = true
	}
	for v := 1; v < LatestSchema; v++ {
		if !known[v] {
			return v
		}
	}
	return 0
}
