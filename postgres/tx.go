package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// maxAttempts is how many times a retryable transaction is run in all
// before its error is returned.
const maxAttempts = 5

// retryBase is the first back-off between attempts; it doubles each time
// and every wait is a random fraction of it (full jitter).
const retryBase = 2 * time.Millisecond

// inTx runs fn in one transaction and commits it when fn returns nil. The
// store clock is read once per attempt. A serialization failure, a
// deadlock or a connection that failed before anything was sent runs the
// whole of fn again, up to maxAttempts times; other errors roll back and
// return, translated.
func (db *DB) inTx(ctx context.Context, fn func(tx pgx.Tx, now time.Time) error) error {
	var err error
	for attempt := range maxAttempts {
		if attempt > 0 {
			if werr := sleepJitter(ctx, attempt); werr != nil {
				break
			}
		}
		err = db.runTx(ctx, fn)
		if !retryable(err) {
			break
		}
		db.log.Debug("retrying a transaction that lost a race", "attempt", attempt+1, "err", err)
	}
	return translate(err)
}

// runTx is one attempt of inTx.
func (db *DB) runTx(ctx context.Context, fn func(tx pgx.Tx, now time.Time) error) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		// A panicking fn must not leave the connection checked out with the
		// transaction and its row locks open.
		if p := recover(); p != nil {
			_ = tx.Rollback(context.WithoutCancel(ctx))
			panic(p)
		}
	}()
	if err := fn(tx, db.txNow()); err != nil {
		// The rollback error is not interesting: the transaction is lost
		// either way, and a broken connection is discarded by the pool.
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sleepJitter waits a random time below retryBase·2^(attempt-1), or until
// ctx ends.
func sleepJitter(ctx context.Context, attempt int) error {
	limit := retryBase << (attempt - 1)
	t := time.NewTimer(rand.N(limit) + time.Microsecond)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// readTx runs fn in one read-only REPEATABLE READ transaction, so that the
// statements in it (a count and a page) see the same snapshot.
func (db *DB) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	return translate(pgx.BeginTxFunc(ctx, db.pool, opts, fn))
}
