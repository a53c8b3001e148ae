package web

import (
	"net/http"
	"strings"
)

// cookieName is the session cookie's name.
const cookieName = "kassa_session"

// secureRequest reports whether the browser reached us over TLS, directly
// or through a proxy that says so.
func secureRequest(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return strings.EqualFold(strings.TrimSpace(strings.Split(r.Header.Get("X-Forwarded-Proto"), ",")[0]), "https")
}

// setSessionCookie sends the session's id: HttpOnly, SameSite=Lax, Secure
// over TLS, scoped to the dashboard, ending with the browser session.
func setSessionCookie(w http.ResponseWriter, r *http.Request, id string) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    id,
		Path:     Prefix,
		HttpOnly: true,
		Secure:   secureRequest(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// clearSessionCookie tells the browser to forget the session.
func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     cookieName,
		Value:    "",
		Path:     Prefix,
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   secureRequest(r),
		SameSite: http.SameSiteLaxMode,
	})
}

// cookieToken returns the request's session token, or "" when it has
// none that could be one.
func cookieToken(r *http.Request) string {
	c, err := r.Cookie(cookieName)
	if err != nil || !wellFormedToken(c.Value) {
		return ""
	}
	return c.Value
}

// loadSession returns the request's live signed-in session, nil when it
// has none, or an error when the store cannot be read.
func (h *handler) loadSession(r *http.Request) (*session, error) {
	token := cookieToken(r)
	if token == "" {
		return nil, nil
	}
	return h.sessions.get(r.Context(), token)
}

// sessionOf is loadSession for pages that show the same thing either way
// (the error is logged and the request treated as signed out).
func (h *handler) sessionOf(r *http.Request) *session {
	sess, err := h.loadSession(r)
	if err != nil {
		h.log.Error("dashboard: read the session", "path", r.URL.Path, "err", err)
	}
	return sess
}
