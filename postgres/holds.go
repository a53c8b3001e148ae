package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// holdColumns are the columns scanHold reads.
const holdColumns = "id, account, amount, captured, state, entry_id, expires_at, created_at, closed_at, subaccount"

func scanHold(row pgx.Row) (*kassa.Hold, error) {
	var h kassa.Hold
	var closed *time.Time
	err := row.Scan(&h.ID, &h.Account, &h.Amount, &h.Captured, &h.State, &h.EntryID, &h.ExpiresAt, &h.CreatedAt, &closed, &h.Subaccount)
	if err != nil {
		return nil, err
	}
	h.ExpiresAt, h.CreatedAt = h.ExpiresAt.UTC(), h.CreatedAt.UTC()
	if closed != nil {
		h.ClosedAt = closed.UTC()
	}
	return &h, nil
}

// CreateHold stores a new hold, open unless h.State says otherwise, and
// fills h.CreatedAt. ECONFLICT if the id is taken, ENOTFOUND if the account
// does not exist.
func (t *ledgerTx) CreateHold(h *kassa.Hold) error {
	if h.State == "" {
		h.State = kassa.HoldOpen
	}
	h.ExpiresAt = h.ExpiresAt.Truncate(time.Microsecond).UTC()
	// ON CONFLICT and the EXISTS keep a taken id or a missing account from
	// aborting the transaction: the caller may go on after the error.
	const insert = `INSERT INTO holds (id, account, amount, captured, state, entry_id, expires_at, created_at, subaccount)
		SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE EXISTS (SELECT 1 FROM accounts WHERE api_key = $2)
		ON CONFLICT (id) DO NOTHING`
	tag, err := t.tx.Exec(t.ctx, insert, h.ID, h.Account, h.Amount, h.Captured, h.State, h.EntryID, h.ExpiresAt, t.now, h.Subaccount)
	if err != nil {
		return translate(fmt.Errorf("create hold %s: %w", h.ID, err))
	}
	if tag.RowsAffected() == 0 {
		if _, err := t.Hold(h.ID); err == nil {
			return kassa.Errorf(kassa.ECONFLICT, "hold %q already exists", h.ID)
		}
		return noAccount(h.Account)
	}
	h.CreatedAt = t.now
	return nil
}

// Hold returns a hold. ENOTFOUND if there is none.
func (t *ledgerTx) Hold(id string) (*kassa.Hold, error) {
	h, err := scanHold(t.tx.QueryRow(t.ctx, "SELECT "+holdColumns+" FROM holds WHERE id = $1", id))
	if err == pgx.ErrNoRows {
		return nil, noHold(id)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("hold %s: %w", id, err))
	}
	return h, nil
}

func noHold(id string) error { return kassa.Errorf(kassa.ENOTFOUND, "hold %q not found", id) }

// CloseHold moves an open hold to state with the captured amount.
// ECONFLICT if it is not open, ENOTFOUND if there is no such hold.
func (t *ledgerTx) CloseHold(id string, state kassa.HoldState, captured kassa.Amount) error {
	const closeSQL = `UPDATE holds SET state = $2, captured = $3, closed_at = $4
		WHERE id = $1 AND state = 'open'`
	tag, err := t.tx.Exec(t.ctx, closeSQL, id, state, captured, t.now)
	if err != nil {
		return translate(fmt.Errorf("close hold %s: %w", id, err))
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	h, err := t.Hold(id)
	if err != nil {
		return err
	}
	return kassa.Errorf(kassa.ECONFLICT, "hold %q is %s, not open", id, h.State)
}

// ExpiredHolds returns up to limit open holds that expired before now,
// soonest expired first.
func (db *DB) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]*kassa.Hold, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+holdColumns+` FROM holds
		WHERE state = 'open' AND expires_at < $1 ORDER BY expires_at, id LIMIT $2`, ceilMicro(now), pageSize(limit))
	if err != nil {
		return nil, translate(fmt.Errorf("expired holds: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Hold, error) { return scanHold(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("expired holds: %w", err))
	}
	return out, nil
}
