package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// CreateSubaccount stores a new subaccount of a.Primary with its first
// secret and the events, unless the primary already has max subaccounts (ELIMIT). The
// count and the insert share one write transaction, which SQLite runs one
// at a time, so concurrent creations cannot both pass the count.
func (db *DB) CreateSubaccount(ctx context.Context, a *kassa.Account, first *kassa.Secret, max int, events ...*kassa.Event) error {
	if a.Primary == "" {
		return kassa.FieldError("primary", "a subaccount needs a primary account")
	}
	if first != nil && first.AccountKey != "" && first.AccountKey != a.APIKey {
		return kassa.FieldError("secret", "the secret belongs to another account")
	}
	var created kassa.Account
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM accounts WHERE primary_account = ?1 AND primary_account <> '')
			FROM accounts WHERE api_key = ?1`, a.Primary).Scan(&n)
		if err != nil {
			return accountNotFound(a.Primary, err)
		}
		if n >= max {
			return kassa.Errorf(kassa.ELIMIT, "account %s already has %d subaccounts, its maximum", a.Primary, n)
		}
		c := *a
		c.Balance, c.CreatedAt, c.UpdatedAt = 0, now, now
		if err := insertAccount(ctx, tx, &c); err != nil {
			return err
		}
		if first != nil {
			s := *first
			s.AccountKey = a.APIKey
			if err := insertSecret(ctx, tx, &s, now); err != nil {
				return fmt.Errorf("first secret: %w", err)
			}
			first.AccountKey, first.CreatedAt = s.AccountKey, s.CreatedAt
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, e, now); err != nil {
				return err
			}
		}
		created = c
		return nil
	})
	if err != nil {
		return fmt.Errorf("create subaccount %s of %s: %w", a.APIKey, a.Primary, err)
	}
	*a = created
	return nil
}

// Subaccounts returns the subaccounts of primary, oldest first.
func (db *DB) Subaccounts(ctx context.Context, primary string) ([]*kassa.Account, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if primary == "" {
		return []*kassa.Account{}, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts
		WHERE primary_account = ? AND primary_account <> '' ORDER BY created_at, api_key`, primary)
	if err != nil {
		return nil, translate(fmt.Errorf("subaccounts of %s: %w", primary, err))
	}
	list, err := collect(rows, scanAccount)
	if err != nil {
		return nil, translate(fmt.Errorf("subaccounts of %s: %w", primary, err))
	}
	return list, nil
}
