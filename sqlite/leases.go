package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// AcquireLease takes the named lease for holder until now+ttl (now from the
// store's clock) when it is free, expired or already holder's (a renewal).
// It reports false when another holder has an unexpired lease.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" {
		return false, kassa.FieldError("lease", "a lease needs a name and a holder")
	}
	if ttl <= 0 {
		return false, kassa.FieldError("ttl", "must be positive")
	}
	var won bool
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
			name, holder, toNanos(now.Add(ttl)), toNanos(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		won = n == 1
		return err
	})
	if err != nil {
		return false, fmt.Errorf("acquire lease %s: %w", name, err)
	}
	return won, nil
}

// ReleaseLease gives the lease up if holder has it; otherwise it does
// nothing.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
		return err
	})
	if err != nil {
		return fmt.Errorf("release lease %s: %w", name, err)
	}
	return nil
}
