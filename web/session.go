package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log/slog"
	"time"

	"github.com/kassa-dev/kassa"
)

// role is who a session belongs to.
type role int

// Roles. A session of noRole is the sign-in form's: it is not stored, its
// token only binds the form's CSRF token to the browser.
const (
	noRole role = iota
	accountRole
	operatorRole
	anyRole // for routes: either signed-in role
)

// storedRole is the store's name of a signed-in role.
func (r role) storedRole() string {
	if r == operatorRole {
		return kassa.SessionOperator
	}
	return kassa.SessionAccount
}

// session is one request's view of a browser's session. A session value
// lives for one request: ctx is that request's context, for the store
// writes that setFlash and takeFlash make.
type session struct {
	ctx      context.Context
	token    string // the cookie's value; never stored
	hash     []byte // what the store knows the session by
	role     role
	apiKey   string // accountRole: the signed-in account
	secretID string // accountRole: the secret signed in with
	csrf     string
	flash    []byte // sealed, as read from the store
}

// flash is a one-time message carried across a redirect.
type flash struct {
	Kind    string // "ok" or "error"
	Message string
	Secret  string // a newly created secret, shown once
}

// tokenBytes is the size of a session token before encoding.
const tokenBytes = 32

// adminFingerprintLabel keys the operator sessions' fingerprint of the
// admin token (Hasher.Hash with this as its salt: an HMAC under the pepper,
// so that a copy of the database does not allow guessing the token).
const adminFingerprintLabel = "kassa dashboard admin token v1"

// sessionStore keeps the dashboard's sessions in the kassa store, so that
// every node sees them and they survive restarts. Every signed-in request
// reads its session (one read by primary key); the last use is written at
// most once per touchEvery, which is the precision of the idle timeout.
type sessionStore struct {
	store      kassa.SessionStore
	log        *slog.Logger
	now        func() time.Time
	idle       time.Duration
	lifetime   time.Duration
	touchEvery time.Duration
	adminFP    []byte // nil: operator sessions are refused
}

func newSessionStore(store kassa.SessionStore, log *slog.Logger, now func() time.Time, idle, lifetime time.Duration, adminFP []byte) *sessionStore {
	return &sessionStore{store: store, log: log, now: now, idle: idle, lifetime: lifetime,
		touchEvery: min(time.Minute, idle/10), adminFP: adminFP}
}

// randomToken returns 32 random bytes as URL-safe base64.
func randomToken() string {
	var b [tokenBytes]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// wellFormedToken reports whether t looks like a token of randomToken.
func wellFormedToken(t string) bool {
	b, err := base64.RawURLEncoding.DecodeString(t)
	return err == nil && len(b) == tokenBytes
}

// tokenHash is what the store keeps of a token.
func tokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// derive returns a key or value bound to the token for one purpose (the
// CSRF token, the flash key): HMAC-SHA256 keyed with the token, which the
// store never has.
func derive(token, purpose string) []byte {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("kassa dashboard " + purpose))
	return m.Sum(nil)
}

// newSession returns the request-scoped value of a session with token.
func newSession(ctx context.Context, token string, r role) *session {
	return &session{ctx: ctx, token: token, hash: tokenHash(token), role: r,
		csrf: base64.RawURLEncoding.EncodeToString(derive(token, "csrf"))}
}

// anonymous returns the sign-in form's session for token (nothing stored).
func (s *sessionStore) anonymous(ctx context.Context, token string) *session {
	return newSession(ctx, token, noRole)
}

// create stores a new signed-in session: apiKey and secretID for an
// account, neither for an operator. ENOTFOUND when the secret was revoked
// meanwhile.
func (s *sessionStore) create(ctx context.Context, r role, apiKey, secretID string) (*session, error) {
	now := s.now().UTC()
	sess := newSession(ctx, randomToken(), r)
	sess.apiKey, sess.secretID = apiKey, secretID
	row := &kassa.Session{TokenHash: sess.hash, Role: r.storedRole(), AccountKey: apiKey, SecretID: secretID,
		CreatedAt: now, SeenAt: now, ExpiresAt: s.expiry(now, now)}
	if r == operatorRole {
		if s.adminFP == nil {
			return nil, kassa.Errorf(kassa.EFORBIDDEN, "operator sign-in is disabled")
		}
		row.AdminFingerprint = s.adminFP
	}
	if err := s.store.CreateSession(ctx, row); err != nil {
		return nil, err
	}
	return sess, nil
}

// expiry is when a session created at created and last used at seen ends
// unless it is used again.
func (s *sessionStore) expiry(created, seen time.Time) time.Time {
	return minTime(seen.Add(s.idle), created.Add(s.lifetime))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// get returns the live signed-in session of token and records the use, or
// nil when there is none (never was, ended, expired, or an operator
// session opened with another admin token). An error means the store
// could not be read.
func (s *sessionStore) get(ctx context.Context, token string) (*session, error) {
	if !wellFormedToken(token) {
		return nil, nil
	}
	sess := newSession(ctx, token, noRole)
	row, err := s.store.Session(ctx, sess.hash)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read dashboard session: %w", err)
	}
	now := s.now().UTC()
	if !s.valid(row, now) {
		s.end(ctx, sess.hash)
		return nil, nil
	}
	if now.Sub(row.SeenAt) >= s.touchEvery {
		if err := s.store.TouchSession(ctx, sess.hash, now, s.expiry(row.CreatedAt, now)); err != nil {
			s.log.Warn("dashboard: record a session's use", "err", err)
		}
	}
	sess.role, sess.apiKey, sess.secretID, sess.flash = accountRole, row.AccountKey, row.SecretID, row.Flash
	if row.Role == kassa.SessionOperator {
		sess.role = operatorRole
	}
	return sess, nil
}

// valid reports whether a stored session may be used at now: not expired
// by its own expiry nor by the current idle and lifetime limits, and, for
// an operator, opened with the admin token this node has.
func (s *sessionStore) valid(row *kassa.Session, now time.Time) bool {
	if !now.Before(row.ExpiresAt) || now.Sub(row.SeenAt) >= s.idle || now.Sub(row.CreatedAt) >= s.lifetime {
		return false
	}
	switch row.Role {
	case kassa.SessionAccount:
		return row.AccountKey != "" && row.SecretID != ""
	case kassa.SessionOperator:
		return s.adminFP != nil && hmac.Equal(row.AdminFingerprint, s.adminFP)
	}
	return false
}

// delete ends the session of token, if any.
func (s *sessionStore) delete(ctx context.Context, token string) {
	if wellFormedToken(token) {
		s.end(ctx, tokenHash(token))
	}
}

// end deletes a session; a failure is logged (the session still expires).
func (s *sessionStore) end(ctx context.Context, hash []byte) {
	if err := s.store.DeleteSession(ctx, hash); err != nil {
		s.log.Warn("dashboard: end a session", "err", err)
	}
}

// setFlash stores a message for the session's next page, sealed with a
// key derived from the session's token. A failure is logged: the message
// is lost, the change it reports is not.
func (s *sessionStore) setFlash(sess *session, f *flash) {
	sealed, err := sealFlash(sess.token, sess.hash, f)
	if err == nil {
		err = s.store.SetSessionFlash(sess.ctx, sess.hash, sealed)
	}
	if err != nil {
		s.log.Error("dashboard: store a flash message", "err", err)
	}
}

// takeFlash returns and clears the session's message.
func (s *sessionStore) takeFlash(sess *session) *flash {
	if sess.flash == nil {
		return nil
	}
	sealed := sess.flash
	sess.flash = nil
	if err := s.store.SetSessionFlash(sess.ctx, sess.hash, nil); err != nil {
		s.log.Warn("dashboard: clear a flash message", "err", err)
	}
	f, err := openFlash(sess.token, sess.hash, sealed)
	if err != nil {
		s.log.Warn("dashboard: a stored flash message does not open", "err", err)
		return nil
	}
	return f
}
