package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// AcquireLease takes the named lease for holder until now+ttl (by the store
// clock), or renews it when holder already has it. It reports false when
// another holder has an unexpired lease. One statement decides, so nodes
// racing for an expired lease cannot both win: the row lock of the upsert
// makes the later one re-check the winner's expiry.
func (db *DB) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	if name == "" || holder == "" || ttl <= 0 {
		return false, kassa.Errorf(kassa.EINVALID, "a lease needs a name, a holder and a positive ttl")
	}
	now := db.txNow()
	const upsert = `INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
		WHERE leases.expires_at <= $4 OR leases.holder = EXCLUDED.holder
		RETURNING holder`
	var got string
	err := db.pool.QueryRow(ctx, upsert, name, holder, now.Add(ttl), now).Scan(&got)
	if err == pgx.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, translate(fmt.Errorf("acquire lease %s: %w", name, err))
	}
	return true, nil
}

// ReleaseLease gives the lease up if holder has it.
func (db *DB) ReleaseLease(ctx context.Context, name, holder string) error {
	if _, err := db.pool.Exec(ctx, "DELETE FROM leases WHERE name = $1 AND holder = $2", name, holder); err != nil {
		return translate(fmt.Errorf("release lease %s: %w", name, err))
	}
	return nil
}
