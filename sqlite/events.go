package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// eventColumns are the columns scanEvent reads.
const eventColumns = `id, type, account, created_at, data`

func scanEvent(s scanner) (*kassa.Event, error) {
	var e kassa.Event
	var created int64
	var data string
	if err := s.Scan(&e.ID, &e.Type, &e.Account, &created, &data); err != nil {
		return nil, err
	}
	e.CreatedAt, e.Data = fromNanos(created), []byte(data)
	return &e, nil
}

// execer is what a transaction needs to write an event.
type execer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// insertEvent writes e at now and fills its ID and CreatedAt. The one
// writer of SQLite makes the AUTOINCREMENT ids grow in commit order.
func insertEvent(ctx context.Context, q execer, e *kassa.Event, now time.Time) error {
	if e.Type == "" {
		return kassa.FieldError("type", "an event needs a type")
	}
	data := string(e.Data)
	if data == "" {
		data = "{}"
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO events (type, account, created_at, data)
		VALUES (?, ?, ?, ?) RETURNING id`, e.Type, e.Account, toNanos(now), data).Scan(&id)
	if err != nil {
		return translate(fmt.Errorf("append %s event: %w", e.Type, err))
	}
	e.ID, e.CreatedAt = id, now
	return nil
}

// AppendEvent writes e in the ledger transaction.
func (lt *ledgerTx) AppendEvent(e *kassa.Event) error {
	return insertEvent(lt.ctx, lt.tx, e, lt.now)
}

// AppendEvents writes the events and, when audit is not nil, the audit
// record in one transaction.
func (db *DB) AppendEvents(ctx context.Context, audit *kassa.AuditEvent, events ...*kassa.Event) error {
	var auditID int64
	var auditAt time.Time
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if audit != nil {
			var err error
			if auditID, auditAt, err = insertAudit(ctx, tx, audit, now); err != nil {
				return err
			}
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append events: %w", err)
	}
	if audit != nil {
		audit.ID, audit.At = auditID, auditAt
	}
	return nil
}

// eventPageDefault and eventPageMax bound a page of ListEvents.
const (
	eventPageDefault = 100
	eventPageMax     = 1000
)

// ListEvents returns the events f selects, oldest first.
func (db *DB) ListEvents(ctx context.Context, f kassa.EventFilter) ([]*kassa.Event, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	limit, err := eventLimit(f.Limit)
	if err != nil {
		return nil, err
	}
	conds, args := []string{"id > ?"}, []any{f.After}
	if f.Account != "" {
		conds, args = append(conds, "account = ?"), append(args, f.Account)
	}
	if len(f.Types) > 0 {
		conds = append(conds, "type IN (?"+strings.Repeat(", ?", len(f.Types)-1)+")")
		for _, t := range f.Types {
			args = append(args, t)
		}
	}
	args = append(args, limit)
	rows, err := db.read.QueryContext(ctx, `SELECT `+eventColumns+` FROM events WHERE `+
		strings.Join(conds, " AND ")+` ORDER BY id LIMIT ?`, args...)
	if err != nil {
		return nil, translate(fmt.Errorf("list events: %w", err))
	}
	list, err := collect(rows, scanEvent)
	if err != nil {
		return nil, translate(fmt.Errorf("list events: %w", err))
	}
	return list, nil
}

// eventLimit checks and defaults the limit of a page of events.
func eventLimit(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, kassa.FieldError("limit", "must not be negative")
	case limit == 0:
		return eventPageDefault, nil
	case limit > eventPageMax:
		return eventPageMax, nil
	}
	return limit, nil
}

// LastEventID returns the highest event ID, 0 when there is none.
func (db *DB) LastEventID(ctx context.Context) (int64, error) {
	if err := db.usable(); err != nil {
		return 0, err
	}
	var id int64
	if err := db.read.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&id); err != nil {
		return 0, translate(fmt.Errorf("last event id: %w", err))
	}
	return id, nil
}
