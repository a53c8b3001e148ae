package web

import (
	"crypto/rand"
	"encoding/base64"
	"sync"
	"time"
)

// role is who a session belongs to.
type role int

// Roles. A session of noRole exists only between the sign-in page and the
// sign-in POST, to carry the sign-in form's CSRF token.
const (
	noRole role = iota
	accountRole
	operatorRole
	anyRole // for routes: either signed-in role
)

// maxSessions bounds the in-memory session table; when full, expired
// sessions are swept and, if it is still full, new anonymous sessions are
// refused (signed-in users keep theirs).
const maxSessions = 100000

// anonymousTTL is how long a sign-in form's session lives.
const anonymousTTL = time.Hour

// session is one browser's server-side state. Fields other than the
// immutable ones are guarded by sessionStore.mu.
type session struct {
	id      string
	role    role
	apiKey  string // accountRole: the signed-in account
	csrf    string
	created time.Time
	seen    time.Time
	flash   *flash // shown once on the next page
}

// flash is a one-time message carried across a redirect.
type flash struct {
	Kind    string // "ok" or "error"
	Message string
	Secret  string // a newly created secret, shown once
}

// sessionStore keeps sessions in memory. It is per node: behind a load
// balancer, use sticky sessions (documented in docs/dashboard.md).
type sessionStore struct {
	now      func() time.Time
	idle     time.Duration
	lifetime time.Duration

	mu       sync.Mutex
	sessions map[string]*session
}

func newSessionStore(now func() time.Time, idle, lifetime time.Duration) *sessionStore {
	return &sessionStore{now: now, idle: idle, lifetime: lifetime, sessions: map[string]*session{}}
}

// randomToken returns 32 random bytes as URL-safe base64.
func randomToken() string {
	var b [32]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// create stores a new session of role r. It returns nil when the table is
// full of live sessions.
func (s *sessionStore) create(r role, apiKey string) *session {
	now := s.now()
	sess := &session{id: randomToken(), role: r, apiKey: apiKey, csrf: randomToken(), created: now, seen: now}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sessions) >= maxSessions {
		s.sweepLocked(now)
		if len(s.sessions) >= maxSessions && r == noRole {
			return nil
		}
	}
	s.sessions[sess.id] = sess
	return sess
}

// get returns the live session with id and marks it used, or nil.
func (s *sessionStore) get(id string) *session {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil {
		return nil
	}
	if s.expired(sess, now) {
		delete(s.sessions, id)
		return nil
	}
	sess.seen = now
	return sess
}

// expired reports whether sess has been idle too long or lived too long.
func (s *sessionStore) expired(sess *session, now time.Time) bool {
	if sess.role == noRole {
		return now.Sub(sess.created) >= anonymousTTL
	}
	return now.Sub(sess.seen) >= s.idle || now.Sub(sess.created) >= s.lifetime
}

// delete ends a session.
func (s *sessionStore) delete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.sessions, id)
}

// setFlash stores a message for the session's next page.
func (s *sessionStore) setFlash(sess *session, f *flash) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess.flash = f
}

// takeFlash returns and clears the session's message.
func (s *sessionStore) takeFlash(sess *session) *flash {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := sess.flash
	sess.flash = nil
	return f
}

// sweepLocked drops expired sessions.
func (s *sessionStore) sweepLocked(now time.Time) {
	for id, sess := range s.sessions {
		if s.expired(sess, now) {
			delete(s.sessions, id)
		}
	}
}

// count returns the number of stored sessions (for tests).
func (s *sessionStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
