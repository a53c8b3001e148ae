package web

import (
	"net/http"
	"net/url"
	"strings"
)

// maxFormBytes limits every POST but price-book imports.
const maxFormBytes = 1 << 20

// sessionHandler is a handler that runs with a signed-in session.
type sessionHandler func(w http.ResponseWriter, r *http.Request, sess *session)

// session wraps fn: it requires a live session of the role (anyRole for
// either), and on POST a body within limits and the session's CSRF token.
func (h *handler) session(want role, fn sessionHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		sess, err := h.loadSession(r)
		if err != nil {
			h.renderError(w, r, nil, http.StatusServiceUnavailable, h.userMessage(r, "read the session", err))
			return
		}
		if sess == nil {
			h.needSignIn(w, r)
			return
		}
		if want != anyRole && sess.role != want {
			h.renderError(w, r, sess, http.StatusForbidden, "This page is not available to you. Sign in with the right credentials.")
			return
		}
		if sess.role == accountRole && h.suspendedSubaccount(r, sess) {
			h.sessions.delete(r.Context(), sess.token)
			clearSessionCookie(w, r)
			h.renderError(w, r, nil, http.StatusForbidden, "This subaccount is suspended: its primary account can resume it.")
			return
		}
		if r.Method == http.MethodPost {
			if !h.checkPost(w, r, sess) {
				return
			}
		}
		fn(w, r, sess)
	}
}

// checkPost limits and parses the body and checks the CSRF token; it
// answers and returns false when the request must not go on.
func (h *handler) checkPost(w http.ResponseWriter, r *http.Request, sess *session) bool {
	limit := int64(maxFormBytes)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		limit = h.cfg.MaxImportBytes + maxFormBytes
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := parseForm(r); err != nil {
		h.renderError(w, r, sess, http.StatusRequestEntityTooLarge, "The form could not be read: "+err.Error())
		return false
	}
	if !validCSRF(r, sess) {
		h.renderError(w, r, sess, http.StatusForbidden, "This form has expired or did not come from this dashboard. Reload the page and try again.")
		return false
	}
	return true
}

// parseForm parses an url-encoded or multipart body.
func parseForm(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		if err := r.ParseMultipartForm(8 << 20); err != nil {
			if strings.Contains(err.Error(), "too large") {
				return errTooLarge
			}
			return errBadForm
		}
		return nil
	}
	if err := r.ParseForm(); err != nil {
		if strings.Contains(err.Error(), "too large") {
			return errTooLarge
		}
		return errBadForm
	}
	return nil
}

// needSignIn sends a browser without a session to the sign-in page (GET)
// or refuses its form (POST: the form's session is gone).
func (h *handler) needSignIn(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		http.Redirect(w, r, "/ui/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	h.renderError(w, r, nil, http.StatusForbidden, "Your session has ended. Sign in again.")
}

// safeNext returns next if it is a dashboard path, else "".
func safeNext(next string) string {
	if !strings.HasPrefix(next, Prefix) || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}

// redirect answers a POST with 303 See Other.
func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// suspendedSubaccount reports whether the session's account is a suspended
// subaccount, whose credentials, and so its sessions, no longer work. A
// failed read lets the request go on: the page reads the store again and
// says what failed.
func (h *handler) suspendedSubaccount(r *http.Request, sess *session) bool {
	acct, err := h.cfg.Store.FindAccount(r.Context(), sess.apiKey)
	return err == nil && acct.IsSubaccount() && acct.Suspended
}
