package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
)

// store is what the commands need of either store: everything kassa keeps,
// plus the ledger check and the schema version.
type store interface {
	kassa.Store
	Verify(ctx context.Context) ([]kassa.Discrepancy, error)
	SchemaVersion(ctx context.Context) (int, error)
}

// storeKind names the store a --store value selects.
type storeKind int

const (
	storeSQLite storeKind = iota
	storePostgres
)

// parseStoreURL decides which store a --store value names: empty is the
// SQLite file in the data directory, a postgres:// or postgresql:// URL is
// PostgreSQL. Anything else is refused (the message never repeats the
// value: it may hold a password).
func parseStoreURL(raw string) (storeKind, error) {
	switch {
	case raw == "":
		return storeSQLite, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		if _, err := url.Parse(raw); err != nil {
			return 0, errors.New("--store (KASSA_STORE): not a valid URL")
		}
		return storePostgres, nil
	}
	return 0, errors.New("--store (KASSA_STORE): use a postgres:// or postgresql:// URL, or leave it empty for the SQLite file in --data")
}

// redactURL returns a store URL fit for a log line: the password replaced.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// storeOpen says which store to open and how.
type storeOpen struct {
	url       string // empty: SQLite in data
	data      string
	noMigrate bool // refuse an old schema instead of migrating it
	log       *slog.Logger
}

// describe names the store for people, without a password.
func (o storeOpen) describe() string {
	if o.url == "" {
		return "sqlite " + filepath.Join(o.data, dbFile)
	}
	return "postgres " + redactURL(o.url)
}

// openStore opens the store o names. Both stores refuse a schema newer than
// this binary; with noMigrate an older one is refused too, with a message
// that says to run `kassa migrate`.
func openStore(ctx context.Context, o storeOpen) (store, error) {
	kind, err := parseStoreURL(o.url)
	if err != nil {
		return nil, usageError("%s", err)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if kind == storePostgres {
		db, err := postgres.Open(ctx, o.url, postgres.Options{Logger: o.log, NoMigrate: o.noMigrate})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return db, nil
	}
	path := filepath.Join(o.data, dbFile)
	if o.noMigrate {
		if err := checkSQLiteSchema(ctx, path); err != nil {
			return nil, err
		}
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{Logger: o.log})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// checkSQLiteSchema verifies, read-only and without creating anything, that
// the database file at path is at exactly sqlite.LatestSchema.
func checkSQLiteSchema(ctx context.Context, path string) error {
	v, err := sqliteSchemaVersion(ctx, path)
	if err != nil {
		return err
	}
	switch {
	case v > sqlite.LatestSchema:
		return fmt.Errorf("the database schema is at version %d, this kassa knows up to %d: upgrade kassa", v, sqlite.LatestSchema)
	case v < sqlite.LatestSchema:
		return fmt.Errorf("--no-migrate: the database schema is at version %d and this kassa needs %d: run `kassa migrate` first", v, sqlite.LatestSchema)
	}
	return nil
}

// sqliteSchemaVersion reads the schema version of the file at path without
// changing it; 0 when the file or its migrations table does not exist.
func sqliteSchemaVersion(ctx context.Context, path string) (int, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	defer db.Close()
	var n int
	const exists = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if err := db.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	return v, nil
}

// latestSchema is the schema version this binary knows for the store kind.
func latestSchema(kind storeKind) int {
	if kind == storePostgres {
		return postgres.LatestSchema
	}
	return sqlite.LatestSchema
}
