package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

var _ kassa.Store = (*DB)(nil)

// driverName is the database/sql driver the store opens (tests wrap the
// driver to count statements).
var driverName = "sqlite"

// DefaultBusyTimeout is how long a connection waits for a lock held by
// another process before the operation fails with EUNAVAILABLE.
const DefaultBusyTimeout = 5 * time.Second

// Options configure a DB. The zero value is usable.
type Options struct {
	// Now is the store's clock, read once per write transaction; time.Now
	// when nil.
	Now func() time.Time
	// Logger receives migration and maintenance messages; discarded when nil.
	Logger *slog.Logger
	// BusyTimeout is how long to wait for a lock that another process
	// holds on the file; DefaultBusyTimeout when zero.
	BusyTimeout time.Duration
	// NoMigrate makes Open check, without creating or changing anything,
	// that the database is exactly at this binary's schema instead of
	// migrating it; an older one is refused with a message that says to run
	// `kassa migrate` (for `kassa serve --no-migrate`).
	NoMigrate bool
	// ReadOnly opens the database for reading beside the process that
	// writes it (kassa verify and kassa backup while kassa serve runs):
	// without the writer lock, without migrating (the schema must be
	// current, as with NoMigrate), and with every connection refusing
	// writes (PRAGMA query_only). A read-only DB's write methods fail.
	ReadOnly bool
}

// DB is an open kassa database. It implements kassa.Store and is safe for
// concurrent use.
type DB struct {
	path   string
	busy   time.Duration
	now    func() time.Time
	log    *slog.Logger
	write  *sql.DB // exactly one connection: every write serializes on it
	read   *sql.DB // a pool of connections for queries
	stmts  *ledgerStmts
	closed atomic.Bool
	// lock is the writer lock on the database (nil when ReadOnly): while
	// it is held no other process writes the file.
	lock     *dirLock
	readOnly bool
	// balances serves FindBalance from memory; nil (no cache) when
	// ReadOnly, since another process writes then.
	balances *balanceCache
	// totals keeps the totals of entry listings; nil when ReadOnly.
	totals *totalCache
	// plans serves AccountPlan from memory, as balances does FindBalance;
	// nil when read-only.
	plans *planCache

	// ckpt checkpoints the WAL in the background (nil when ReadOnly).
	ckpt *checkpointer

	// findAccount is FindAccount's query, prepared on the read pool: it
	// runs on every authenticated request, and preparing it each time was
	// most of its cost (about 120 µs of 140 µs on a 2-core machine).
	findAccount *sql.Stmt
	// findBalance is FindBalance's query, prepared on the read pool too
	// (get-balance runs it on every request).
	findBalance *sql.Stmt
}

// Open opens (creating it when missing) the database file at path, applies
// the pending migrations (or, with Options.NoMigrate, checks that there are
// none) and returns the store. It refuses a database whose schema is newer
// than this binary knows (ErrSchemaTooNew).
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, "file:") || strings.Contains(path, ":memory:") {
		return nil, fmt.Errorf("open sqlite store: %q is not a plain file path", path)
	}
	var lock *dirLock
	if !opts.ReadOnly {
		var err error
		if lock, err = lockWriter(path); err != nil {
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
	}
	if opts.NoMigrate || opts.ReadOnly {
		st, err := readStatus(ctx, path)
		if err == nil {
			err = st.CheckCurrent()
		}
		if err != nil {
			lock.release()
			return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
		}
	}
	db := &DB{path: path, busy: opts.BusyTimeout, now: opts.Now, log: opts.Logger, lock: lock, readOnly: opts.ReadOnly}
	if !opts.ReadOnly {
		db.balances = newBalanceCache()
		db.totals = newTotalCache()
		db.plans = newPlanCache()
	}
	if db.busy <= 0 {
		db.busy = DefaultBusyTimeout
	}
	if db.now == nil {
		db.now = time.Now
	}
	if db.log == nil {
		db.log = slog.New(slog.DiscardHandler)
	}
	if err := db.open(ctx, !opts.NoMigrate && !opts.ReadOnly); err != nil {
		db.closePools()
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	return db, nil
}

// open sets up both pools, migrates (when asked) and prepares the hot
// statements.
func (db *DB) open(ctx context.Context, migrate bool) error {
	var err error
	if db.write, err = sql.Open(driverName, dsn(db.path, "immediate", db.busy, db.readOnly)); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxLifetime(0)
	db.write.SetConnMaxIdleTime(0)
	if err = db.write.PingContext(ctx); err != nil {
		return err
	}
	if migrate {
		if err = db.migrate(ctx); err != nil {
			return err
		}
	}
	if !db.readOnly {
		if db.ckpt, err = startCheckpointer(db.path, db.busy, db.log); err != nil {
			return err
		}
	}
	if db.read, err = sql.Open(driverName, dsn(db.path, "deferred", db.busy, db.readOnly)); err != nil {
		return err
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	db.read.SetMaxOpenConns(readers)
	db.read.SetMaxIdleConns(readers)
	if db.findAccount, err = db.read.PrepareContext(ctx, findAccountSQL); err != nil {
		return fmt.Errorf("prepare statements: %w", err)
	}
	if db.findBalance, err = db.read.PrepareContext(ctx, findBalanceSQL); err != nil {
		return fmt.Errorf("prepare statements: %w", err)
	}
	if db.stmts, err = prepareLedgerStmts(ctx, db.write); err != nil {
		return fmt.Errorf("prepare statements: %w", err)
	}
	return nil
}

// dsn is the driver's data source name: the file path plus the pragmas that
// every connection runs with; a read-only DB's connections refuse writes
// (and do not set the journal mode, which the writer has set).
func dsn(path, txlock string, busy time.Duration, readOnly bool) string {
	s := path + "?_txlock=" + txlock +
		"&_pragma=busy_timeout(" + fmt.Sprint(busy.Milliseconds()) + ")"
	if readOnly {
		return s + "&_pragma=foreign_keys(ON)&_pragma=query_only(1)"
	}
	// wal_autocheckpoint(0): the checkpointer copies the WAL into the
	// file, off the path of the commits (checkpoint.go).
	return s + "&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)" +
		"&_pragma=wal_autocheckpoint(0)" +
		"&_pragma=foreign_keys(ON)"
}

// Ping checks that the database answers with a read of the file (the
// newest schema version), so that a file that can no longer be read is
// not ready; EUNAVAILABLE if not.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.usable(); err != nil {
		return err
	}
	var version int64
	err := db.read.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version)
	if err != nil {
		return translate(fmt.Errorf("ping: %w", err))
	}
	return nil
}

// Close releases the connections. Later calls on the DB fail with
// EUNAVAILABLE; closing twice is harmless.
func (db *DB) Close() error {
	if db.closed.Swap(true) {
		return nil
	}
	return db.closePools()
}

func (db *DB) closePools() error {
	var errs []error
	if db.stmts != nil {
		errs = append(errs, db.stmts.close())
	}
	if db.findAccount != nil {
		errs = append(errs, db.findAccount.Close())
	}
	if db.findBalance != nil {
		errs = append(errs, db.findBalance.Close())
	}
	errs = append(errs, db.ckpt.close())
	if db.read != nil {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	// Released after every connection is closed: the next writer finds
	// the file as this one left it.
	errs = append(errs, db.lock.release())
	return errors.Join(errs...)
}

// usable reports EUNAVAILABLE once the DB is closed.
func (db *DB) usable() error {
	if db.closed.Load() {
		return kassa.Errorf(kassa.EUNAVAILABLE, "the database is closed")
	}
	return nil
}

// inWriteTx runs fn in one write transaction on the write connection,
// committing when fn returns nil. now is read once for the transaction.
// After a commit the caches (balances, totals, plans) start over (such a write may
// change any account).
func (db *DB) inWriteTx(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error) error {
	return db.commitWrite(ctx, fn, db.resetCaches)
}

// resetCaches empties the caches that rely on the DB being the only writer
// (after a write that may have changed anything).
func (db *DB) resetCaches() {
	db.balances.reset()
	db.totals.reset()
	db.plans.reset()
}

// commitWrite runs fn in one write transaction and, once it has
// committed, calls committed before returning.
func (db *DB) commitWrite(ctx context.Context, fn func(tx *sql.Tx, now time.Time) error, committed func()) error {
	if err := db.usable(); err != nil {
		return err
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return translate(fmt.Errorf("begin: %w", err))
	}
	// Rolls back on an error and on a panic in fn, which would otherwise
	// keep the only write connection forever.
	defer tx.Rollback()
	if err := fn(tx, db.now()); err != nil {
		return translate(err)
	}
	if err := tx.Commit(); err != nil {
		return translate(fmt.Errorf("commit: %w", err))
	}
	db.ckpt.notify()
	committed()
	return nil
}
