package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// UpdateSettings applies the given settings fields and, with upd.NewSecret,
// replaces the secret upd.ReplaceSecret, in one transaction. The account
// row is read FOR UPDATE, so concurrent updates of different fields (and
// secret changes) queue on it and never lose one. ENOTFOUND if the account
// or the secret to replace does not exist.
func (db *DB) UpdateSettings(ctx context.Context, apiKey string, upd kassa.SettingsUpdate) (kassa.Settings, *kassa.Account, error) {
	var before kassa.Settings
	var out *kassa.Account
	var secret kassa.Secret
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		a, err := findAccount(ctx, tx, apiKey, "FOR UPDATE")
		if err != nil {
			return err
		}
		next := upd.Apply(a.Settings)
		row := tx.QueryRow(ctx, `UPDATE accounts SET mo_callback_url = $1, dr_callback_url = $2,
			http_forward_method = $3, updated_at = $4 WHERE api_key = $5 RETURNING `+accountColumns,
			next.MOCallbackURL, next.DRCallbackURL, next.HTTPForwardMethod, now, apiKey)
		if out, err = scanAccount(row); err != nil {
			return err
		}
		before = a.Settings
		if upd.NewSecret == nil {
			return nil
		}
		secret = *upd.NewSecret
		return replaceSecret(ctx, tx, apiKey, upd.ReplaceSecret, &secret, now)
	})
	if err != nil {
		return kassa.Settings{}, nil, fmt.Errorf("update settings of %s: %w", apiKey, err)
	}
	if upd.NewSecret != nil {
		*upd.NewSecret = secret
	}
	return before, out, nil
}

// replaceSecret deletes the account's secret oldID and inserts next in its
// place (the count never passes kassa.MaxSecrets), filling next's
// AccountKey and CreatedAt. ENOTFOUND if there is no secret oldID.
func replaceSecret(ctx context.Context, tx pgx.Tx, apiKey, oldID string, next *kassa.Secret, now time.Time) error {
	tag, err := tx.Exec(ctx, "DELETE FROM secrets WHERE account_key = $1 AND id = $2", apiKey, oldID)
	if err != nil {
		return fmt.Errorf("delete secret %s: %w", oldID, err)
	}
	if tag.RowsAffected() != 1 {
		return kassa.Errorf(kassa.ENOTFOUND, "account %q has no secret %q", apiKey, oldID)
	}
	next.AccountKey = apiKey
	if err := insertSecret(ctx, tx, next, now); err != nil {
		return fmt.Errorf("insert secret: %w", err)
	}
	return nil
}
