package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
)

// home sends the browser to its start page.
func (h *handler) home(w http.ResponseWriter, r *http.Request) {
	sess := h.sessionOf(r)
	switch {
	case sess == nil:
		http.Redirect(w, r, "/ui/signin", http.StatusSeeOther)
	case sess.role == operatorRole:
		http.Redirect(w, r, "/ui/operator", http.StatusSeeOther)
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

// signinPage shows the sign-in forms. Their CSRF token is bound to the
// browser's session token: the cookie's, or a fresh one set now (nothing
// is stored for a browser that has not signed in).
func (h *handler) signinPage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if sess := h.sessionOf(r); sess != nil {
		h.home(w, r)
		return
	}
	token := cookieToken(r)
	if token == "" {
		token = randomToken()
		setSessionCookie(w, r, token)
	}
	anon := h.sessions.anonymous(r.Context(), token)
	h.render(w, r, anon, http.StatusOK, "signin", "Sign in", "", signinData{Next: safeNext(r.URL.Query().Get("next")), Operators: h.cfg.AdminToken != ""})
}

// signin checks the credentials of either form. Account holders go
// through the Authenticator's brute-force limiter (the one the API uses,
// keyed by client address and api key); the operator form through
// Config.Limiter, keyed by client.
func (h *handler) signin(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	token := cookieToken(r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || token == "" || !validCSRF(r, h.sessions.anonymous(r.Context(), token)) {
		h.renderError(w, r, nil, http.StatusForbidden, "The sign-in form has expired. Reload the page and try again.")
		return
	}
	anon := h.sessions.anonymous(r.Context(), token)
	data := signinData{Next: safeNext(r.PostFormValue("next")), APIKey: r.PostFormValue("api_key"), Operators: h.cfg.AdminToken != ""}
	operator := r.PostFormValue("role") == "operator"
	var apiKey, secretID string
	var err error
	if operator {
		err = h.checkAdminToken(r)
	} else {
		apiKey, secretID, err = h.checkSecret(r)
	}
	if err == nil {
		err = h.startSession(w, r, token, operator, apiKey, secretID, data.Next)
	}
	if err != nil {
		status, msg := h.signinFailure(r, err)
		data.Error = msg
		h.render(w, r, anon, status, "signin", "Sign in", "", data)
	}
}

// checkSecret verifies the api key and secret through the Authenticator
// and returns the key and the id of the secret that matched: the session
// belongs to that secret and ends when it is revoked.
func (h *handler) checkSecret(r *http.Request) (apiKey, secretID string, err error) {
	plain := r.PostFormValue("api_secret")
	acct, err := h.auth.AuthenticateFrom(r.Context(), clientIP(r), r.PostFormValue("api_key"), plain)
	if err != nil {
		return "", "", err
	}
	secrets, err := h.cfg.Store.Secrets(r.Context(), acct.APIKey)
	if err != nil {
		return "", "", err
	}
	for _, sec := range secrets {
		if h.cfg.Hasher.Verify(sec, plain) {
			return acct.APIKey, sec.ID, nil
		}
	}
	return "", "", auth.ErrUnauthorized // revoked since it was verified
}

// checkAdminToken verifies the operator's token. Failures are counted per
// client (Config.Limiter): wrong tokens from one client never refuse
// another client's right one. A lock-out is audited once, when it starts.
func (h *handler) checkAdminToken(r *http.Request) error {
	client := limiterClient(clientIP(r))
	if wait := h.limiter.Wait(client); wait > 0 {
		return &auth.LockedOut{RetryAfter: wait}
	}
	if h.cfg.AdminToken == "" || !equalTokens(r.PostFormValue("admin_token"), h.cfg.AdminToken) {
		if scope := h.limiter.Failure(client); scope != "" {
			h.audit(r, "system", "", app.ActionAuthLockout, lockoutDetail(scope, client))
		}
		return auth.ErrUnauthorized
	}
	h.limiter.Success(client)
	return nil
}

// signinFailure returns the status and message of a failed sign-in. It
// never says whether the api key exists.
func (h *handler) signinFailure(r *http.Request, err error) (int, string) {
	var locked *auth.LockedOut
	switch {
	case errors.As(err, &locked):
		return http.StatusTooManyRequests, "Too many failed sign-ins. Try again in " + waitText(locked.RetryAfter) + "."
	case auth.IsUnauthorized(err):
		return http.StatusUnauthorized, "The credentials are not right."
	}
	return http.StatusServiceUnavailable, h.userMessage(r, "sign in", err)
}

// waitText says a wait in whole seconds or minutes, rounded up.
func waitText(d time.Duration) string {
	if d <= time.Minute {
		return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))) + " seconds"
	}
	return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " minutes"
}

// equalTokens compares two tokens in constant time (hashing first so that
// the length does not leak either).
func equalTokens(got, want string) bool {
	a, b := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return got != "" && subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// startSession replaces the browser's session with a new signed-in one
// (a new token, so that a planted cookie cannot be promoted) and goes on.
// A secret revoked since it was checked fails as unauthorized.
func (h *handler) startSession(w http.ResponseWriter, r *http.Request, oldToken string, operator bool, apiKey, secretID, next string) error {
	ro := accountRole
	if operator {
		ro = operatorRole
	}
	sess, err := h.sessions.create(r.Context(), ro, apiKey, secretID)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return auth.ErrUnauthorized
	}
	if err != nil {
		return err
	}
	h.sessions.delete(r.Context(), oldToken)
	setSessionCookie(w, r, sess.token)
	h.auditSignin(r, operator, apiKey)
	if next == "" {
		next = "/ui/account"
		if operator {
			next = "/ui/operator"
		}
	}
	redirect(w, r, next)
	return nil
}

// signout ends the session.
func (h *handler) signout(w http.ResponseWriter, r *http.Request, sess *session) {
	h.sessions.delete(r.Context(), sess.token)
	clearSessionCookie(w, r)
	redirect(w, r, "/ui/signin")
}

// ActionSignIn is the audit action of a successful dashboard sign-in, the
// one action the dashboard writes itself (its changes are audited by app,
// its operator lock-outs as app.ActionAuthLockout).
const ActionSignIn = "dashboard.signin"

// auditSignin records a successful sign-in.
func (h *handler) auditSignin(r *http.Request, operator bool, apiKey string) {
	actor, account := "account:"+apiKey, apiKey
	if operator {
		actor, account = "admin", ""
	}
	h.audit(r, actor, account, ActionSignIn, `{"surface":"dashboard"}`)
}

// audit records an event; a failure is logged and does not fail the
// request.
func (h *handler) audit(r *http.Request, actor, account, action, detail string) {
	e := &kassa.AuditEvent{At: h.now().UTC().Truncate(time.Microsecond), Actor: actor, Account: account, Action: action, RemoteAddr: r.RemoteAddr, Detail: detail}
	if err := h.cfg.Store.AppendAudit(r.Context(), e); err != nil {
		h.log.Error("dashboard: append audit event", "action", action, "err", err)
	}
}

// clientIP is the address the limiters count: the TCP peer (a proxy's
// forwarded header is not trusted here).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
