package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestMigrationMovesPriceBookDataIntoChunks upgrades a schema-1 database
// holding price books: each version's one encoded blob becomes its only
// chunk (same bytes, same checksum), and the demo tariff is labelled demo
// for every service type.
func TestMigrationMovesPriceBookDataIntoChunks(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	all, err := migrations()
	if err != nil || all[0].Version != 1 {
		t.Fatalf("migrations: %v", err)
	}
	for _, stmt := range []string{
		"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
		all[0].SQL,
		"INSERT INTO schema_migrations VALUES (1, '0001_init.sql', 0)",
		"INSERT INTO price_books (name, demo, source, checksum, prices, data, created_at) VALUES ('demo tariff', 1, 'demo', 'c1', 3, x'1f8b0001', 1)",
		"INSERT INTO price_books (name, demo, source, checksum, prices, data, created_at) VALUES ('deck', 0, 'csv', 'c2', 2, x'1f8b0002ff', 2)",
	} {
		if _, err := raw.ExecContext(ctx, stmt); err != nil {
			t.Fatalf("%.60s: %v", stmt, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		version int64
		data    string
		demo    []kassa.ServiceType
	}{
		{1, "\x1f\x8b\x00\x01", kassa.ServiceTypes},
		{2, "\x1f\x8b\x00\x02\xff", nil},
	} {
		v, err := db.PriceBook(ctx, c.version)
		if err != nil {
			t.Fatal(err)
		}
		if v.Demo != (c.demo != nil) || !slices.Equal(v.DemoTypes, c.demo) {
			t.Errorf("version %d: Demo %v DemoTypes %v, want %v", c.version, v.Demo, v.DemoTypes, c.demo)
		}
		var chunks []string
		if err := db.ReadPriceBook(ctx, c.version, func(b []byte) error { chunks = append(chunks, string(b)); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(chunks) != 1 || chunks[0] != c.data {
			t.Errorf("version %d: chunks %q, want the old blob %q", c.version, chunks, c.data)
		}
	}
}
