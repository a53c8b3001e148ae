package kassa

import (
	"context"
	"crypto/sha256"
	"time"
)

// Dashboard session roles.
const (
	SessionAccount  = "account"  // an account holder, signed in with an api key and secret
	SessionOperator = "operator" // an operator, signed in with the admin token
)

// Session bounds. Opening a session beyond MaxSessionsPerPrincipal for one
// account (or for the operators together) ends that principal's oldest;
// CreateSession deletes at most SessionSweepBatch expired sessions on the
// way, so that the table does not grow with abandoned sessions.
const (
	MaxSessionsPerPrincipal = 50
	SessionSweepBatch       = 100
)

// SessionTokenHashSize is the length of Session.TokenHash (SHA-256).
const SessionTokenHashSize = sha256.Size

// Session is a signed-in dashboard session as the store keeps it. The
// browser holds a random token; the store holds only its SHA-256, so that a
// copy of the database opens no session. An account session belongs to the
// secret it was opened with: deleting that secret (revocation, rotation, by
// any path) deletes the session in the same transaction.
type Session struct {
	TokenHash  []byte // SHA-256 of the session token (SessionTokenHashSize bytes)
	Role       string // SessionAccount or SessionOperator
	AccountKey string // account sessions: the signed-in account; "" for operators
	SecretID   string // account sessions: the secret signed in with; "" for operators
	// AdminFingerprint is, for operator sessions, a keyed hash of the admin
	// token signed in with: the dashboard ends the session when the
	// configured token no longer matches it. Empty for account sessions.
	AdminFingerprint []byte
	CreatedAt        time.Time
	SeenAt           time.Time // the last recorded use
	ExpiresAt        time.Time // when the session ends unless used again: the idle or the absolute limit, whichever is first
	// Flash is a one-time message for the next page, sealed by the
	// dashboard (the store never looks inside); nil when there is none.
	Flash []byte
}

// SessionStore keeps dashboard sessions, so that they survive a restart and
// work on every node. Times are the caller's (the dashboard's clock); the
// store compares them but never reads its own clock for sessions.
type SessionStore interface {
	// CreateSession stores a new session. An account session needs an
	// existing secret SecretID of AccountKey (ENOTFOUND otherwise: it was
	// revoked meanwhile); an operator session has neither. In the same
	// transaction it ends the principal's oldest sessions beyond
	// MaxSessionsPerPrincipal and deletes up to SessionSweepBatch sessions
	// that expired at or before s.CreatedAt. EINVALID for a malformed
	// session, ECONFLICT if the token hash is taken.
	CreateSession(ctx context.Context, s *Session) error
	// Session returns the session with the token hash, expired or not (the
	// caller decides). ENOTFOUND if there is none.
	Session(ctx context.Context, tokenHash []byte) (*Session, error)
	// TouchSession records a use: it sets SeenAt and ExpiresAt. A missing
	// session is not an error (it has just ended).
	TouchSession(ctx context.Context, tokenHash []byte, seenAt, expiresAt time.Time) error
	// SetSessionFlash replaces the session's flash (nil clears it). A
	// missing session is not an error.
	SetSessionFlash(ctx context.Context, tokenHash []byte, flash []byte) error
	// DeleteSession ends a session. A missing session is not an error.
	DeleteSession(ctx context.Context, tokenHash []byte) error
}

// ValidateSession checks what CreateSession requires of a new session's
// fields (not that its secret exists): a token hash of the right size, a
// known role with the fields of that role, and times that are set and in
// order.
func ValidateSession(s *Session) error {
	if len(s.TokenHash) != SessionTokenHashSize {
		return FieldError("token_hash", "must be %d bytes", SessionTokenHashSize)
	}
	switch s.Role {
	case SessionAccount:
		if s.AccountKey == "" || s.SecretID == "" || len(s.AdminFingerprint) != 0 {
			return FieldError("role", "an account session needs an account and a secret, and no admin fingerprint")
		}
	case SessionOperator:
		if s.AccountKey != "" || s.SecretID != "" || len(s.AdminFingerprint) == 0 {
			return FieldError("role", "an operator session needs an admin fingerprint, and no account or secret")
		}
	default:
		return FieldError("role", "must be %q or %q", SessionAccount, SessionOperator)
	}
	if s.CreatedAt.IsZero() || s.SeenAt.Before(s.CreatedAt) || !s.ExpiresAt.After(s.SeenAt) {
		return FieldError("expires_at", "a session needs a creation time, a last use not before it and an expiry after that")
	}
	return nil
}
