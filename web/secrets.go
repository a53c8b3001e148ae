package web

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
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
	sec, err := h.cfg.Hasher.NewSecret(sess.apiKey, plain, h.now())
	if err == nil {
		err = h.cfg.Store.CreateSecret(r.Context(), sec)
	}
	if err != nil {
		h.renderSecrets(w, r, sess, statusOf(err), h.userMessage(r, "create the secret", err))
		return
	}
	h.cfg.Auth.Invalidate(sess.apiKey)
	h.audit(r, "account:"+sess.apiKey, sess.apiKey, "secret.create", secretDetail(sec.ID))
	h.sessions.setFlash(sess, &flash{Kind: "ok", Message: "Secret created. Copy it now: it will not be shown again.", Secret: plain})
	redirect(w, r, "/ui/secrets")
}

// revokeSecret deletes one secret unless it is the last.
func (h *handler) revokeSecret(w http.ResponseWriter, r *http.Request, sess *session) {
	id := r.PathValue("id")
	if err := h.cfg.Store.DeleteSecret(r.Context(), sess.apiKey, id); err != nil {
		msg := h.userMessage(r, "revoke the secret", err)
		if kassa.ErrorCode(err) == kassa.EFORBIDDEN {
			msg = "An account keeps at least one secret: create another before revoking this one."
		}
		h.renderSecrets(w, r, sess, statusOf(err), msg)
		return
	}
	h.cfg.Auth.Invalidate(sess.apiKey)
	h.audit(r, "account:"+sess.apiKey, sess.apiKey, "secret.revoke", secretDetail(id))
	h.setFlash(sess, "ok", "Secret revoked.")
	redirect(w, r, "/ui/secrets")
}

func secretDetail(id string) string {
	b, _ := json.Marshal(map[string]string{"secret_id": id, "surface": "dashboard"})
	return string(b)
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
