package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnsureMeta implements kassa.MetaStore: it stores value under key unless
// the key holds one, and returns what the key holds. Nodes calling it at
// once all get the first value stored.
func (db *DB) EnsureMeta(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		const insert = "INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING"
		if _, err := tx.Exec(ctx, insert, key, value, now); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("ensure meta %s: %w", key, err)
	}
	return stored, nil
}

// SetMeta implements kassa.MetaStore.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	const upsert = `INSERT INTO meta (key, value, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
	if _, err := db.pool.Exec(ctx, upsert, key, value, db.txNow()); err != nil {
		return translate(fmt.Errorf("set meta %s: %w", key, err))
	}
	return nil
}
