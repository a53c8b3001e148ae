package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

const secretColumns = `id, account_key, salt, hash, created_at`

// secretsSQL reads whether an account exists and its secrets in one
// statement that probes both tables whatever the key: an unknown key costs
// the same reads as a known one (authentication must not tell them apart
// by time). One row with a NULL api_key when the account does not exist,
// one with a NULL id when it has no secret.
const secretsSQL = `SELECT a.api_key, s.id, s.account_key, s.salt, s.hash, s.created_at
	FROM (SELECT ? AS k) q
	LEFT JOIN accounts a ON a.api_key = q.k
	LEFT JOIN secrets s ON s.account_key = q.k
	ORDER BY s.created_at, s.rowid`

// Secrets returns an account's secrets, oldest first. ENOTFOUND if the
// account does not exist. Known and unknown keys run the same statement.
func (db *DB) Secrets(ctx context.Context, apiKey string) ([]*kassa.Secret, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, secretsSQL, apiKey)
	if err != nil {
		return nil, translate(fmt.Errorf("secrets of %s: %w", apiKey, err))
	}
	defer rows.Close()
	list := []*kassa.Secret{}
	exists := false
	for rows.Next() {
		var account, id, owner sql.NullString
		var created sql.NullInt64
		var sec kassa.Secret
		if err := rows.Scan(&account, &id, &owner, &sec.Salt, &sec.Hash, &created); err != nil {
			return nil, translate(fmt.Errorf("secrets of %s: %w", apiKey, err))
		}
		exists = account.Valid
		if id.Valid {
			sec.ID, sec.AccountKey, sec.CreatedAt = id.String, owner.String, fromNanos(created.Int64)
			list = append(list, &sec)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(fmt.Errorf("secrets of %s: %w", apiKey, err))
	}
	if !exists {
		return nil, accountNotFound(apiKey, sql.ErrNoRows)
	}
	return list, nil
}

// accountExists returns ENOTFOUND unless the account exists.
func accountExists(ctx context.Context, tx *sql.Tx, apiKey string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE api_key = ?`, apiKey).Scan(&one)
	if err != nil {
		return accountNotFound(apiKey, err)
	}
	return nil
}

// CreateSecret adds a secret, filling CreatedAt when it is zero. ELIMIT when
// the account already has kassa.MaxSecrets, ENOTFOUND when the account does
// not exist, ECONFLICT when the ID is taken.
func (db *DB) CreateSecret(ctx context.Context, s *kassa.Secret) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if err := accountExists(ctx, tx, s.AccountKey); err != nil {
			return err
		}
		n, err := countSecrets(ctx, tx, s.AccountKey)
		if err != nil {
			return err
		}
		if n >= kassa.MaxSecrets {
			return kassa.Errorf(kassa.ELIMIT, "an account has at most %d secrets", kassa.MaxSecrets)
		}
		c := *s
		if err := insertSecret(ctx, tx, &c, now); err != nil {
			return err
		}
		s.CreatedAt = c.CreatedAt
		return nil
	})
	if err != nil {
		return fmt.Errorf("create secret for %s: %w", s.AccountKey, err)
	}
	return nil
}

func countSecrets(ctx context.Context, tx *sql.Tx, apiKey string) (int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM secrets WHERE account_key = ?`, apiKey).Scan(&n); err != nil {
		return 0, fmt.Errorf("count secrets: %w", err)
	}
	return n, nil
}

// insertSecret writes s, setting CreatedAt to now when it is zero.
func insertSecret(ctx context.Context, tx *sql.Tx, s *kassa.Secret, now time.Time) error {
	if s.CreatedAt.IsZero() {
		s.CreatedAt = now
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO secrets (`+secretColumns+`) VALUES (?, ?, ?, ?, ?)`,
		s.ID, s.AccountKey, nonNil(s.Salt), nonNil(s.Hash), toNanos(s.CreatedAt))
	if err != nil {
		err = translate(err)
		if kassa.ErrorCode(err) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: "a secret with this id already exists", Err: err}
		}
		return err
	}
	return nil
}

// nonNil keeps NOT NULL blob columns happy with empty values.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// DeleteSecret removes a secret unless it is the account's last one
// (EFORBIDDEN). ENOTFOUND if the account or the secret does not exist.
func (db *DB) DeleteSecret(ctx context.Context, apiKey, id string) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if err := accountExists(ctx, tx, apiKey); err != nil {
			return err
		}
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM secrets WHERE id = ? AND account_key = ?`, id, apiKey).Scan(&one)
		if err != nil {
			err = translate(err)
			if kassa.ErrorCode(err) == kassa.ENOTFOUND {
				return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such secret", Err: err}
			}
			return err
		}
		n, err := countSecrets(ctx, tx, apiKey)
		if err != nil {
			return err
		}
		if n <= kassa.MinSecrets {
			return kassa.Errorf(kassa.EFORBIDDEN, "cannot revoke the last secret of an account")
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM secrets WHERE id = ? AND account_key = ?`, id, apiKey)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete secret of %s: %w", apiKey, err)
	}
	return nil
}
