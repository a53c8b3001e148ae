package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// DefaultExpiredHolds is how many expired holds ExpiredHolds returns when
// the limit is 0.
const DefaultExpiredHolds = 100

const holdColumns = `id, account, amount, captured, state, entry_id, expires_at, created_at, closed_at, subaccount`

func scanHold(s scanner) (*kassa.Hold, error) {
	var h kassa.Hold
	var expires, created, closed int64
	err := s.Scan(&h.ID, &h.Account, &h.Amount, &h.Captured, &h.State, &h.EntryID, &expires, &created, &closed, &h.Subaccount)
	if err != nil {
		return nil, err
	}
	h.ExpiresAt, h.CreatedAt, h.ClosedAt = fromNanos(expires), fromNanos(created), fromNanos(closed)
	return &h, nil
}

// CreateHold stores a new hold, open unless h.State says otherwise, with
// CreatedAt set to the transaction's time. ECONFLICT if the ID is taken.
func (lt *ledgerTx) CreateHold(h *kassa.Hold) error {
	if h.State == "" {
		h.State = kassa.HoldOpen
	}
	created := lt.now
	_, err := lt.tx.ExecContext(lt.ctx, `INSERT INTO holds (`+holdColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.ID, h.Account, int64(h.Amount), int64(h.Captured), string(h.State), h.EntryID,
		toNanos(h.ExpiresAt), toNanos(created), toNanos(h.ClosedAt), h.Subaccount)
	if err != nil {
		err = translate(fmt.Errorf("create hold on %s: %w", h.Account, err))
		if kassa.ErrorCode(err) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: "a hold with this id already exists", Err: err}
		}
		return err
	}
	h.CreatedAt = created
	return nil
}

// Hold returns a hold. ENOTFOUND if there is none.
func (lt *ledgerTx) Hold(id string) (*kassa.Hold, error) {
	h, err := scanHold(lt.tx.QueryRowContext(lt.ctx, `SELECT `+holdColumns+` FROM holds WHERE id = ?`, id))
	if err != nil {
		return nil, holdNotFound(err)
	}
	return h, nil
}

func holdNotFound(err error) error {
	err = translate(err)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such hold", Err: err}
	}
	return err
}

// CloseHold moves an open hold to state (captured, released or expired)
// with the captured amount and the transaction's time as ClosedAt.
// ECONFLICT if it is not open, ENOTFOUND if there is no such hold.
func (lt *ledgerTx) CloseHold(id string, state kassa.HoldState, captured kassa.Amount) error {
	switch state {
	case kassa.HoldCaptured, kassa.HoldReleased, kassa.HoldExpired:
	default:
		return kassa.FieldError("state", "a hold cannot be closed as %q", state)
	}
	res, err := lt.tx.ExecContext(lt.ctx, `UPDATE holds SET state = ?, captured = ?, closed_at = ?
		WHERE id = ? AND state = 'open'`, string(state), int64(captured), toNanos(lt.now), id)
	if err != nil {
		return translate(fmt.Errorf("close hold: %w", err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("close hold: %w", err)
	} else if n == 1 {
		return nil
	}
	h, err := lt.Hold(id)
	if err != nil {
		return err
	}
	return kassa.Errorf(kassa.ECONFLICT, "the hold is already %s", h.State)
}

// ExpiredHolds returns up to limit open holds that expired before now,
// earliest expiry first; a hold with no expiry time never expires. Limit 0
// is DefaultExpiredHolds.
func (db *DB) ExpiredHolds(ctx context.Context, now time.Time, limit int) ([]*kassa.Hold, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = DefaultExpiredHolds
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+holdColumns+` FROM holds
		WHERE state = 'open' AND expires_at <> 0 AND expires_at < ? ORDER BY expires_at, id LIMIT ?`, toNanos(now), limit)
	if err != nil {
		return nil, translate(fmt.Errorf("expired holds: %w", err))
	}
	list, err := collect(rows, scanHold)
	if err != nil {
		return nil, translate(fmt.Errorf("expired holds: %w", err))
	}
	return list, nil
}
