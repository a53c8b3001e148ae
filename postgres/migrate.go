package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// LatestSchema is the newest schema version this binary knows: the number
// of the last file in migrations/. The numbering is the SQLite store's.
const LatestSchema = 4

// migrateLockKey is the first half of the advisory lock that serializes
// migrators; the second half is a hash of the schema, so that nodes
// migrating different schemas do not wait for each other.
const migrateLockKey = 0x6b617373 // "kass"

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order.
func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFiles, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number and an underscore", base)
		}
		text, err := migrationFiles.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: base, sql: string(text)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// ErrSchemaTooNew is wrapped by the error of Open and Migrate when the
// database's schema is newer than LatestSchema.
var ErrSchemaTooNew = errors.New("database schema is newer than this kassa binary supports")

// SchemaVersion returns the version of the newest migration applied to the
// database (0 for an empty one).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.pool)
}

func schemaVersion(ctx context.Context, q querier) (int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return 0, translate(fmt.Errorf("read schema version: %w", err))
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := q.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, translate(fmt.Errorf("read schema version: %w", err))
	}
	return v, nil
}

// tooNew is the error for a schema this binary does not know.
func tooNew(version int) error {
	return fmt.Errorf("%w: the schema is at version %d, this kassa knows up to %d: upgrade kassa",
		ErrSchemaTooNew, version, LatestSchema)
}

// checkSchema verifies, without changing anything, that the database is at
// exactly LatestSchema.
func (db *DB) checkSchema(ctx context.Context) error {
	v, err := db.SchemaVersion(ctx)
	switch {
	case err != nil:
		return err
	case v > LatestSchema:
		return tooNew(v)
	case v < LatestSchema:
		return fmt.Errorf("the database schema is at version %d and this kassa needs %d: run `kassa migrate` first", v, LatestSchema)
	}
	return nil
}

// Migrate applies every migration newer than the database's schema, each in
// its own transaction, and refuses a schema newer than LatestSchema. Several
// nodes may call it at once: each migration transaction first takes an
// advisory lock, then re-reads the version, so every migration runs exactly
// once.
func (db *DB) Migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range all {
		applied, err := db.apply(ctx, m)
		if err != nil {
			return err
		}
		if applied {
			db.log.Info("applied schema migration", "version", m.version, "name", m.name, "schema", db.schema)
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction under the
// migration lock, unless the database already has it. It reports whether it
// ran the migration.
func (db *DB) apply(ctx context.Context, m migration) (bool, error) {
	applied := false
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		const lock = "SELECT pg_advisory_xact_lock($1, hashtext(COALESCE(current_schema(), '')))"
		if _, err := tx.Exec(ctx, lock, migrateLockKey); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
			version    INTEGER     PRIMARY KEY,
			name       TEXT        NOT NULL,
			applied_at TIMESTAMPTZ NOT NULL)`
		if _, err := tx.Exec(ctx, create); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		current, err := schemaVersion(ctx, tx)
		if err != nil {
			return err
		}
		if current > LatestSchema {
			return tooNew(current)
		}
		if m.version <= current {
			return nil
		}
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return err
		}
		const record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
		if _, err := tx.Exec(ctx, record, m.version, m.name, db.txNow()); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, translate(fmt.Errorf("migration %s: %w", m.name, err))
	}
	return applied, nil
}
