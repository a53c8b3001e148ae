package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// CreateSubaccount stores a new subaccount of a.Primary with its first
// secret, unless the primary already has max subaccounts (ELIMIT). The
// primary's row is locked (FOR UPDATE) before the count, so that
// concurrent creations on any node count one after the other.
func (db *DB) CreateSubaccount(ctx context.Context, a *kassa.Account, first *kassa.Secret, max int, events ...*kassa.Event) error {
	if a.Primary == "" {
		return kassa.FieldError("primary", "a subaccount needs a primary account")
	}
	if first != nil && first.AccountKey != "" && first.AccountKey != a.APIKey {
		return kassa.FieldError("secret", "the secret belongs to another account")
	}
	var acc kassa.Account
	var sec kassa.Secret
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if err := accountExists(ctx, tx, a.Primary, "FOR UPDATE"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM accounts WHERE primary_account = $1", a.Primary).Scan(&n); err != nil {
			return err
		}
		if n >= max {
			return kassa.Errorf(kassa.ELIMIT, "account %s already has %d subaccounts, its maximum", a.Primary, n)
		}
		acc = *a
		acc.Balance, acc.CreatedAt, acc.UpdatedAt = 0, now, now
		if err := insertAccount(ctx, tx, &acc); err != nil {
			return err
		}
		if first != nil {
			sec = *first
			sec.AccountKey = a.APIKey
			if err := insertSecret(ctx, tx, &sec, now); err != nil {
				return fmt.Errorf("first secret: %w", err)
			}
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create subaccount %s of %s: %w", a.APIKey, a.Primary, err)
	}
	*a = acc
	if first != nil {
		*first = sec
	}
	return nil
}

// Subaccounts returns the subaccounts of primary, oldest first.
func (db *DB) Subaccounts(ctx context.Context, primary string) ([]*kassa.Account, error) {
	if primary == "" {
		return []*kassa.Account{}, nil
	}
	rows, err := db.pool.Query(ctx, "SELECT "+accountColumns+` FROM accounts
		WHERE primary_account = $1 ORDER BY created_at, api_key`, primary)
	if err != nil {
		return nil, translate(fmt.Errorf("subaccounts of %s: %w", primary, err))
	}
	out, err := collectAccounts(rows)
	if err != nil {
		return nil, translate(fmt.Errorf("subaccounts of %s: %w", primary, err))
	}
	if out == nil {
		out = []*kassa.Account{}
	}
	return out, nil
}
