package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

const sessionColumns = `token_hash, role, account_key, COALESCE(secret_id, ''), admin_fingerprint, flash, created_at, seen_at, expires_at`

func scanSession(row pgx.Row) (*kassa.Session, error) {
	var s kassa.Session
	err := row.Scan(&s.TokenHash, &s.Role, &s.AccountKey, &s.SecretID, &s.AdminFingerprint, &s.Flash,
		&s.CreatedAt, &s.SeenAt, &s.ExpiresAt)
	if err != nil {
		return nil, err
	}
	s.CreatedAt, s.SeenAt, s.ExpiresAt = s.CreatedAt.UTC(), s.SeenAt.UTC(), s.ExpiresAt.UTC()
	if len(s.AdminFingerprint) == 0 {
		s.AdminFingerprint = nil
	}
	return &s, nil
}

// CreateSession stores a new dashboard session; see kassa.SessionStore.
func (db *DB) CreateSession(ctx context.Context, s *kassa.Session) error {
	if err := kassa.ValidateSession(s); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err := db.inTx(ctx, func(tx pgx.Tx, _ time.Time) error {
		if s.Role == kassa.SessionAccount {
			if err := lockSecretOfAccount(ctx, tx, s.AccountKey, s.SecretID); err != nil {
				return err
			}
		}
		if err := insertSession(ctx, tx, s); err != nil {
			return err
		}
		if err := trimSessions(ctx, tx, s); err != nil {
			return err
		}
		return sweepSessions(ctx, tx, s.CreatedAt)
	})
	if err != nil {
		return fmt.Errorf("create %s session: %w", s.Role, err)
	}
	return nil
}

// lockSecretOfAccount returns ENOTFOUND unless the account has the secret,
// and keeps the secret's row from being deleted until the transaction ends
// (a concurrent revocation then waits and deletes the new session too).
func lockSecretOfAccount(ctx context.Context, tx pgx.Tx, apiKey, id string) error {
	var one int
	err := tx.QueryRow(ctx, "SELECT 1 FROM secrets WHERE id = $1 AND account_key = $2 FOR SHARE", id, apiKey).Scan(&one)
	if err == pgx.ErrNoRows {
		return kassa.Errorf(kassa.ENOTFOUND, "the secret of this session no longer exists")
	}
	return err
}

func insertSession(ctx context.Context, tx pgx.Tx, s *kassa.Session) error {
	var secret *string // NULL for operators: the foreign key allows it
	if s.SecretID != "" {
		secret = &s.SecretID
	}
	fp := s.AdminFingerprint
	if fp == nil {
		fp = []byte{}
	}
	const insert = `INSERT INTO sessions (token_hash, role, account_key, secret_id, admin_fingerprint, flash, created_at, seen_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
	_, err := tx.Exec(ctx, insert, s.TokenHash, s.Role, s.AccountKey, secret, fp, s.Flash, s.CreatedAt, s.SeenAt, s.ExpiresAt)
	if err != nil {
		if kassa.ErrorCode(translate(err)) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: "a session with this token already exists", Err: err}
		}
		return err
	}
	return nil
}

// trimSessions ends the oldest sessions of s's principal beyond
// kassa.MaxSessionsPerPrincipal, never s itself.
func trimSessions(ctx context.Context, tx pgx.Tx, s *kassa.Session) error {
	const trim = `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE role = $1 AND account_key = $2 AND token_hash <> $3
		ORDER BY created_at DESC, token_hash OFFSET $4)`
	if _, err := tx.Exec(ctx, trim, s.Role, s.AccountKey, s.TokenHash, kassa.MaxSessionsPerPrincipal-1); err != nil {
		return fmt.Errorf("end the oldest sessions: %w", err)
	}
	return nil
}

// sweepSessions deletes up to kassa.SessionSweepBatch sessions that expired
// at or before now, earliest first. Rows another transaction is deleting
// are skipped, so that nodes signing people in at once do not queue on
// the same expired rows.
func sweepSessions(ctx context.Context, tx pgx.Tx, now time.Time) error {
	const sweep = `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2
		FOR UPDATE SKIP LOCKED)`
	if _, err := tx.Exec(ctx, sweep, now, kassa.SessionSweepBatch); err != nil {
		return fmt.Errorf("sweep expired sessions: %w", err)
	}
	return nil
}

// Session returns the session with the token hash; ENOTFOUND if none.
func (db *DB) Session(ctx context.Context, tokenHash []byte) (*kassa.Session, error) {
	s, err := scanSession(db.pool.QueryRow(ctx, "SELECT "+sessionColumns+" FROM sessions WHERE token_hash = $1", tokenHash))
	if err == pgx.ErrNoRows {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no such session")
	}
	if err != nil {
		return nil, translate(fmt.Errorf("read session: %w", err))
	}
	return s, nil
}

// TouchSession records a use of the session.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, seenAt, expiresAt time.Time) error {
	return db.execSession(ctx, "touch session", "UPDATE sessions SET seen_at = $1, expires_at = $2 WHERE token_hash = $3",
		seenAt, expiresAt, tokenHash)
}

// SetSessionFlash replaces the session's flash (nil clears it).
func (db *DB) SetSessionFlash(ctx context.Context, tokenHash []byte, flash []byte) error {
	return db.execSession(ctx, "set session flash", "UPDATE sessions SET flash = $1 WHERE token_hash = $2", flash, tokenHash)
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.execSession(ctx, "delete session", "DELETE FROM sessions WHERE token_hash = $1", tokenHash)
}

// execSession runs one statement on one session (a transaction of its own).
func (db *DB) execSession(ctx context.Context, what, query string, args ...any) error {
	if _, err := db.pool.Exec(ctx, query, args...); err != nil {
		return translate(fmt.Errorf("%s: %w", what, err))
	}
	return nil
}
