package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// UpdateSettings applies the given settings fields and, with upd.NewSecret,
// replaces the secret upd.ReplaceSecret, in one write transaction: the
// settings are read inside it (the only write connection serializes
// writers), so concurrent updates of different fields never lose one.
// ENOTFOUND if the account or the secret to replace does not exist.
func (db *DB) UpdateSettings(ctx context.Context, apiKey string, upd kassa.SettingsUpdate) (kassa.Settings, *kassa.Account, error) {
	var before kassa.Settings
	var out *kassa.Account
	var created time.Time
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		a, err := scanAccount(tx.QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts WHERE api_key = ?`, apiKey))
		if err != nil {
			return accountNotFound(apiKey, err)
		}
		before, a.Settings, a.UpdatedAt = a.Settings, upd.Apply(a.Settings), now
		_, err = tx.ExecContext(ctx, `UPDATE accounts SET mo_callback_url = ?, dr_callback_url = ?,
			http_forward_method = ?, updated_at = ? WHERE api_key = ?`,
			a.Settings.MOCallbackURL, a.Settings.DRCallbackURL, a.Settings.HTTPForwardMethod, toNanos(now), apiKey)
		if err != nil {
			return err
		}
		if upd.NewSecret != nil {
			if created, err = replaceSecret(ctx, tx, apiKey, upd.ReplaceSecret, *upd.NewSecret, now); err != nil {
				return err
			}
		}
		out = a
		return nil
	})
	if err != nil {
		return kassa.Settings{}, nil, fmt.Errorf("update settings of %s: %w", apiKey, err)
	}
	if upd.NewSecret != nil {
		upd.NewSecret.AccountKey, upd.NewSecret.CreatedAt = apiKey, created
	}
	return before, out, nil
}

// replaceSecret deletes the account's secret oldID and inserts next in its
// place (the count never passes kassa.MaxSecrets), returning next's
// creation time. ENOTFOUND if there is no secret oldID.
func replaceSecret(ctx context.Context, tx *sql.Tx, apiKey, oldID string, next kassa.Secret, now time.Time) (time.Time, error) {
	res, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = ? AND account_key = ?`, oldID, apiKey)
	if err != nil {
		return time.Time{}, fmt.Errorf("delete secret %s: %w", oldID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return time.Time{}, &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such secret", Err: err}
	}
	next.AccountKey, next.CreatedAt = apiKey, time.Time{}
	if err := insertSecret(ctx, tx, &next, now); err != nil {
		return time.Time{}, fmt.Errorf("insert secret: %w", err)
	}
	return next.CreatedAt, nil
}
