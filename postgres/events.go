package postgres

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// eventColumns are the columns scanEvent reads.
const eventColumns = `id, type, account, created_at, data`

func scanEvent(row pgx.Row) (*kassa.Event, error) {
	var e kassa.Event
	var data string
	if err := row.Scan(&e.ID, &e.Type, &e.Account, &e.CreatedAt, &data); err != nil {
		return nil, err
	}
	e.CreatedAt, e.Data = e.CreatedAt.UTC(), []byte(data)
	return &e, nil
}

// insertEvent writes e at now and fills its ID and CreatedAt. The ID comes
// from the one row of event_counter, which stays locked until the
// transaction ends: a transaction that writes an event waits for every
// other one that has written one to commit or roll back, so IDs are handed
// out in commit order and a reader that has seen ID n has seen every
// committed event below it. Ledger transactions lock their accounts before
// they write events and nothing locks an account after the counter, so
// the counter adds no deadlock.
func insertEvent(ctx context.Context, q querier, e *kassa.Event, now time.Time) error {
	if e.Type == "" {
		return kassa.FieldError("type", "an event needs a type")
	}
	data := string(e.Data)
	if data == "" {
		data = "{}"
	}
	const insert = `WITH n AS (UPDATE event_counter SET last_id = last_id + 1 RETURNING last_id)
		INSERT INTO events (id, type, account, created_at, data)
		SELECT n.last_id, $1, $2, $3, $4 FROM n RETURNING id`
	var id int64
	if err := q.QueryRow(ctx, insert, e.Type, e.Account, now, data).Scan(&id); err != nil {
		return translate(fmt.Errorf("append %s event: %w", e.Type, err))
	}
	e.ID, e.CreatedAt = id, now
	return nil
}

// AppendEvent writes e in the ledger transaction.
func (t *ledgerTx) AppendEvent(e *kassa.Event) error {
	return insertEvent(t.ctx, t.tx, e, t.now)
}

// AppendEvents writes the events and, when audit is not nil, the audit
// record in one transaction.
func (db *DB) AppendEvents(ctx context.Context, audit *kassa.AuditEvent, events ...*kassa.Event) error {
	var auditID int64
	var auditAt time.Time
	written := make([]kassa.Event, len(events))
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if audit != nil {
			auditAt = audit.At
			if auditAt.IsZero() {
				auditAt = now
			}
			auditAt = auditAt.Truncate(time.Microsecond).UTC()
			const insert = `INSERT INTO audit (at, actor, account, action, remote_addr, detail)
				VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
			if err := tx.QueryRow(ctx, insert, auditAt, audit.Actor, audit.Account, audit.Action, audit.RemoteAddr, audit.Detail).Scan(&auditID); err != nil {
				return err
			}
		}
		for i, e := range events {
			written[i] = *e
			if err := insertEvent(ctx, tx, &written[i], now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	for i, e := range events {
		e.ID, e.CreatedAt = written[i].ID, written[i].CreatedAt
	}
	if audit != nil {
		audit.ID, audit.At = auditID, auditAt
	}
	return nil
}

// Bounds of a page of ListEvents.
const (
	eventPageDefault = 100
	eventPageMax     = 1000
)

// ListEvents returns the events f selects, oldest first.
func (db *DB) ListEvents(ctx context.Context, f kassa.EventFilter) ([]*kassa.Event, error) {
	limit := f.Limit
	switch {
	case limit < 0:
		return nil, kassa.FieldError("limit", "must not be negative")
	case limit == 0:
		limit = eventPageDefault
	case limit > eventPageMax:
		limit = eventPageMax
	}
	conds, args := []string{"id > $1"}, []any{f.After}
	if f.Account != "" {
		args = append(args, f.Account)
		conds = append(conds, "account = $"+strconv.Itoa(len(args)))
	}
	if len(f.Types) > 0 {
		args = append(args, f.Types)
		conds = append(conds, "type = ANY($"+strconv.Itoa(len(args))+")")
	}
	args = append(args, limit)
	rows, err := db.pool.Query(ctx, "SELECT "+eventColumns+" FROM events WHERE "+strings.Join(conds, " AND ")+
		" ORDER BY id LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, translate(fmt.Errorf("list events: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Event, error) { return scanEvent(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("list events: %w", err))
	}
	return out, nil
}

// LastEventID returns the highest event ID, 0 when there is none.
func (db *DB) LastEventID(ctx context.Context) (int64, error) {
	var id int64
	if err := db.pool.QueryRow(ctx, `SELECT COALESCE(max(id), 0) FROM events`).Scan(&id); err != nil {
		return 0, translate(fmt.Errorf("last event id: %w", err))
	}
	return id, nil
}
