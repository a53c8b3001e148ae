package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// endpointColumns are the columns scanEndpoint reads.
const endpointColumns = `id, url, secret, types, description, cursor, created_at, updated_at`

func scanEndpoint(row pgx.Row) (*kassa.WebhookEndpoint, error) {
	var w kassa.WebhookEndpoint
	var types string
	if err := row.Scan(&w.ID, &w.URL, &w.Secret, &types, &w.Description, &w.Cursor, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return nil, err
	}
	w.Types = strings.Fields(types)
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return &w, nil
}

// noEndpoint is the ENOTFOUND error for a missing endpoint.
func noEndpoint(id string) error {
	return kassa.Errorf(kassa.ENOTFOUND, "no webhook endpoint %q", id)
}

// CreateWebhookEndpoint stores a new endpoint whose cursor is the last
// event committed. ECONFLICT if the ID is taken.
func (db *DB) CreateWebhookEndpoint(ctx context.Context, w *kassa.WebhookEndpoint) error {
	var out *kassa.WebhookEndpoint
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		// The counter as last committed: an event being written now gets a
		// higher ID, so the new endpoint receives it.
		const insert = `INSERT INTO webhook_endpoints (` + endpointColumns + `)
			SELECT $1, $2, $3, $4, $5, last_id, $6, $6 FROM event_counter RETURNING ` + endpointColumns
		var err error
		out, err = scanEndpoint(tx.QueryRow(ctx, insert, w.ID, w.URL, w.Secret, strings.Join(w.Types, " "), w.Description, now))
		if err != nil && kassa.ErrorCode(translate(err)) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: fmt.Sprintf("a webhook endpoint %q already exists", w.ID), Err: err}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create webhook endpoint %s: %w", w.ID, err)
	}
	*w = *out
	return nil
}

// WebhookEndpoints returns every endpoint, oldest first.
func (db *DB) WebhookEndpoints(ctx context.Context) ([]*kassa.WebhookEndpoint, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints ORDER BY created_at, id")
	if err != nil {
		return nil, translate(fmt.Errorf("list webhook endpoints: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.WebhookEndpoint, error) { return scanEndpoint(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("list webhook endpoints: %w", err))
	}
	return out, nil
}

// WebhookEndpoint returns one endpoint. ENOTFOUND if there is none.
func (db *DB) WebhookEndpoint(ctx context.Context, id string) (*kassa.WebhookEndpoint, error) {
	w, err := scanEndpoint(db.pool.QueryRow(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE id = $1", id))
	if err == pgx.ErrNoRows {
		return nil, noEndpoint(id)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("webhook endpoint %s: %w", id, err))
	}
	return w, nil
}

// UpdateWebhookEndpoint replaces an endpoint's URL, secret, types and
// description. ENOTFOUND if there is none.
func (db *DB) UpdateWebhookEndpoint(ctx context.Context, w *kassa.WebhookEndpoint) error {
	var out *kassa.WebhookEndpoint
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		var err error
		out, err = scanEndpoint(tx.QueryRow(ctx, `UPDATE webhook_endpoints SET url = $2, secret = $3, types = $4,
			description = $5, updated_at = $6 WHERE id = $1 RETURNING `+endpointColumns,
			w.ID, w.URL, w.Secret, strings.Join(w.Types, " "), w.Description, now))
		if err == pgx.ErrNoRows {
			return noEndpoint(w.ID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("update webhook endpoint %s: %w", w.ID, err)
	}
	*w = *out
	return nil
}

// DeleteWebhookEndpoint removes an endpoint and (by cascade) its
// deliveries. ENOTFOUND if there is none.
func (db *DB) DeleteWebhookEndpoint(ctx context.Context, id string) error {
	tag, err := db.pool.Exec(ctx, "DELETE FROM webhook_endpoints WHERE id = $1", id)
	if err != nil {
		return translate(fmt.Errorf("delete webhook endpoint %s: %w", id, err))
	}
	if tag.RowsAffected() == 0 {
		return noEndpoint(id)
	}
	return nil
}

// FanOut creates the endpoint's deliveries of events and moves its cursor
// from after to upTo.
func (db *DB) FanOut(ctx context.Context, endpoint string, after, upTo int64, events []*kassa.Event) error {
	if upTo < after {
		return kassa.FieldError("up_to", "the cursor cannot move back")
	}
	for _, e := range events {
		if e.ID <= after || e.ID > upTo {
			return kassa.FieldError("events", "event %d is outside (%d, %d]", e.ID, after, upTo)
		}
	}
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		var cursor int64
		err := tx.QueryRow(ctx, "SELECT cursor FROM webhook_endpoints WHERE id = $1 FOR UPDATE", endpoint).Scan(&cursor)
		if err == pgx.ErrNoRows {
			return noEndpoint(endpoint)
		}
		if err != nil {
			return err
		}
		if cursor != after {
			return kassa.Errorf(kassa.ECONFLICT, "the cursor of webhook endpoint %q is at %d, not %d", endpoint, cursor, after)
		}
		accounts := make([]string, 0, len(events))
		for _, e := range events {
			accounts = append(accounts, e.Account)
		}
		slices.Sort(accounts)
		for _, a := range slices.Compact(accounts) {
			if err := lockQueue(ctx, tx, endpoint, a); err != nil {
				return err
			}
		}
		for _, e := range events {
			const insert = `INSERT INTO webhook_deliveries (endpoint_id, event_id, account, next_attempt_at, created_at)
				VALUES ($1, $2, $3, CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries
					WHERE endpoint_id = $1 AND account = $3 AND state = 'pending') THEN NULL ELSE $4::timestamptz END, $4)`
			if _, err := tx.Exec(ctx, insert, endpoint, e.ID, e.Account, now); err != nil {
				return fmt.Errorf("delivery of event %d: %w", e.ID, err)
			}
		}
		_, err = tx.Exec(ctx, "UPDATE webhook_endpoints SET cursor = $2 WHERE id = $1", endpoint, upTo)
		return err
	})
	if err != nil {
		return fmt.Errorf("fan out to webhook endpoint %s: %w", endpoint, err)
	}
	return nil
}

// lockQueue takes the transaction's lock on the deliveries of one endpoint
// and account, so that the changes that keep exactly the first pending one
// due (FanOut, FinishAttempt, Redeliver) never interleave on one queue,
// even on two nodes. FanOut takes several in sorted order; the others take
// one, before any row lock of a delivery.
func lockQueue(ctx context.Context, tx pgx.Tx, endpoint, account string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended(
		COALESCE(current_schema(), '') || '/webhook/' || $1 || '/' || $2, 0))`, endpoint, account)
	if err != nil {
		return fmt.Errorf("lock the deliveries of %s to %s: %w", account, endpoint, err)
	}
	return nil
}

// queueOf returns the account of a delivery (which never changes) and locks
// its queue. ENOTFOUND if there is no such delivery.
func queueOf(ctx context.Context, tx pgx.Tx, endpoint string, eventID int64) (string, error) {
	var account string
	err := tx.QueryRow(ctx, `SELECT account FROM webhook_deliveries WHERE endpoint_id = $1 AND event_id = $2`,
		endpoint, eventID).Scan(&account)
	if err == pgx.ErrNoRows {
		return "", noDelivery(endpoint, eventID)
	}
	if err != nil {
		return "", err
	}
	return account, lockQueue(ctx, tx, endpoint, account)
}

// deliveryColumns are the columns scanDelivery reads: a delivery joined
// with its event.
const deliveryColumns = `d.endpoint_id, d.event_id, d.state, d.attempts, d.next_attempt_at,
	d.last_attempt_at, d.last_status, d.last_error, d.delivered_at, d.created_at,
	e.type, e.account, e.created_at, e.data`

// deliveryFrom is the FROM clause of deliveryColumns.
const deliveryFrom = ` FROM webhook_deliveries d JOIN events e ON e.id = d.event_id`

func scanDelivery(row pgx.Row) (*kassa.Delivery, error) {
	var d kassa.Delivery
	var next, last, delivered *time.Time
	var state, data string
	err := row.Scan(&d.Endpoint, &d.Event.ID, &state, &d.Attempts, &next, &last, &d.LastStatus, &d.LastError,
		&delivered, &d.CreatedAt, &d.Event.Type, &d.Event.Account, &d.Event.CreatedAt, &data)
	if err != nil {
		return nil, err
	}
	d.State = kassa.DeliveryState(state)
	d.NextAttemptAt, d.LastAttemptAt, d.DeliveredAt = utcOrZero(next), utcOrZero(last), utcOrZero(delivered)
	d.CreatedAt, d.Event.CreatedAt, d.Event.Data = d.CreatedAt.UTC(), d.Event.CreatedAt.UTC(), []byte(data)
	return &d, nil
}

// utcOrZero is *t in UTC, or the zero time for NULL.
func utcOrZero(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// collectDeliveries reads every row of deliveryColumns.
func collectDeliveries(rows pgx.Rows) ([]*kassa.Delivery, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Delivery, error) { return scanDelivery(row) })
}

// DueDeliveries returns up to limit deliveries due at now, earliest due
// first: only the first pending delivery of an endpoint and account has a
// due time.
func (db *DB) DueDeliveries(ctx context.Context, now time.Time, limit int) ([]*kassa.Delivery, error) {
	if limit <= 0 {
		return nil, kassa.FieldError("limit", "must be positive")
	}
	rows, err := db.pool.Query(ctx, "SELECT "+deliveryColumns+deliveryFrom+`
		WHERE d.state = 'pending' AND d.next_attempt_at IS NOT NULL AND d.next_attempt_at <= $1
		ORDER BY d.next_attempt_at, d.event_id LIMIT $2`, now.Truncate(time.Microsecond), limit)
	if err != nil {
		return nil, translate(fmt.Errorf("due deliveries: %w", err))
	}
	out, err := collectDeliveries(rows)
	if err != nil {
		return nil, translate(fmt.Errorf("due deliveries: %w", err))
	}
	return out, nil
}

// noDelivery is the ENOTFOUND error for a missing delivery.
func noDelivery(endpoint string, eventID int64) error {
	return kassa.Errorf(kassa.ENOTFOUND, "no delivery of event %d to webhook endpoint %q", eventID, endpoint)
}

// FinishAttempt records an attempt and, when the delivery leaves the
// pending state, makes the next one of its endpoint and account due.
func (db *DB) FinishAttempt(ctx context.Context, o kassa.DeliveryOutcome) error {
	at := o.At.Truncate(time.Microsecond)
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		account, err := queueOf(ctx, tx, o.Endpoint, o.EventID)
		if err != nil {
			return err
		}
		var state string
		err = tx.QueryRow(ctx, `SELECT state FROM webhook_deliveries
			WHERE endpoint_id = $1 AND event_id = $2 FOR UPDATE`, o.Endpoint, o.EventID).Scan(&state)
		if err == pgx.ErrNoRows {
			return noDelivery(o.Endpoint, o.EventID)
		}
		if err != nil {
			return err
		}
		if kassa.DeliveryState(state) != kassa.DeliveryPending {
			return kassa.Errorf(kassa.ECONFLICT, "the delivery of event %d to %q is %s", o.EventID, o.Endpoint, state)
		}
		var next, delivered *time.Time
		newState := kassa.DeliveryFailed
		switch {
		case o.Delivered:
			newState, delivered = kassa.DeliveryDelivered, &at
		case !o.RetryAt.IsZero():
			retry := o.RetryAt.Truncate(time.Microsecond)
			newState, next = kassa.DeliveryPending, &retry
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET state = $3, attempts = attempts + 1,
			next_attempt_at = $4, last_attempt_at = $5, last_status = $6, last_error = $7, delivered_at = $8
			WHERE endpoint_id = $1 AND event_id = $2`,
			o.Endpoint, o.EventID, string(newState), next, at, o.Status, o.Error, delivered)
		if err != nil || newState == kassa.DeliveryPending {
			return err
		}
		return promoteNext(ctx, tx, o.Endpoint, account, at)
	})
	if err != nil {
		return fmt.Errorf("record delivery of event %d to %s: %w", o.EventID, o.Endpoint, err)
	}
	return nil
}

// promoteNext makes the first pending delivery of an endpoint and account
// due at t, unless it already has a due time.
func promoteNext(ctx context.Context, tx pgx.Tx, endpoint, account string, t time.Time) error {
	_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = $3
		WHERE endpoint_id = $1 AND next_attempt_at IS NULL AND event_id = (SELECT min(event_id) FROM webhook_deliveries
			WHERE endpoint_id = $1 AND account = $2 AND state = 'pending')`, endpoint, account, t)
	return err
}

// ListDeliveries returns the deliveries f selects, newest event first, and
// how many match its endpoint and state.
func (db *DB) ListDeliveries(ctx context.Context, f kassa.DeliveryFilter) ([]*kassa.Delivery, int, error) {
	if f.Limit < 0 {
		return nil, 0, kassa.FieldError("limit", "must not be negative")
	}
	conds, args := []string{"d.endpoint_id = $1"}, []any{f.Endpoint}
	if f.State != "" {
		args = append(args, string(f.State))
		conds = append(conds, "d.state = $"+strconv.Itoa(len(args)))
	}
	countWhere, countArgs := strings.Join(conds, " AND "), append([]any(nil), args...)
	if f.Before > 0 {
		args = append(args, f.Before)
		conds = append(conds, "d.event_id < $"+strconv.Itoa(len(args)))
	}
	args = append(args, pageSize(f.Limit))
	query := "SELECT " + deliveryColumns + deliveryFrom + " WHERE " + strings.Join(conds, " AND ") +
		" ORDER BY d.event_id DESC LIMIT $" + strconv.Itoa(len(args))
	var out []*kassa.Delivery
	var total int
	err := db.readTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM webhook_deliveries d WHERE "+countWhere, countArgs...).Scan(&total); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		out, err = collectDeliveries(rows)
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list deliveries of %s: %w", f.Endpoint, err)
	}
	return out, total, nil
}

// Redeliver makes a delivery pending and due now, ahead of the later
// pending deliveries of its endpoint and account.
func (db *DB) Redeliver(ctx context.Context, endpoint string, eventID int64) (*kassa.Delivery, error) {
	var out *kassa.Delivery
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		account, err := queueOf(ctx, tx, endpoint, eventID)
		if err != nil {
			return err
		}
		// The later pending deliveries of the queue wait for this one; an
		// earlier pending one keeps its turn and this one waits for it.
		if _, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET next_attempt_at = NULL
			WHERE endpoint_id = $1 AND account = $2 AND state = 'pending' AND event_id > $3`, endpoint, account, eventID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_deliveries SET state = 'pending', delivered_at = NULL,
			next_attempt_at = CASE WHEN EXISTS (SELECT 1 FROM webhook_deliveries
				WHERE endpoint_id = $1 AND account = $2 AND state = 'pending' AND event_id < $3) THEN NULL ELSE $4::timestamptz END
			WHERE endpoint_id = $1 AND event_id = $3`, endpoint, account, eventID, now)
		if err != nil {
			return err
		}
		out, err = scanDelivery(tx.QueryRow(ctx, "SELECT "+deliveryColumns+deliveryFrom+
			" WHERE d.endpoint_id = $1 AND d.event_id = $2", endpoint, eventID))
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
	var n int
	var oldest *time.Time
	err := db.pool.QueryRow(ctx, `SELECT count(*), min(created_at) FROM webhook_deliveries WHERE state = 'pending'`).Scan(&n, &oldest)
	if err != nil {
		return 0, time.Time{}, translate(fmt.Errorf("delivery backlog: %w", err))
	}
	return n, utcOrZero(oldest), nil
}
