package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
)

// problem is an RFC 7807 body.
type problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status,omitempty"`
	Detail        string         `json:"detail"`
	InvalidParams []invalidParam `json:"invalid_params,omitempty"`
	// InvalidParameters is the secrets API's spelling of InvalidParams.
	InvalidParameters []invalidParam `json:"invalid_parameters,omitempty"`
	Instance          string         `json:"instance,omitempty"`
	// SpendCapProblem adds the members of a spend-cap-reached problem.
	*SpendCapProblem
}

// invalidParam names one bad parameter of a request.
type invalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// problemTitles are the titles of the kassa problem types.
var problemTitles = map[string]string{
	kassa.EINVALID:          "Invalid request",
	kassa.ENOTFOUND:         "Not found",
	kassa.ECONFLICT:         "Conflict",
	kassa.EUNAUTHORIZED:     "Unauthorized",
	kassa.EFORBIDDEN:        "Forbidden",
	kassa.ELIMIT:            "Limit reached",
	kassa.EINSUFFICIENT:     "Insufficient funds",
	kassa.EIDEMPOTENCY:      "Idempotency conflict",
	kassa.ERATELIMITED:      "Too many requests",
	kassa.EUNAVAILABLE:      "Service unavailable",
	kassa.EPAYMENTDECLINED:  "Payment declined",
	kassa.EINTERNAL:         "Internal error",
	kassa.ENOTIMPLEMENTED:   "Not implemented",
	kassa.ECALLBACKREJECTED: "Callback rejected",
	kassa.ESPENDCAP:         "Spend cap reached",
	kassa.ESUSPENDED:        "Account suspended",
}

// problemTypeBase prefixes the type of every kassa problem.
const problemTypeBase = "https://kassa.dev/problems/"

// kassaProblem returns the RFC 7807 body of err on the admin and platform
// APIs: the type ends with the error code, '_' written as '-'.
func kassaProblem(err error) (int, problem) {
	status := statusFor(err)
	var he *httpError
	if errors.As(err, &he) {
		slug := strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-"))
		return status, problem{Type: problemTypeBase + slug, Title: http.StatusText(status), Status: status, Detail: he.msg}
	}
	code := kassa.ErrorCode(err)
	if errors.Is(err, errBodyTooLarge) {
		return status, problem{Type: problemTypeBase + "payload-too-large", Title: "Payload too large", Status: status, Detail: kassa.ErrorMessage(err)}
	}
	p := problem{
		Type:   problemTypeBase + strings.ReplaceAll(code, "_", "-"),
		Title:  problemTitles[code],
		Status: status,
		Detail: kassa.ErrorMessage(err),
	}
	if field := kassa.ErrorField(err); field != "" && code == kassa.EINVALID {
		p.InvalidParams = []invalidParam{{Name: field, Reason: kassa.ErrorMessage(err)}}
	}
	if code == kassa.ESPENDCAP {
		capProblem(&p, err)
	}
	return status, p
}

// writeKassaProblem writes err as an application/problem+json body.
func (s *Server) writeKassaProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, p := kassaProblem(err)
	s.logError(r, status, err)
	setAllow(w, err)
	writeJSONType(w, status, contentProblem, p)
}

// problemJSON adapts a handler of an RFC 7807 surface (admin, platform).
func (s *Server) problemJSON(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := recovered(h, w, r); err != nil {
			s.writeKassaProblem(w, r, err)
		}
	}
}

// Nexmo problem types of the secrets API (§3.3 of the wire reference).
const (
	nexmoErrors  = "https://developer.nexmo.com/api-errors"
	secretErrors = nexmoErrors + "/account/secret-management"
)

// Fields that select a secrets-API not-found body.
const (
	fieldAPIKey   = "api_key"
	fieldSecretID = "secret_id"
)

// secretsProblem returns the status and body of err on the secrets API,
// using the bodies the SDK fixtures show.
func secretsProblem(err error) (int, problem) {
	status := statusFor(err)
	code := kassa.ErrorCode(err)
	var he *httpError
	switch {
	case errors.As(err, &he):
		return status, problem{Type: nexmoErrors + "#" + strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "-")), Title: http.StatusText(status), Detail: he.msg}
	case errors.Is(err, errBodyTooLarge):
		return status, problem{Type: secretErrors + "#validation", Title: "Bad Request", Detail: "The request body is too large"}
	case code == kassa.EUNAUTHORIZED:
		return status, problem{Type: nexmoErrors + "#unauthorized", Title: "Invalid credentials supplied", Detail: "You did not provide correct credentials."}
	case code == kassa.EINVALID:
		p := problem{Type: secretErrors + "#validation", Title: "Bad Request", Detail: "The request failed due to validation errors"}
		field := kassa.ErrorField(err)
		if field == "" || field == fieldBody {
			field = "secret"
		}
		p.InvalidParameters = []invalidParam{{Name: field, Reason: kassa.ErrorMessage(err)}}
		return status, p
	case code == kassa.ELIMIT:
		return status, problem{Type: secretErrors + "#add-excess-secret", Title: "Secret Addition Forbidden",
			Detail: fmt.Sprintf("Account reached maximum number [%d] of allowed secrets", kassa.MaxSecrets)}
	case code == kassa.EFORBIDDEN:
		return status, problem{Type: secretErrors + "#delete-last-secret", Title: "Secret Deletion Forbidden",
			Detail: "Can not delete the last secret. The account must always have at least 1 secret active at any time"}
	case code == kassa.ENOTFOUND && kassa.ErrorField(err) == fieldSecretID:
		return status, problem{Type: nexmoErrors + "#invalid-id", Title: "Invalid ID", Detail: kassa.ErrorMessage(err)}
	case code == kassa.ENOTFOUND:
		return status, problem{Type: nexmoErrors + "#invalid-api-key", Title: "Invalid API Key", Detail: kassa.ErrorMessage(err)}
	}
	title := problemTitles[code]
	if title == "" {
		title = "Internal error"
	}
	return status, problem{Type: nexmoErrors + "#" + strings.ReplaceAll(code, "_", "-"), Title: title, Detail: kassa.ErrorMessage(err)}
}

// writeSecretsProblem writes err in the secrets API's shape. The
// Content-Type is application/json, as in SPEC-1.0.4, which every SDK
// parses.
func (s *Server) writeSecretsProblem(w http.ResponseWriter, r *http.Request, err error) {
	status, p := secretsProblem(err)
	p.Instance = traceID()
	s.logError(r, status, err)
	setAllow(w, err)
	writeJSON(w, status, p)
}

// secretsAPI adapts a handler of the secrets API.
func (s *Server) secretsAPI(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := recovered(h, w, r); err != nil {
			s.writeSecretsProblem(w, r, err)
		}
	}
}
