package postgres

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa/internal/testkit"
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

func TestMigrationsNumbering(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	// Numbers are shared with the SQLite store and reserved per piece of
	// work, so there may be gaps; never duplicates or disorder.
	for i, m := range all {
		if i > 0 && m.version <= all[i-1].version {
			t.Fatalf("migration %s has number %d after %d (duplicate or out of order)", m.name, m.version, all[i-1].version)
		}
	}
	if last := all[len(all)-1].version; last != LatestSchema {
		t.Fatalf("the last migration is %d, LatestSchema = %d", last, LatestSchema)
	}
}
