package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EnsureMeta implements kassa.MetaStore: it stores value under key unless
// the key holds one, and returns what the key holds, in one write
// transaction.
func (db *DB) EnsureMeta(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		const insert = "INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING"
		if _, err := tx.ExecContext(ctx, insert, key, value, toNanos(now)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, "SELECT value FROM meta WHERE key = ?", key).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("ensure meta %s: %w", key, err)
	}
	return stored, nil
}

// SetMeta implements kassa.MetaStore.
func (db *DB) SetMeta(ctx context.Context, key, value string) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		const upsert = `INSERT INTO meta (key, value, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`
		_, err := tx.ExecContext(ctx, upsert, key, value, toNanos(now))
		return err
	})
	if err != nil {
		return fmt.Errorf("set meta %s: %w", key, err)
	}
	return nil
}
