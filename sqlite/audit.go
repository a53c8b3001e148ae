package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

const auditColumns = `id, at, actor, account, action, remote_addr, detail`

func scanAudit(s scanner) (*kassa.AuditEvent, error) {
	var e kassa.AuditEvent
	var at int64
	if err := s.Scan(&e.ID, &at, &e.Actor, &e.Account, &e.Action, &e.RemoteAddr, &e.Detail); err != nil {
		return nil, err
	}
	e.At = fromNanos(at)
	return &e, nil
}

// AppendAudit records an event and fills its ID (and At, from the store's
// clock, when zero).
func (db *DB) AppendAudit(ctx context.Context, e *kassa.AuditEvent) error {
	var id int64
	var at time.Time
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var err error
		id, at, err = insertAudit(ctx, tx, e, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("append audit event %s: %w", e.Action, err)
	}
	e.ID, e.At = id, at
	return nil
}

// insertAudit writes an audit event in tx (at now when its At is zero) and
// returns its ID and time.
func insertAudit(ctx context.Context, tx *sql.Tx, e *kassa.AuditEvent, now time.Time) (int64, time.Time, error) {
	at := e.At
	if at.IsZero() {
		at = now
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO audit (at, actor, account, action, remote_addr, detail)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		toNanos(at), e.Actor, e.Account, e.Action, e.RemoteAddr, e.Detail).Scan(&id)
	return id, at, err
}

// ListAudit returns events newest first (by ID) and the number matching f.
// Limit 0 is DefaultPageSize; limits above MaxPageSize are cut to it.
func (db *DB) ListAudit(ctx context.Context, f kassa.AuditFilter) ([]*kassa.AuditEvent, int, error) {
	var conds []string
	var args []any
	if f.Account != "" {
		conds, args = append(conds, "account = ?"), append(args, f.Account)
	}
	if f.Action != "" {
		conds, args = append(conds, "action = ?"), append(args, f.Action)
	}
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	return listPage(ctx, db, "audit events", auditColumns, "audit", where, "id DESC", args, f.Limit, f.Offset, scanAudit)
}
