package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// home sends the browser to its start page.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	sess := h.sessionOf(r)
	switch {
	case sess == nil || sess.role == noRole:
		http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
	case sess.role == operatorRole:
		http.Redirect(w, r, "/ui/operator/accounts", http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/ui/account", http.StatusSeeOther)
	}
}

// signinData is the sign-in page's data.
type signinData struct {
	Error     string
	APIKey    string
	Next      string
	Operators bool // operator sign-in is enabled
}

// signinPage shows the sign-in forms, in a fresh anonymous session that
// carries their CSRF token.
func (h *handler) signinPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	sess := h.sessionOf(r)
	if sess != nil && sess.role != noRole {
		h.home(w, r)
		return
	}
	if sess == nil {
		sess = h.sessions.create(noRole, "")
		if sess == nil {
			h.renderError(w, r, nil, http.StatusServiceUnavailable, "Too many sessions; try again later.")
			return
		}
		setSessionCookie(w, r, sess.id)
	}
	h.render(w, r, sess, http.StatusOK, "signin", "Sign in", "", signinData{Next: safeNext(r.URL.Query().Get("next")), Operators: h.cfg.AdminToken != ""})
}

// signin checks the credentials of either form. Every failure goes
// through the limiter, by client address and by api key.
func (h *handler) signin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	anon := h.sessionOf(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || anon == nil || !validCSRF(r, anon) {
		h.renderError(w, r, nil, http.StatusForbidden, "The sign-in form has expired. Reload the page and try again.")
		return
	}
	data := signinData{Next: safeNext(r.PostFormValue("next")), APIKey: r.PostFormValue("api_key"), Operators: h.cfg.AdminToken != ""}
	keys := []string{"ip:" + clientIP(r)}
	operator := r.PostFormValue("role") == "operator"
	if operator {
		keys = append(keys, "admin")
	} else {
		keys = append(keys, "key:"+data.APIKey)
	}
	for _, k := range keys {
		if !h.limiter.Allow(k) {
			h.auditSignin(r, operator, data.APIKey, "auth.lockout")
			data.Error = "Too many failed sign-ins. Wait a few minutes and try again."
			h.render(w, r, anon, http.StatusTooManyRequests, "signin", "Sign in", "", data)
			return
		}
	}
	apiKey, ok, err := h.checkCredentials(r, operator)
	if err != nil {
		data.Error = h.userMessage(r, "sign in", err)
		h.render(w, r, anon, http.StatusServiceUnavailable, "signin", "Sign in", "", data)
		return
	}
	if !ok {
		for _, k := range keys {
			h.limiter.Failure(k)
		}
		data.Error = "The credentials are not right."
		h.render(w, r, anon, http.StatusUnauthorized, "signin", "Sign in", "", data)
		return
	}
	for _, k := range keys {
		h.limiter.Success(k)
	}
	h.startSession(w, r, anon, operator, apiKey, data.Next)
}

// checkCredentials verifies the admin token or the api key and secret.
func (h *handler) checkCredentials(r *http.Request, operator bool) (string, bool, error) {
	if operator {
		return "", h.cfg.AdminToken != "" && equalTokens(r.PostFormValue("admin_token"), h.cfg.AdminToken), nil
	}
	acct, err := h.cfg.Auth.Authenticate(r.Context(), r.PostFormValue("api_key"), r.PostFormValue("api_secret"))
	if auth.IsUnauthorized(err) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return acct.APIKey, true, nil
}

// equalTokens compares two tokens in constant time (hashing first so that
// the length does not leak either).
func equalTokens(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return got != "" && subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// startSession replaces the anonymous session with a signed-in one (a new
// id, so that a planted cookie cannot be promoted) and goes on.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, anon *session, operator bool, apiKey, next string) {
	h.sessions.delete(anon.id)
	ro := accountRole
	if operator {
		ro = operatorRole
	}
	sess := h.sessions.create(ro, apiKey)
	setSessionCookie(w, r, sess.id)
	h.auditSignin(r, operator, apiKey, "dashboard.signin")
	if next == "" {
		next = "/ui/account"
		if operator {
			next = "/ui/operator/accounts"
		}
	}
	redirect(w, r, next)
}

// signout ends the session.
func (h *handler) signout(w http.ResponseWriter, r *http.Request, sess *session) {
	h.sessions.delete(sess.id)
	clearSessionCookie(w, r)
	redirect(w, r, "/ui/signin")
}

// auditSignin records a sign-in or a lock-out.
func (h *handler) auditSignin(r *http.Request, operator bool, apiKey, action string) {
	actor, account := "account:"+apiKey, apiKey
	if operator {
		actor, account = "admin", ""
	}
	if !kassa.ValidAPIKey(apiKey) && !operator {
		actor, account = "anonymous", ""
	}
	h.audit(r, actor, account, action, `{"surface":"dashboard"}`)
}

// audit records an event; a failure is logged and does not fail the
// request.
func (h *handler) audit(r *http.Request, actor, account, action, detail string) {
	e := &kassa.AuditEvent{At: h.now().UTC().Truncate(time.Microsecond), Actor: actor, Account: account, Action: action, RemoteAddr: r.RemoteAddr, Detail: detail}
	if err := h.cfg.Store.AppendAudit(r.Context(), e); err != nil {
		h.log.Error("dashboard: append audit event", "action", action, "err", err)
	}
}

// clientIP is the address the limiter counts: the TCP peer (a proxy's
// forwarded header is not trusted here).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
