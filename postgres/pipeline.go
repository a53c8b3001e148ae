package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kassa-dev/kassa"
)

// A ledger transaction pipelines its appends: an Append whose outcome is
// already known is not sent at once but queued, and goes to the server in
// the same round trip as the transaction's next statement (or just before
// the commit), as one pgx.Batch. The charging engine's batch of N charges
// thus costs about N+3 round trips (the lock, one idempotency lookup per
// charge carrying the previous charge's append, the last appends, the
// commit) instead of 2N+2.
//
// An append's outcome is known when:
//   - its account is locked by this transaction (LockAccounts): it exists,
//     no one else can change its balance, and the balance after is the
//     locked balance plus the amount;
//   - that balance stays in the range of an Amount;
//   - it has no idempotency key, or this transaction has looked the key up
//     (EntryByIdempotencyKey, which only runs after every queued append)
//     and found none, and has not appended with it since: with the row
//     locked, no other transaction can take it;
//   - an entry id is at hand: ids are taken from the entries' identity
//     sequence ahead of time, in the round trip of an append that is sent
//     at once (1, 2, 4, … up to maxPrefetchIDs at a time), so an id is
//     unique and increases as any other, and the ids a transaction took
//     but did not use are skipped (a gap, as a rolled-back insert leaves).
//
// Anything else is sent at once (after the queue). A queued append that
// fails after all (it should not) fails the whole transaction, never one
// operation of it: the error is internal, or unavailable when the
// connection failed.

// maxPrefetchIDs bounds how many entry ids one round trip takes ahead.
const maxPrefetchIDs = 32

// appendQueuedSQL is a queued append: the entry with its id taken ahead,
// and the balance moved, in one statement that returns the balance after
// so that the flush can check it.
const appendQueuedSQL = `WITH upd AS (
		UPDATE accounts SET balance = balance + $3 WHERE api_key = $1 RETURNING balance)
	INSERT INTO entries (id, account, kind, amount, balance_after, reason, reference,
		idempotency_key, request_hash, related_id, hold_id, meta, created_at, subaccount)
	OVERRIDING SYSTEM VALUE
	SELECT $13, $1, $2, $3, upd.balance, $4, $5, $6, $7, $8, $9, $10, $11, $12 FROM upd
	RETURNING balance_after`

// appendWithIDSQL is appendSQL with the entry id ($13) taken ahead.
var appendWithIDSQL = strings.Replace(strings.Replace(appendSQL,
	"INSERT INTO entries (account,", "INSERT INTO entries (id, account,", 1),
	"SELECT $1,", "OVERRIDING SYSTEM VALUE SELECT $13, $1,", 1)

// nextIDsSQL takes $1 entry ids from the identity sequence.
const nextIDsSQL = `SELECT nextval(pg_get_serial_sequence('entries', 'id')) FROM generate_series(1, $1::int)`

// idemKey names one idempotency key of one account (and subaccount).
type idemKey struct{ account, subaccount, key string }

// queuedAppend is an append waiting for its round trip, or (usage not
// nil) a usage rollup's upsert on a locked account, which cannot fail
// either.
type queuedAppend struct {
	e     *kassa.Entry
	usage *kassa.UsageDelta
}

// pipeline is the queued part of a ledger transaction.
type pipeline struct {
	queue []queuedAppend
	// ids are entry ids taken ahead, in increasing order.
	ids []int64
	// absent are the keys looked up and not found since the last append
	// with them.
	absent map[idemKey]bool
	// appends counts the appends of the transaction (sizes the prefetch).
	appends int
}

// queueBatch adds the queued appends to b.
func (p *pipeline) queueBatch(b *pgx.Batch, now any) {
	for _, q := range p.queue {
		if q.usage != nil {
			b.Queue(addUsageSQL, usageArgs(*q.usage)...)
			continue
		}
		e := q.e
		b.Queue(appendQueuedSQL, e.Account, e.Kind, e.Amount, e.Reason, e.Reference,
			nullIfEmpty(e.IdempotencyKey), e.RequestHash, e.RelatedID, e.HoldID, e.Meta, now, e.Subaccount, e.ID)
	}
}

// readQueued reads the results of the queued appends from res, checking
// that each wrote the balance the transaction computed, and empties the
// queue.
func (p *pipeline) readQueued(res pgx.BatchResults) error {
	queue := p.queue
	p.queue = p.queue[:0]
	for _, q := range queue {
		if q.usage != nil {
			if _, err := res.Exec(); err != nil {
				return queuedUsageFailed(*q.usage, err)
			}
			continue
		}
		var after kassa.Amount
		if err := res.QueryRow().Scan(&after); err != nil {
			return queuedFailed(q.e, err)
		}
		if after != q.e.BalanceAfter {
			return queuedFailed(q.e, fmt.Errorf("the balance after is %s, the transaction computed %s", after, q.e.BalanceAfter))
		}
	}
	return nil
}

// queuedFailed is the error of a queued append that failed: the whole
// transaction's, never its operation's alone.
func queuedFailed(e *kassa.Entry, err error) error {
	err = translate(fmt.Errorf("queued append of %s entry %d to %s: %w", e.Kind, e.ID, e.Account, err))
	if kassa.ErrorCode(err) == kassa.EUNAVAILABLE {
		return err
	}
	return &kassa.Error{Code: kassa.EINTERNAL, Message: "internal error", Err: err}
}

// queueAppend queues e when its outcome is known (see above), filling
// e.ID, e.BalanceAfter and e.CreatedAt, and reports whether it did.
func (t *ledgerTx) queueAppend(e *kassa.Entry) bool {
	b, ok := t.locked[e.Account]
	if !ok || len(t.pipe.ids) == 0 {
		return false
	}
	after, ok := addInRange(b.Balance, e.Amount)
	if !ok {
		return false
	}
	if e.IdempotencyKey != "" {
		k := idemKey{e.Account, e.Subaccount, e.IdempotencyKey}
		if !t.pipe.absent[k] {
			return false
		}
		delete(t.pipe.absent, k)
	}
	e.ID, t.pipe.ids = t.pipe.ids[0], t.pipe.ids[1:]
	e.BalanceAfter, e.CreatedAt = after, t.now
	t.pipe.queue = append(t.pipe.queue, queuedAppend{e: e})
	return true
}

// addInRange adds two amounts when the sum stays within what the append
// statement accepts (±(2⁶³−1)).
func addInRange(a, b kassa.Amount) (kassa.Amount, bool) {
	x, y := int64(a), int64(b)
	if (y > 0 && x > math.MaxInt64-y) || (y < 0 && x < -math.MaxInt64-y) {
		return 0, false
	}
	return kassa.Amount(x + y), true
}

// appendNow sends the queue and e's append in one round trip, with a
// prefetch of entry ids for the appends to come.
func (t *ledgerTx) appendNow(e *kassa.Entry) error {
	if !e.Kind.Valid() {
		return kassa.FieldError("kind", "unknown entry kind %q", e.Kind)
	}
	prefetch := 0
	if t.pipe.appends > 1 {
		prefetch = min(t.pipe.appends, maxPrefetchIDs)
	}
	if len(t.pipe.queue) == 0 && prefetch == 0 && len(t.pipe.ids) == 0 {
		return appendEntry(t.ctx, t.raw, e, t.now)
	}
	b := &pgx.Batch{}
	t.pipe.queueBatch(b, t.now)
	if len(t.pipe.ids) > 0 {
		// An id taken ahead comes first: ids follow the appends' order.
		var id int64
		id, t.pipe.ids = t.pipe.ids[0], t.pipe.ids[1:]
		b.Queue(appendWithIDSQL, append(appendArgs(e, t.now), id)...)
	} else {
		b.Queue(appendSQL, appendArgs(e, t.now)...)
	}
	if prefetch > 0 {
		b.Queue(nextIDsSQL, prefetch)
	}
	res := t.raw.SendBatch(t.ctx, b)
	defer res.Close()
	if err := t.pipe.readQueued(res); err != nil {
		return err
	}
	err := res.QueryRow().Scan(&e.ID, &e.BalanceAfter)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return appendFailed(e, err)
	}
	missed := err != nil
	if prefetch > 0 {
		rows, err := res.Query()
		if err != nil {
			return translate(fmt.Errorf("take entry ids: %w", err))
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return translate(fmt.Errorf("take entry ids: %w", err))
		}
		t.pipe.ids = append(t.pipe.ids, ids...)
	}
	if err := res.Close(); err != nil {
		return translate(fmt.Errorf("append %s entry to %s: %w", e.Kind, e.Account, err))
	}
	if missed {
		return appendMissed(t.ctx, t.raw, e)
	}
	e.CreatedAt = t.now
	return nil
}

// flush sends the queued appends, alone, in one round trip.
func (t *ledgerTx) flush() error {
	if len(t.pipe.queue) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	t.pipe.queueBatch(b, t.now)
	first := t.pipe.queue[0]
	res := t.raw.SendBatch(t.ctx, b)
	err := t.pipe.readQueued(res)
	if cerr := res.Close(); err == nil && cerr != nil {
		if first.usage != nil {
			err = queuedUsageFailed(*first.usage, cerr)
		} else {
			err = queuedFailed(first.e, cerr)
		}
	}
	return err
}

// pipeTx is the pgx.Tx that a ledger transaction's statements use: each
// runs after the queued appends, a single-row query or a command in the
// same round trip as they.
type pipeTx struct {
	pgx.Tx
	t *ledgerTx
}

// QueryRow implements pgx.Tx: the queued appends and the query in one
// round trip.
func (p pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if len(p.t.pipe.queue) == 0 {
		return p.Tx.QueryRow(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	p.t.pipe.queueBatch(b, p.t.now)
	b.Queue(sql, args...)
	res := p.Tx.SendBatch(ctx, b)
	if err := p.t.pipe.readQueued(res); err != nil {
		res.Close()
		return errRow{err}
	}
	return lastRow{res: res, row: res.QueryRow()}
}

// Exec implements pgx.Tx: the queued appends and the command in one
// round trip.
func (p pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if len(p.t.pipe.queue) == 0 {
		return p.Tx.Exec(ctx, sql, args...)
	}
	b := &pgx.Batch{}
	p.t.pipe.queueBatch(b, p.t.now)
	b.Queue(sql, args...)
	res := p.Tx.SendBatch(ctx, b)
	defer res.Close()
	if err := p.t.pipe.readQueued(res); err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := res.Exec()
	if err != nil {
		return tag, err
	}
	return tag, res.Close()
}

// Query implements pgx.Tx, after sending the queued appends.
func (p pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.t.flush(); err != nil {
		return nil, err
	}
	return p.Tx.Query(ctx, sql, args...)
}

// SendBatch implements pgx.Tx, after sending the queued appends.
func (p pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := p.t.flush(); err != nil {
		return errBatch{err}
	}
	return p.Tx.SendBatch(ctx, b)
}

// CopyFrom implements pgx.Tx, after sending the queued appends.
func (p pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	if err := p.t.flush(); err != nil {
		return 0, err
	}
	return p.Tx.CopyFrom(ctx, table, cols, src)
}

// lastRow is the last result of a batch: scanning it closes the batch.
type lastRow struct {
	res pgx.BatchResults
	row pgx.Row
}

// Scan implements pgx.Row.
func (r lastRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.res.Close(); err == nil {
		err = cerr
	}
	return err
}

// errRow is a row whose query failed before it ran.
type errRow struct{ err error }

// Scan implements pgx.Row.
func (r errRow) Scan(...any) error { return r.err }

// errBatch is a batch that failed before it was sent.
type errBatch struct{ err error }

func (b errBatch) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, b.err }
func (b errBatch) Query() (pgx.Rows, error)         { return nil, b.err }
func (b errBatch) QueryRow() pgx.Row                { return errRow(b) }
func (b errBatch) Close() error                     { return b.err }
func (b errBatch) Tx() pgx.Tx                       { return nil }
