package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
)

// endpointColumns are the columns scanEndpoint reads.
const endpointColumns = `id, url, secret, types, description, cursor, created_at, updated_at`

func scanEndpoint(s scanner) (*kassa.WebhookEndpoint, error) {
	var w kassa.WebhookEndpoint
	var types string
	var created, updated int64
	if err := s.Scan(&w.ID, &w.URL, &w.Secret, &types, &w.Description, &w.Cursor, &created, &updated); err != nil {
		return nil, err
	}
	w.Types = strings.Fields(types)
	w.CreatedAt, w.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &w, nil
}

// endpointNotFound translates err, naming the endpoint when there is none.
func endpointNotFound(id string, err error) error {
	err = translate(err)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: fmt.Sprintf("no webhook endpoint %q", id), Err: err}
	}
	return err
}

// CreateWebhookEndpoint stores a new endpoint whose cursor is the last
// event written. ECONFLICT if the ID is taken.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, w *kassa.WebhookEndpoint) error {
	var cursor int64
	var at time.Time
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM events`).Scan(&cursor); err != nil {
			return err
		}
		at = now
		_, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (`+endpointColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, w.ID, w.URL, w.Secret, strings.Join(w.Types, " "), w.Description,
			cursor, toNanos(now), toNanos(now))
		if kassa.ErrorCode(translate(err)) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: fmt.Sprintf("a webhook endpoint %q already exists", w.ID), Err: err}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create webhook endpoint %s: %w", w.ID, err)
	}
	w.Cursor, w.CreatedAt, w.UpdatedAt = cursor, at, at
	return nil
}

// WebhookEndpoints returns every endpoint, oldest first.
func (db *DB) WebhookEndpoints(ctx context.Context) ([]*kassa.WebhookEndpoint, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(fmt.Errorf("list webhook endpoints: %w", err))
	}
	list, err := collect(rows, scanEndpoint)
	if err != nil {
		return nil, translate(fmt.Errorf("list webhook endpoints: %w", err))
	}
	return list, nil
}

// WebhookEndpoint returns one endpoint. ENOTFOUND if there is none.
func (db *DB) WebhookEndpoint(ctx context.Context, id string) (*kassa.WebhookEndpoint, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	w, err := scanEndpoint(db.read.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`, id))
	if err != nil {
		return nil, endpointNotFound(id, err)
	}
	return w, nil
}

// UpdateWebhookEndpoint replaces an endpoint's URL, secret, types and
// description. ENOTFOUND if there is none.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, w *kassa.WebhookEndpoint) error {
	var out *kassa.WebhookEndpoint
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url = ?, secret = ?, types = ?, description = ?,
			updated_at = ? WHERE id = ?`, w.URL, w.Secret, strings.Join(w.Types, " "), w.Description, toNanos(now), w.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return endpointNotFound(w.ID, sql.ErrNoRows)
		}
		out, err = scanEndpoint(tx.QueryRowContext(ctx, `SELECT `+endpointColumns+` FROM webhook_endpoints WHERE id = ?`, w.ID))
		return err
	})
	if err != nil {
		return fmt.Errorf("update webhook endpoint %s: %w", w.ID, err)
	}
	*w = *out
	return nil
}

// DeleteWebhookEndpoint removes an endpoint and its deliveries. ENOTFOUND
// if there is none.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		// The deliveries go first explicitly: WITHOUT ROWID tables cascade
		// as well, but a large backlog is cleaner deleted in one statement.
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE endpoint_id = ?`, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return endpointNotFound(id, sql.ErrNoRows)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %s: %w", id, err)
	}
	return nil
}

// FanOut creates the endpoint's deliveries of events and moves its cursor
// from after to upTo.
func (db *DB) FanOut(ctx context.Context, endpoint string, after, upTo int64, events []*kassa.Event) error {
	if upTo < after {
		return kassa.FieldError("up_to", "the cursor cannot move back")
	}
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var cursor int64
		if err := tx.QueryRowContext(ctx, `SELECT cursor FROM webhook_endpoints WHERE id = ?`, endpoint).Scan(&cursor); err != nil {
			return endpointNotFound(endpoint, err)
		}
		if cursor != after {
			return kassa.Errorf(kassa.ECONFLICT, "the cursor of webhook endpoint %q is at %d, not %d", endpoint, cursor, after)
		}
		for _, e := range events {
			if e.ID <= after || e.ID > upTo {
				return kassa.FieldError("events", "event %d is outside (%d, %d]", e.ID, after, upTo)
			}
			if err := insertDelivery(ctx, tx, endpoint, e, now); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET cursor = ? WHERE id = ?`, upTo, endpoint)
		return err
	})
	if err != nil {
		return fmt.Errorf("fan out to webhook endpoint %s: %w", endpoint, err)
	}
	return nil
}

// insertDelivery adds a pending delivery of e, due now unless an earlier
// delivery of the endpoint and account is pending.
func insertDelivery(ctx context.Context, tx *sql.Tx, endpoint string, e *kassa.Event, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (endpoint_id, event_id, account, next_attempt_at, created_at)
		VALUES (?1, ?2, ?3,
			CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries
				WHERE endpoint_id = ?1 AND account = ?3 AND state = 'pending') THEN NULL ELSE ?4 END,
			?4)`, endpoint, e.ID, e.Account, toNanos(now))
	if err != nil {
		return fmt.Errorf("delivery of event %d: %w", e.ID, err)
	}
	return nil
}

// deliveryColumns are the columns scanDelivery reads: a delivery joined
// with its event.
const deliveryColumns = `d.endpoint_id, d.event_id, d.state, d.attempts, COALESCE(d.next_attempt_at, 0),
	d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at,
	e.type, e.account, e.created_at, e.data`

func scanDelivery(s scanner) (*kassa.Delivery, error) {
	var d kassa.Delivery
	var next, last, delivered, created, eventAt int64
	var data string
	err := s.Scan(&d.Endpoint, &d.Event.ID, &d.State, &d.Attempts, &next, &last, &d.LastStatus, &d.LastError,
		&delivered, &created, &d.Event.Type, &d.Event.Account, &eventAt, &data)
	if err != nil {
		return nil, err
	}
	d.NextAttemptAt, d.LastAttemptAt, d.DeliveredAt, d.CreatedAt = fromNanos(next), fromNanos(last), fromNanos(delivered), fromNanos(created)
	d.Event.CreatedAt, d.Event.Data = fromNanos(eventAt), []byte(data)
	return &d, nil
}

// DueDeliveries returns up to limit deliveries due at now, earliest due
// first: only the first pending delivery of an endpoint and account has a
// due time.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*kassa.Delivery, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, kassa.FieldError("limit", "must be positive")
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+deliveryColumns+`
		FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
		WHERE d.state = 'pending' AND d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= ?
		ORDER BY d.next_attempt_at, d.event_id LIMIT ?`, toNanos(now), limit)
	if err != nil {
		return nil, translate(fmt.Errorf("due deliveries: %w", err))
	}
	list, err := collect(rows, scanDelivery)
	if err != nil {
		return nil, translate(fmt.Errorf("due deliveries: %w", err))
	}
	return list, nil
}

// FinishAttempt records an attempt and, when the delivery leaves the
// pending state, makes the next one of its endpoint and account due.
func (db *DB) FinishAttempt(ctx context.Context, o kassa.DeliveryOutcome) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var state, account string
		err := tx.QueryRowContext(ctx, `SELECT state, account FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?`,
			o.Endpoint, o.EventID).Scan(&state, &account)
		if err != nil {
			return deliveryNotFound(o.Endpoint, o.EventID, err)
		}
		if kassa.DeliveryState(state) != kassa.DeliveryPending {
			return kassa.Errorf(kassa.ECONFLICT, "the delivery of event %d to %q is %s", o.EventID, o.Endpoint, state)
		}
		next, delivered := any(nil), int64(0)
		newState := kassa.DeliveryFailed
		switch {
		case o.Delivered:
			newState, delivered = kassa.DeliveryDelivered, toNanos(o.At)
		case !o.RetryAt.IsZero():
			newState, next = kassa.DeliveryPending, toNanos(o.RetryAt)
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = ?, attempts = attempts + 1,
			next_attempt_at = ?, last_attempt_at = ?, last_status = ?, last_error = ?, delivered_at = ?
			WHERE endpoint_id = ? AND event_id = ?`,
			string(newState), next, toNanos(o.At), o.Status, o.Error, delivered, o.Endpoint, o.EventID)
		if err != nil || newState == kassa.DeliveryPending {
			return err
		}
		return promoteNext(ctx, tx, o.Endpoint, account, o.At)
	})
	if err != nil {
		return fmt.Errorf("record delivery of event %d to %s: %w", o.EventID, o.Endpoint, err)
	}
	return nil
}

// promoteNext makes the first pending delivery of an endpoint and account
// due at t, unless it already has a due time.
func promoteNext(ctx context.Context, tx *sql.Tx, endpoint, account string, t time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = ?1
		WHERE endpoint_id = ?2 AND next_attempt_at IS NULL AND event_id = (SELECT MIN(event_id) FROM webhook_deliveries
			WHERE endpoint_id = ?2 AND account = ?3 AND state = 'pending')`, toNanos(t), endpoint, account)
	return err
}

// deliveryNotFound translates err, naming the delivery when there is none.
func deliveryNotFound(endpoint string, eventID int64, err error) error {
	err = translate(err)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: fmt.Sprintf("no delivery of event %d to webhook endpoint %q", eventID, endpoint), Err: err}
	}
	return err
}

// ListDeliveries returns the deliveries f selects, newest event first, and
// how many match its endpoint and state.
func (db *DB) ListDeliveries(ctx context.Context, f kassa.DeliveryFilter) ([]*kassa.Delivery, int, error) {
	conds, args := []string{"d.endpoint_id = ?"}, []any{f.Endpoint}
	if f.State != "" {
		conds, args = append(conds, "d.state = ?"), append(args, string(f.State))
	}
	countWhere := " d WHERE " + strings.Join(conds, " AND ")
	countArgs := append([]any(nil), args...)
	if f.Before > 0 {
		conds, args = append(conds, "d.event_id < ?"), append(args, f.Before)
	}
	where := " d JOIN events e ON e.id = d.event_id WHERE " + strings.Join(conds, " AND ")
	return listPageCounted(ctx, db, "deliveries", deliveryColumns, "webhook_deliveries", where, "d.event_id DESC", args,
		countWhere, countArgs, f.Limit, 0, scanDelivery)
}

// Redeliver makes a delivery pending and due now, ahead of the later
// pending deliveries of its endpoint and account.
func (db *DB) Redeliver(ctx context.Context, endpoint string, eventID int64) (*kassa.Delivery, error) {
	var out *kassa.Delivery
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var account string
		err := tx.QueryRowContext(ctx, `SELECT account FROM webhook_deliveries WHERE endpoint_id = ? AND event_id = ?`,
			endpoint, eventID).Scan(&account)
		if err != nil {
			return deliveryNotFound(endpoint, eventID, err)
		}
		// The later pending deliveries of the queue wait for this one; an
		// earlier pending one keeps its turn and this one waits for it.
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET next_attempt_at = NULL
			WHERE endpoint_id = ? AND account = ? AND state = 'pending' AND event_id > ?`, endpoint, account, eventID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = 'pending', delivered_at = 0,
			next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries
				WHERE endpoint_id = ?2 AND account = ?3 AND state = 'pending' AND event_id < ?4) THEN NULL ELSE ?1 END
			WHERE endpoint_id = ?2 AND event_id = ?4`, toNanos(now), endpoint, account, eventID)
		if err != nil {
			return err
		}
		out, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+`
			FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.endpoint_id = ? AND d.event_id = ?`, endpoint, eventID))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("redeliver event %d to %s: %w", eventID, endpoint, err)
	}
	return out, nil
}

// DeliveryBacklog counts the pending deliveries and returns the creation
// time of the oldest.
func (db *DB) DeliveryBacklog(ctx context.Context) (int, time.Time, error) {
	if err := db.usable(); err != nil {
		return 0, time.Time{}, err
	}
	var n int
	var oldest int64
	err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MIN(created_at), 0)
		FROM webhook_deliveries WHERE state = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, translate(fmt.Errorf("delivery backlog: %w", err))
	}
	return n, fromNanos(oldest), nil
}
