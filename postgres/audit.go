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

// AppendAudit records an event and fills its ID, and its At (the store
// clock) when zero.
func (db *DB) AppendAudit(ctx context.Context, e *kassa.AuditEvent) error {
	at := e.At
	if at.IsZero() {
		at = db.txNow()
	}
	at = at.Truncate(time.Microsecond).UTC()
	const insert = `INSERT INTO audit (at, actor, account, action, remote_addr, detail)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	var id int64
	if err := db.pool.QueryRow(ctx, insert, at, e.Actor, e.Account, e.Action, e.RemoteAddr, e.Detail).Scan(&id); err != nil {
		return translate(fmt.Errorf("append audit event %s: %w", e.Action, err))
	}
	e.ID, e.At = id, at
	return nil
}

// ListAudit returns events newest first and the total matching count.
func (db *DB) ListAudit(ctx context.Context, f kassa.AuditFilter) ([]*kassa.AuditEvent, int, error) {
	if f.Offset < 0 || f.Limit < 0 {
		return nil, 0, kassa.Errorf(kassa.EINVALID, "offset and limit must not be negative")
	}
	var conds []string
	var args []any
	if f.Account != "" {
		args = append(args, f.Account)
		conds = append(conds, "account = $"+strconv.Itoa(len(args)))
	}
	if f.Action != "" {
		args = append(args, f.Action)
		conds = append(conds, "action = $"+strconv.Itoa(len(args)))
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	n := len(args)
	query := "SELECT id, at, actor, account, action, remote_addr, detail FROM audit" + where +
		" ORDER BY id DESC OFFSET $" + strconv.Itoa(n+1) + " LIMIT $" + strconv.Itoa(n+2)
	var out []*kassa.AuditEvent
	var total int
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM audit"+where, args...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, query, append(args, f.Offset, pageSize(f.Limit))...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, scanAudit)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list audit events: %w", err)
	}
	return out, total, nil
}

func scanAudit(row pgx.CollectableRow) (*kassa.AuditEvent, error) {
	var e kassa.AuditEvent
	err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Account, &e.Action, &e.RemoteAddr, &e.Detail)
	e.At = e.At.UTC()
	return &e, err
}
