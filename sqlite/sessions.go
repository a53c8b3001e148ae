package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

const sessionColumns = `token_hash, role, account_key, COALESCE(secret_id, ''), admin_fingerprint, flash, created_at, seen_at, expires_at`

func scanSession(s scanner) (*kassa.Session, error) {
	var sess kassa.Session
	var created, seen, expires int64
	err := s.Scan(&sess.TokenHash, &sess.Role, &sess.AccountKey, &sess.SecretID, &sess.AdminFingerprint,
		&sess.Flash, &created, &seen, &expires)
	if err != nil {
		return nil, err
	}
	sess.CreatedAt, sess.SeenAt, sess.ExpiresAt = fromNanos(created), fromNanos(seen), fromNanos(expires)
	if len(sess.AdminFingerprint) == 0 {
		sess.AdminFingerprint = nil
	}
	return &sess, nil
}

// CreateSession stores a new dashboard session; see kassa.SessionStore.
func (db *DB) CreateSession(ctx context.Context, s *kassa.Session) error {
	if err := kassa.ValidateSession(s); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	err := db.inWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if s.Role == kassa.SessionAccount {
			if err := secretOfAccount(ctx, tx, s.AccountKey, s.SecretID); err != nil {
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

// secretOfAccount returns ENOTFOUND unless the account has the secret.
func secretOfAccount(ctx context.Context, tx *sql.Tx, apiKey, id string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM secrets WHERE id = ? AND account_key = ?`, id, apiKey).Scan(&one)
	if err == sql.ErrNoRows {
		return kassa.Errorf(kassa.ENOTFOUND, "the secret of this session no longer exists")
	}
	return err
}

func insertSession(ctx context.Context, tx *sql.Tx, s *kassa.Session) error {
	var secret any // NULL for operators: the foreign key allows it
	if s.SecretID != "" {
		secret = s.SecretID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, role, account_key, secret_id, admin_fingerprint, flash, created_at, seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		s.TokenHash, s.Role, s.AccountKey, secret, nonNil(s.AdminFingerprint), s.Flash,
		toNanos(s.CreatedAt), toNanos(s.SeenAt), toNanos(s.ExpiresAt))
	if err != nil {
		err = translate(err)
		if kassa.ErrorCode(err) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Message: "a session with this token already exists", Err: err}
		}
		return err
	}
	return nil
}

// trimSessions ends the oldest sessions of s's principal beyond
// kassa.MaxSessionsPerPrincipal, never s itself.
func trimSessions(ctx context.Context, tx *sql.Tx, s *kassa.Session) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE role = ? AND account_key = ? AND token_hash <> ?
		ORDER BY created_at DESC, token_hash LIMIT -1 OFFSET ?)`,
		s.Role, s.AccountKey, s.TokenHash, kassa.MaxSessionsPerPrincipal-1)
	if err != nil {
		return fmt.Errorf("end the oldest sessions: %w", err)
	}
	return nil
}

// sweepSessions deletes up to kassa.SessionSweepBatch sessions that expired
// at or before now, earliest first.
func sweepSessions(ctx context.Context, tx *sql.Tx, now time.Time) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash IN (
		SELECT token_hash FROM sessions WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)`,
		toNanos(now), kassa.SessionSweepBatch)
	if err != nil {
		return fmt.Errorf("sweep expired sessions: %w", err)
	}
	return nil
}

// Session returns the session with the token hash; ENOTFOUND if none.
func (db *DB) Session(ctx context.Context, tokenHash []byte) (*kassa.Session, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	row := db.read.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE token_hash = ?`, tokenHash)
	s, err := scanSession(row)
	if err != nil {
		err = translate(err)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return nil, &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such session", Err: err}
		}
		return nil, fmt.Errorf("read session: %w", err)
	}
	return s, nil
}

// TouchSession records a use of the session.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, seenAt, expiresAt time.Time) error {
	return db.updateSession(ctx, "touch session", `UPDATE sessions SET seen_at = ?, expires_at = ? WHERE token_hash = ?`,
		toNanos(seenAt), toNanos(expiresAt), tokenHash)
}

// SetSessionFlash replaces the session's flash (nil clears it).
func (db *DB) SetSessionFlash(ctx context.Context, tokenHash []byte, flash []byte) error {
	return db.updateSession(ctx, "set session flash", `UPDATE sessions SET flash = ? WHERE token_hash = ?`, flash, tokenHash)
}

// DeleteSession ends a session.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	return db.updateSession(ctx, "delete session", `DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
}

// updateSession runs one statement on one session in a write transaction.
func (db *DB) updateSession(ctx context.Context, what, query string, args ...any) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
