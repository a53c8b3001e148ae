package web

import (
	"errors"
	"net/http"

	"github.com/kassa-dev/kassa"
)

var (
	errTooLarge = errors.New("the upload is too large")
	errBadForm  = errors.New("the form is malformed")
)

// userMessage returns what a person may be told about err: the domain
// error's message, or a generic sentence (the cause is logged).
func (h *handler) userMessage(r *http.Request, what string, err error) string {
	var ke *kassa.Error
	if errors.As(err, &ke) && ke.Code != kassa.EINTERNAL {
		if ke.Code == kassa.EUNAVAILABLE {
			return "The service is unavailable right now; try again shortly."
		}
		return ke.Message
	}
	h.log.Error("dashboard: "+what, "path", r.URL.Path, "err", err)
	return "Something went wrong (" + what + "). Try again; if it persists, tell the operator."
}

// notFound answers unknown dashboard paths.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, h.sessionOf(r), http.StatusNotFound, "There is no such page.")
}

// renderError renders the error page with status.
func (h *handler) renderError(w http.ResponseWriter, r *http.Request, sess *session, status int, msg string) {
	if sess != nil && sess.role == noRole {
		sess = nil
	}
	h.render(w, r, sess, status, "error", "Error", "", map[string]any{"Message": msg, "Status": status})
}
