package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa/internal/schema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// LatestSchema is the newest schema version this binary knows: the number
// of the last file in migrations/. The numbering is the SQLite store's.
const LatestSchema = 11

// migrateLockKey is the first half of the advisory lock that serializes
// migrators; the second half is a hash of the schema, so that nodes
// migrating different schemas do not wait for each other.
const migrateLockKey = 0x6b617373 // "kass"

// migrations returns the embedded migrations in order.
func migrations() ([]schema.Migration, error) {
	return schema.Load(migrationFiles, "migrations")
}

// ErrSchemaTooNew is wrapped by the error of Open and Migrate when the
// database has applied a migration this binary does not know (a newer kassa
// migrated it): upgrade kassa.
var ErrSchemaTooNew = schema.ErrTooNew

// ErrSchemaBehind is wrapped by the error of Open with Options.NoMigrate
// when the database lacks migrations this binary knows: run `kassa migrate`.
var ErrSchemaBehind = schema.ErrBehind

// SchemaVersion returns the version of the newest migration applied to the
// database (0 for an empty one).
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	st, err := status(ctx, db.pool)
	return st.Version, err
}

// status compares the database's applied migrations with the known ones.
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

// appliedVersions lists the versions in schema_migrations (none when the
// table does not exist).
func appliedVersions(ctx context.Context, q querier) ([]int, error) {
	var exists bool
	if err := q.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil || !exists {
		return nil, err
	}
	rows, err := q.Query(ctx, "SELECT version FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[int])
}

// checkSchema verifies, without changing anything, that the database is at
// exactly this binary's schema.
func (db *DB) checkSchema(ctx context.Context) error {
	st, err := status(ctx, db.pool)
	if err != nil {
		return err
	}
	return st.CheckCurrent()
}

// Migrate connects to the database at url, brings it to LatestSchema
// (creating Options.Schema when set) and returns the schema version before
// and after. It is what `kassa migrate` runs; Open (without
// Options.NoMigrate) does the same.
func Migrate(ctx context.Context, url string, opts Options) (before, after int, err error) {
	db, err := connect(ctx, url, opts)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	if before, err = db.SchemaVersion(ctx); err != nil {
		return 0, 0, err
	}
	if err := db.createSchema(ctx); err != nil {
		return before, 0, err
	}
	if err := db.Migrate(ctx); err != nil {
		return before, 0, err
	}
	after, err = db.SchemaVersion(ctx)
	return before, after, err
}

// Migrate applies every known migration the database lacks, in order, each
// in its own transaction, and refuses a database that a newer kassa
// migrated. Gaps are filled: a migration numbered below the newest applied
// one still runs when it was never applied. Several nodes may call it at
// once: each migration transaction first takes an advisory lock, then
// re-reads the applied migrations, so every migration runs exactly once.
func (db *DB) Migrate(ctx context.Context) error {
	all, err := migrations()
	if err != nil {
		return err
	}
	for _, m := range all {
		applied, err := db.apply(ctx, all, m)
		if err != nil {
			return err
		}
		if applied {
			db.log.Info("applied schema migration", "version", m.Version, "name", m.Name, "schema", db.schema)
		}
	}
	return nil
}

// apply runs one migration and records it, in one transaction under the
// migration lock, unless the database already has it. It reports whether it
// ran the migration.
func (db *DB) apply(ctx context.Context, all []schema.Migration, m schema.Migration) (bool, error) {
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
		done, err := appliedVersions(ctx, tx)
		if err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		st := schema.Compare(all, done)
		if err := st.CheckNotNewer(); err != nil {
			return err
		}
		for _, v := range done {
			if v == m.Version {
				return nil
			}
		}
		if _, err := tx.Exec(ctx, m.SQL); err != nil {
			return err
		}
		const record = "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)"
		if _, err := tx.Exec(ctx, record, m.Version, m.Name, db.txNow()); err != nil {
			return fmt.Errorf("record: %w", err)
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, translate(fmt.Errorf("migration %s: %w", m.Name, err))
	}
	return applied, nil
}
