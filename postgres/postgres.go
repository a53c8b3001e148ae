package postgres

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kassa-dev/kassa"
)

var (
	_ kassa.Store            = (*DB)(nil)
	_ kassa.PriceBookWatcher = (*DB)(nil)
)

// DefaultMaxConns is the pool size when neither Options.MaxConns nor the
// URL's pool_max_conns sets one.
const DefaultMaxConns = 16

// Options configure a DB. The zero value is usable.
type Options struct {
	// Now is the store's clock, read once per write transaction and
	// truncated to microseconds (the precision of timestamptz); time.Now
	// when nil.
	Now func() time.Time
	// Logger receives migration, durability and reconnection messages;
	// discarded when nil.
	Logger *slog.Logger
	// Schema, when set, is the search_path of every connection: the store's
	// tables live in that schema, which Open creates when missing. Tests use
	// it to give each test a fresh schema. With NoMigrate the schema must
	// already exist.
	Schema string
	// NoMigrate makes Open check that the schema is exactly LatestSchema
	// instead of migrating it (for `kassa serve` when the operator runs
	// `kassa migrate` explicitly).
	NoMigrate bool
	// MaxConns is the pool size; when 0, the URL's pool_max_conns or
	// DefaultMaxConns.
	MaxConns int32

	// tracer sees every statement (tests count the statements of a call).
	tracer pgx.QueryTracer
}

// DB is an open kassa PostgreSQL store. It implements kassa.Store and
// kassa.PriceBookWatcher and is safe for concurrent use.
type DB struct {
	pool         *pgxpool.Pool
	listenConfig *pgx.ConnConfig // the configuration of the LISTEN connection
	now          func() time.Time
	log          *slog.Logger
	schema       string
	totals       *entryTotals // the totals of recent entry listings, by account
}

// querier is what a pool, a connection and a transaction have in common.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string), checks that commits are durable, applies the pending
// migrations (or, with NoMigrate, checks that there are none) and returns
// the store. It always refuses a schema newer than this binary knows
// (ErrSchemaTooNew).
func Open(ctx context.Context, url string, opts Options) (*DB, error) {
	db, err := connect(ctx, url, opts)
	if err != nil {
		return nil, err
	}
	if err := db.start(ctx, opts.NoMigrate); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	return db, nil
}

// connect opens the pool, without checking or migrating anything.
func connect(ctx context.Context, url string, opts Options) (*DB, error) {
	cfg, err := poolConfig(url, opts)
	if err != nil {
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	db := &DB{now: opts.Now, log: opts.Logger, schema: opts.Schema, listenConfig: cfg.ConnConfig.Copy(), totals: newEntryTotals()}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if db.pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
		return nil, fmt.Errorf("open postgres store: %w", translate(err))
	}
	return db, nil
}

// CheckURL reports whether url is a connection string this store can use
// (a postgres:// URL or key=value settings such as "host=db dbname=kassa"),
// without connecting. The error never repeats url: it may hold a password.
func CheckURL(url string) error {
	_, err := poolConfig(url, Options{})
	return err
}

// poolConfig parses url and sets what every kassa connection needs: a
// durable synchronous_commit and, when asked, the search_path.
func poolConfig(url string, opts Options) (*pgxpool.Config, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors can quote the URL, password included.
		return nil, kassa.Errorf(kassa.EINVALID, "the PostgreSQL connection URL cannot be parsed")
	}
	switch {
	case opts.MaxConns > 0:
		cfg.MaxConns = opts.MaxConns
	case !hasPoolMaxConns(url):
		cfg.MaxConns = DefaultMaxConns
	}
	params := cfg.ConnConfig.RuntimeParams
	params["synchronous_commit"] = "on"
	if opts.Schema != "" {
		params["search_path"] = pgx.Identifier{opts.Schema}.Sanitize()
	}
	params["application_name"] = applicationName(params["application_name"])
	if opts.tracer != nil {
		cfg.ConnConfig.Tracer = opts.tracer
	}
	return cfg, nil
}

// start checks durability, then either checks the schema version
// (noMigrate) or creates the schema if asked and migrates.
func (db *DB) start(ctx context.Context, noMigrate bool) error {
	if err := db.checkDurability(ctx); err != nil {
		return err
	}
	if noMigrate {
		// Nothing is created in this mode: the role may lack the privilege.
		return db.checkSchema(ctx)
	}
	if err := db.createSchema(ctx); err != nil {
		return err
	}
	return db.Migrate(ctx)
}

// createSchema creates Options.Schema when it is missing, under the
// migration lock so that nodes starting at once do not race.
func (db *DB) createSchema(ctx context.Context) error {
	if db.schema == "" {
		return nil
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", migrateLockKey, db.schema); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{db.schema}.Sanitize())
		return err
	})
	if err != nil {
		return translate(fmt.Errorf("create schema %s: %w", db.schema, err))
	}
	return nil
}

// Ping checks that the database answers; EUNAVAILABLE if not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return translate(fmt.Errorf("ping: %w", err))
	}
	return nil
}

// Close releases every connection of the pool. Later calls fail with
// EUNAVAILABLE; closing twice is harmless.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// txNow reads the store clock for one transaction, at the precision that
// timestamptz keeps, so that what is written reads back equal.
func (db *DB) txNow() time.Time {
	return db.now().Truncate(time.Microsecond).UTC()
}

// ceilMicro rounds t up to the next microsecond, for comparisons with
// stored times: stored >= t and stored < t hold exactly when they hold for
// ceilMicro(t), which timestamptz can represent.
func ceilMicro(t time.Time) time.Time {
	f := t.Truncate(time.Microsecond)
	if f.Before(t) {
		return f.Add(time.Microsecond)
	}
	return f
}
