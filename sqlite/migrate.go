package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"os"

	"github.com/kassa-dev/kassa/internal/schema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// LatestSchema is the newest schema version this binary knows: the number
// of the last file in migrations/. The numbering is the PostgreSQL store's.
const LatestSchema = 11

// ErrSchemaTooNew is wrapped by the error of Open and Migrate when the
// database has applied a migration this binary does not know (a newer
// kassa migrated it): upgrade kassa.
var ErrSchemaTooNew = schema.ErrTooNew

// ErrSchemaBehind is wrapped by the error of Open with Options.NoMigrate
// when the database lacks migrations this binary knows: run `kassa migrate`.
var ErrSchemaBehind = schema.ErrBehind

// migrations returns the embedded migrations in order.
func migrations() ([]schema.Migration, error) {
	return schema.Load(migrationFiles, "migrations")
}

// querier is what the pools and a transaction have in common.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SchemaVersion returns the version of the newest migration applied to the
// database (0 for an empty one).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	st, err := status(ctx, db.write)
	return st.Version, err
}

// Migrate brings the database file at path to LatestSchema, creating it
// when missing, and returns the schema version before and after. It is what
// `kassa migrate` runs; Open (without Options.NoMigrate) does the same.
func Migrate(ctx context.Context, path string, opts Options) (before, after int, err error) {
	st, err := readStatus(ctx, path)
	if err != nil {
		return 0, 0, err
	}
	if err := st.CheckNotNewer(); err != nil {
		return st.Version, 0, fmt.Errorf("migrate %s: %w", path, err)
	}
	opts.NoMigrate = false
	db, err := Open(ctx, path, opts)
	if err != nil {
		return st.Version, 0, err
	}
	defer db.Close()
	after, err = db.SchemaVersion(ctx)
	return st.Version, after, err
}

// readStatus compares the migrations applied to the database file at path
// with those this binary knows, read-only: it creates and changes
// nothing (a missing file is an empty database).
func readStatus(ctx context.Context, path string) (schema.Status, error) {
	all, err := migrations()
	if err != nil {
		return schema.Status{}, err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return schema.Compare(all, nil), nil
	}
	ro, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return schema.Status{}, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	defer ro.Close()
	st, err := status(ctx, ro)
	if err != nil {
		return schema.Status{}, fmt.Errorf("read schema version of %s: %w", path, err)
	}
	return st, nil
}

// status reads the applied migrations and compares them with the known
// ones; a database without schema_migrations has applied none.
func status(ctx context.Context, q querier) (schema.Status, error) {
	all, err := migrations()
	if err != nil {
		return schema.Status{}, err
	}
	applied, err := appliedVersions(ctx, q)
	if err != nil {
		return schema.Status{}, translate(fmt.Errorf("read schema version: %w", err))
	}
	return schema.Compare(all, applied), nil
}

// appliedVersions lists the versions in schema_migrations.
func appliedVersions(ctx context.Context, q querier) ([]int, error) {
	var n int
	const exists = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if err := q.QueryRowContext(ctx, exists).Scan(&n); err != nil || n == 0 {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// migrate applies every known migration the database lacks, in order, each
// in its own transaction, and refuses a database that a newer kassa
// migrated. Gaps are filled: a migration numbered below the newest applied
// one still runs when it was never applied.
func (db *DB) migrate(ctx context.Context) error {
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL)`
	if _, err := db.write.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	st, err := status(ctx, db.write)
	if err != nil {
		return err
	}
	if err := st.CheckNotNewer(); err != nil {
		return err
	}
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
			db.log.Info("applied schema migration", "version", m.Version, "name", m.Name, "path", db.path)
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction, unless the
// database has it already (another process may have applied it since the
// status was read: the write transaction serializes them). It reports
// whether it ran the migration.
func (db *DB) apply(ctx context.Context, m schema.Migration) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return false, fmt.Errorf("migration %s: %w", m.Name, err)
	}
	const record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)"
	if _, err := tx.ExecContext(ctx, record, m.Version, m.Name, toNanos(db.now())); err != nil {
		return false, fmt.Errorf("migration %s: record: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("migration %s: commit: %w", m.Name, err)
	}
	return true, nil
}
