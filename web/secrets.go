package web

import (
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
)

// secretsData is the secrets page's data.
type secretsData struct {
	Secrets   []*kassa.Secret
	CanAdd    bool
	CanRevoke bool
	Error     string
	Min, Max  int
}

// secretsPage lists the account's secrets.
func (h *handler) secretsPage(w http.ResponseWriter, r *http.Request, sess *session) {
	h.renderSecrets(w, r, sess, http.StatusOK, "")
}

func (h *handler) renderSecrets(w http.ResponseWriter, r *http.Request, sess *session, status int, errMsg string) {
	secrets, err := h.cfg.Store.Secrets(r.Context(), sess.apiKey)
	if err != nil {
		h.renderError(w, r, sess, http.StatusServiceUnavailable, h.userMessage(r, "list secrets", err))
		return
	}
	h.render(w, r, sess, status, "secrets", "API secrets", "secrets", secretsData{
		Secrets:   secrets,
		CanAdd:    len(secrets) < kassa.MaxSecrets,
		CanRevoke: len(secrets) > kassa.MinSecrets,
		Error:     errMsg,
		Min:       kassa.MinSecretLength,
		Max:       kassa.MaxSecretLength,
	})
}

// createSecret adds the typed secret, or a generated one when the field is
// left empty, and shows it once.
func (h *handler) createSecret(w http.ResponseWriter, r *http.Request, sess *session) {
	plain := r.PostFormValue("secret")
	if strings.TrimSpace(plain) == "" {
		plain = auth.GenerateSecret()
	}
	if _, err := h.app.CreateSecret(r.Context(), accountActor(r, sess), sess.apiKey, plain); err != nil {
		h.renderSecrets(w, r, sess, statusOf(err), h.userMessage(r, "create the secret", err))
		return
	}
	h.sessions.setFlash(sess, &flash{Kind: "ok", Message: "Secret created. Copy it now: it will not be shown again.", Secret: plain})
	redirect(w, r, "/ui/secrets")
}

// revokeSecret deletes one secret unless it is the last.
func (h *handler) revokeSecret(w http.ResponseWriter, r *http.Request, sess *session) {
	if err := h.app.RevokeSecret(r.Context(), accountActor(r, sess), sess.apiKey, r.PathValue("id")); err != nil {
		msg := h.userMessage(r, "revoke the secret", err)
		if kassa.ErrorCode(err) == kassa.EFORBIDDEN {
			msg = "An account keeps at least one secret: create another before revoking this one."
		}
		h.renderSecrets(w, r, sess, statusOf(err), msg)
		return
	}
	h.setFlash(sess, "ok", "Secret revoked.")
	redirect(w, r, "/ui/secrets")
}

// accountActor is the signed-in account holder, for the audit log.
func accountActor(r *http.Request, sess *session) app.Actor {
	return app.AccountHolder(sess.apiKey, r.RemoteAddr).Via(app.SurfaceDashboard)
}

// operatorActor is the signed-in operator, for the audit log.
func operatorActor(r *http.Request) app.Actor {
	return app.Operator(r.RemoteAddr).Via(app.SurfaceDashboard)
}

// statusOf maps a domain error to the status of the page that shows it.
func statusOf(err error) int {
	switch kassa.ErrorCode(err) {
	case kassa.EINVALID, kassa.ECALLBACKREJECTED, kassa.EINSUFFICIENT, kassa.EIDEMPOTENCY:
		return http.StatusUnprocessableEntity
	case kassa.ENOTFOUND:
		return http.StatusNotFound
	case kassa.ECONFLICT, kassa.ELIMIT:
		return http.StatusConflict
	case kassa.EFORBIDDEN:
		return http.StatusForbidden
	case kassa.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}
