package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// LatestSchema is the newest schema version this binary knows: the number
// of the last file in migrations/.
const LatestSchema = 4

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

// SchemaVersion returns the version of the newest migration applied to the
// database (0 for an empty one).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	return schemaVersion(ctx, db.write)
}

func schemaVersion(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	if err != nil {
		return 0, translate(fmt.Errorf("read schema version: %w", err))
	}
	return v, nil
}

// migrate applies every migration newer than the database's schema, each in
// its own transaction, and refuses a schema newer than LatestSchema.
func (db *DB) migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`
	if _, err := db.write.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	current, err := schemaVersion(ctx, db.write)
	if err != nil {
		return err
	}
	if current > LatestSchema {
		return fmt.Errorf("database schema version %d is newer than this kassa binary supports (version %d): upgrade kassa", current, LatestSchema)
	}
	all, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range all {
		if m.version <= current {
			continue
		}
		if err := db.apply(ctx, m); err != nil {
			return err
		}
		db.log.Info("applied schema migration", "version", m.version, "name", m.name, "path", db.path)
	}
	return nil
}

// apply runs one migration and records it, in one transaction.
func (db *DB) apply(ctx context.Context, m migration) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("migration %s: %w", m.name, err)
	}
	const record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
	if _, err := tx.ExecContext(ctx, record, m.version, m.name, toNanos(db.now())); err != nil {
		return fmt.Errorf("migration %s: record: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migration %s: commit: %w", m.name, err)
	}
	return nil
}
