package web

import (
	"crypto/subtle"
	"net/http"
)

// csrfField is the form field that carries the session's CSRF token.
const csrfField = "csrf"

// validCSRF reports in constant time whether the request's csrf form field
// is the session's token. The form must be parsed already.
func validCSRF(r *http.Request, sess *session) bool {
	got := r.PostFormValue(csrfField)
	if got == "" || sess == nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(sess.csrf)) == 1
}
