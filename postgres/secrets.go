package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// secretsSQL reads whether an account exists and its secrets in one
// statement that probes both tables whatever the key: an unknown key costs
// the same reads as a known one (authentication must not tell them apart
// by time). One row with a NULL api_key when the account does not exist,
// one with a NULL id when it has no secret.
const secretsSQL = `SELECT a.api_key, s.id, s.account_key, s.salt, s.hash, s.created_at
	FROM (SELECT $1::text AS k) q
	LEFT JOIN accounts a ON a.api_key = q.k
	LEFT JOIN secrets s ON s.account_key = q.k
	ORDER BY s.seq`

// Secrets returns an account's secrets, oldest first. ENOTFOUND if the
// account does not exist. Known and unknown keys run the same statement.
func (db *DB) Secrets(ctx context.Context, apiKey string) ([]*kassa.Secret, error) {
	rows, err := db.pool.Query(ctx, secretsSQL, apiKey)
	if err != nil {
		return nil, translate(fmt.Errorf("secrets of %s: %w", apiKey, err))
	}
	defer rows.Close()
	list := []*kassa.Secret{}
	exists := false
	for rows.Next() {
		var account, id, owner *string
		var created *time.Time
		var sec kassa.Secret
		if err := rows.Scan(&account, &id, &owner, &sec.Salt, &sec.Hash, &created); err != nil {
			return nil, translate(fmt.Errorf("secrets of %s: %w", apiKey, err))
		}
		exists = account != nil
		if id != nil && owner != nil && created != nil {
			sec.ID, sec.AccountKey, sec.CreatedAt = *id, *owner, created.UTC()
			list = append(list, &sec)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("secrets of %s: %w", apiKey, err))
	}
	if !exists {
		return nil, noAccount(apiKey)
	}
	return list, nil
}

// listSecrets reads an account's secrets, oldest first.
func listSecrets(ctx context.Context, q querier, apiKey string) ([]*kassa.Secret, error) {
	rows, err := q.Query(ctx, `SELECT id, account_key, salt, hash, created_at FROM secrets
		WHERE account_key = $1 ORDER BY seq`, apiKey)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Secret, error) {
		var s kassa.Secret
		err := row.Scan(&s.ID, &s.AccountKey, &s.Salt, &s.Hash, &s.CreatedAt)
		s.CreatedAt = s.CreatedAt.UTC()
		return &s, err
	})
}

// accountExists returns ENOTFOUND unless the account exists; lock is
// appended to the query ("FOR UPDATE" serializes secret changes).
func accountExists(ctx context.Context, q querier, apiKey, lock string) error {
	var one int
	err := q.QueryRow(ctx, "SELECT 1 FROM accounts WHERE api_key = $1 "+lock, apiKey).Scan(&one)
	if err == pgx.ErrNoRows {
		return noAccount(apiKey)
	}
	return err
}

// CreateSecret adds a secret, filling s.CreatedAt, unless the account
// already has MaxSecrets (ELIMIT). ENOTFOUND if the account does not exist,
// ECONFLICT if the id is taken.
func (db *DB) CreateSecret(ctx context.Context, s *kassa.Secret) error {
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if err := accountExists(ctx, tx, s.AccountKey, "FOR UPDATE"); err != nil {
			return err
		}
		n, err := countSecrets(ctx, tx, s.AccountKey)
		if err != nil {
			return err
		}
		if n >= kassa.MaxSecrets {
			return kassa.Errorf(kassa.ELIMIT, "account %q already has %d secrets", s.AccountKey, kassa.MaxSecrets)
		}
		return insertSecret(ctx, tx, s, now)
	})
	if err != nil {
		return fmt.Errorf("create secret for %s: %w", s.AccountKey, err)
	}
	return nil
}

func countSecrets(ctx context.Context, q querier, apiKey string) (int, error) {
	var n int
	err := q.QueryRow(ctx, "SELECT count(*) FROM secrets WHERE account_key = $1", apiKey).Scan(&n)
	return n, err
}

// insertSecret writes a secret row and fills s.CreatedAt.
func insertSecret(ctx context.Context, q querier, s *kassa.Secret, now time.Time) error {
	const insert = "INSERT INTO secrets (id, account_key, salt, hash, created_at) VALUES ($1, $2, $3, $4, $5)"
	if _, err := q.Exec(ctx, insert, s.ID, s.AccountKey, s.Salt, s.Hash, now); err != nil {
		if kassa.ErrorCode(translate(err)) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: fmt.Sprintf("secret %q already exists", s.ID), Err: err}
		}
		return err
	}
	s.CreatedAt = now
	return nil
}

// DeleteSecret removes a secret unless it is the account's last one
// (EFORBIDDEN). ENOTFOUND if the account or the secret does not exist.
func (db *DB) DeleteSecret(ctx context.Context, apiKey, id string) error {
	err := db.inTx(ctx, func(tx pgx.Tx, _ time.Time) error {
		if err := accountExists(ctx, tx, apiKey, "FOR UPDATE"); err != nil {
			return err
		}
		var mine bool
		const find = "SELECT EXISTS (SELECT 1 FROM secrets WHERE account_key = $1 AND id = $2)"
		if err := tx.QueryRow(ctx, find, apiKey, id).Scan(&mine); err != nil {
			return err
		}
		if !mine {
			return kassa.Errorf(kassa.ENOTFOUND, "account %q has no secret %q", apiKey, id)
		}
		n, err := countSecrets(ctx, tx, apiKey)
		if err != nil {
			return err
		}
		if n <= kassa.MinSecrets {
			return kassa.Errorf(kassa.EFORBIDDEN, "cannot delete the last secret of account %q", apiKey)
		}
		_, err = tx.Exec(ctx, "DELETE FROM secrets WHERE account_key = $1 AND id = $2", apiKey, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete secret %s of %s: %w", id, apiKey, err)
	}
	return nil
}
