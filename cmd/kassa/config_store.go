package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

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

// keyValueStart recognises a libpq key=value connection string
// ("host=db dbname=kassa").
var keyValueStart = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// errStoreValue is the refusal of a --store value (which it never repeats:
// it may hold a password).
var errStoreValue = errors.New("use a postgres:// or postgresql:// URL or a key=value connection string (host=… dbname=…), or leave it empty for the SQLite file in --data")

// parseStoreURL decides which store a --store value names: empty is the
// SQLite file in the data directory; a postgres:// or postgresql:// URL,
// or a key=value connection string that pgx parses, is PostgreSQL.
// Anything else is refused.
func parseStoreURL(raw string) (storeKind, error) {
	switch {
	case raw == "":
		return storeSQLite, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"), keyValueStart.MatchString(raw):
		if err := postgres.CheckURL(raw); err != nil {
			return 0, errors.New("the PostgreSQL connection string cannot be parsed: " + errStoreValue.Error())
		}
		return storePostgres, nil
	}
	return 0, errStoreValue
}

// storeOpen says which store to open and how.
type storeOpen struct {
	url        string // empty: SQLite in data
	data       string
	pepperFile string // --pepper-file (restore); empty: DATA/pepper
	noMigrate  bool   // refuse an old schema instead of migrating it
	readOnly   bool   // SQLite: read beside a running kassa serve (no lock, no migration)
	log        *slog.Logger
	now        func() time.Time // the store's clock; time.Now when nil
}

// sqlitePath is the SQLite database file in the data directory.
func (o storeOpen) sqlitePath() string { return filepath.Join(o.data, dbFile) }

// describe names the store for people, without a password.
func (o storeOpen) describe() string {
	if o.url == "" {
		return "sqlite " + o.sqlitePath()
	}
	return "postgres " + redactConnString(o.url)
}

// logger is o.log, or a logger that discards.
func (o storeOpen) logger() *slog.Logger {
	if o.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return o.log
}

// openStore opens the store o names. Both stores refuse a schema newer than
// this binary; with noMigrate an older one is refused too, with a message
// that says to run `kassa migrate`.
func openStore(ctx context.Context, o storeOpen) (store, error) {
	kind, err := parseStoreURL(o.url)
	if err != nil {
		return nil, usageError("--store (KASSA_STORE): %s", err)
	}
	if kind == storePostgres {
		db, err := postgres.Open(ctx, o.url, postgres.Options{Logger: o.logger(), NoMigrate: o.noMigrate, Now: o.now})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return db, nil
	}
	db, err := sqlite.Open(ctx, o.sqlitePath(), sqlite.Options{Logger: o.logger(), NoMigrate: o.noMigrate, ReadOnly: o.readOnly, Now: o.now})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// migrateStore brings the store o names to the latest schema and returns
// the versions before and after, and the latest this binary knows.
func migrateStore(ctx context.Context, o storeOpen) (before, after, latest int, err error) {
	kind, err := parseStoreURL(o.url)
	if err != nil {
		return 0, 0, 0, usageError("--store (KASSA_STORE): %s", err)
	}
	if kind == storePostgres {
		before, after, err = postgres.Migrate(ctx, o.url, postgres.Options{Logger: o.logger()})
		latest = postgres.LatestSchema
	} else {
		// As kassa serve does: a migration before the first start
		// creates the data directory.
		if err := os.MkdirAll(o.data, 0o700); err != nil {
			return 0, 0, sqlite.LatestSchema, fmt.Errorf("migrate %s: create data directory: %w", o.describe(), err)
		}
		before, after, err = sqlite.Migrate(ctx, o.sqlitePath(), sqlite.Options{Logger: o.logger()})
		latest = sqlite.LatestSchema
	}
	if err != nil {
		return before, after, latest, fmt.Errorf("migrate %s: %w", o.describe(), err)
	}
	return before, after, latest, nil
}
