package httpapi

import (
	"errors"
	"net/http"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// Problem types of the Subaccounts API (the wire reference's §5).
const (
	subErrors         = nexmoErrors + "/account/subaccounts"
	subTypeValidation = subErrors + "#validation"
	subTypeTransfers  = subErrors + "#valid-transfers"
	subTypeProvision  = subErrors + "#provisioning"
)

// subProblem is an RFC 7807 body of the Subaccounts API, its keys in the
// real service's order; invalid_parameters items put reason before name,
// as real bodies do.
type subProblem struct {
	Type              string         `json:"type"`
	Title             string         `json:"title"`
	Detail            string         `json:"detail"`
	Instance          string         `json:"instance"`
	InvalidParameters []subParameter `json:"invalid_parameters,omitempty"`
}

// subParameter names one invalid parameter.
type subParameter struct {
	Reason string `json:"reason"`
	Name   string `json:"name"`
}

// errNumberNotOwned is the answer of every number transfer: kassa holds no
// numbers, so no account owns the number.
type errNumberNotOwned struct{ number, from, to string }

func (e *errNumberNotOwned) Error() string {
	return "Could not transfer number " + e.number + " from account " + e.from + " to " + e.to + " - ShortCode is not owned by from account"
}

// subaccountsProblem returns the status and body of err on the
// Subaccounts API. kind names the transfers of the request (for the
// insufficient-funds detail), "" elsewhere.
func subaccountsProblem(err error, kind kassa.TransferKind) (int, subProblem) {
	code := kassa.ErrorCode(err)
	var he *httpError
	var num *errNumberNotOwned
	switch {
	case errors.As(err, &he):
		return he.status, subProblem{Type: nexmoErrors + "#" + strings.ToLower(strings.ReplaceAll(http.StatusText(he.status), " ", "-")),
			Title: http.StatusText(he.status), Detail: he.msg}
	case errors.As(err, &num):
		return http.StatusForbidden, subProblem{Type: subErrors + "#invalid-number-transfer", Title: "Invalid Number Transfer", Detail: num.Error()}
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, subProblem{Type: subTypeValidation, Title: "Payload Too Large", Detail: "The request body is too large"}
	case code == kassa.EUNAUTHORIZED:
		return http.StatusUnauthorized, subProblem{Type: nexmoErrors + "#unauthorized", Title: "Invalid credentials supplied", Detail: "You did not provide correct credentials"}
	case code == kassa.EFORBIDDEN && errors.Is(err, app.ErrNumberTransfer):
		return http.StatusForbidden, subProblem{Type: subErrors + "#invalid-number-transfer", Title: "Invalid Number Transfer", Detail: kassa.ErrorMessage(err)}
	case code == kassa.EFORBIDDEN && errors.Is(err, app.ErrNotProvisioned):
		return http.StatusForbidden, subProblem{Type: nexmoErrors + "#unprovisioned", Title: "Authorisation error", Detail: kassa.ErrorMessage(err)}
	case code == kassa.EFORBIDDEN, code == kassa.ESUSPENDED:
		return http.StatusForbidden, subProblem{Type: subTypeTransfers, Title: "Invalid Transfer", Detail: kassa.ErrorMessage(err)}
	case code == kassa.ELIMIT:
		return http.StatusForbidden, subProblem{Type: subTypeProvision, Title: "Maximum number of sub-accounts reached",
			Detail: "This account has reached maximum number of allowed sub-accounts"}
	case code == kassa.EINSUFFICIENT:
		detail := "Insufficient Balance"
		if kind == kassa.TransferCredit {
			detail = "Insufficient Credit"
		}
		return http.StatusForbidden, subProblem{Type: subTypeTransfers, Title: "Transfer amount is invalid", Detail: detail}
	case code == kassa.ENOTFOUND:
		return http.StatusNotFound, subProblem{Type: nexmoErrors + "#invalid-api-key", Title: "Invalid API Key", Detail: kassa.ErrorMessage(err)}
	case code == kassa.EINVALID:
		field := kassa.ErrorField(err)
		if field == "" || field == fieldBody {
			field = "body"
		}
		return http.StatusUnprocessableEntity, subProblem{Type: subTypeValidation, Title: "Bad Request",
			Detail: "The request failed due to validation errors", InvalidParameters: []subParameter{{Reason: kassa.ErrorMessage(err), Name: field}}}
	case code == kassa.EIDEMPOTENCY:
		return http.StatusConflict, subProblem{Type: subErrors + "#idempotency-conflict", Title: "Idempotency Conflict", Detail: kassa.ErrorMessage(err)}
	case code == kassa.ERATELIMITED:
		return http.StatusTooManyRequests, subProblem{Type: nexmoErrors + "#throttled", Title: "Too Many Requests", Detail: kassa.ErrorMessage(err)}
	case code == kassa.EUNAVAILABLE:
		return http.StatusServiceUnavailable, subProblem{Type: nexmoErrors + "#unavailable", Title: "Service Unavailable", Detail: kassa.ErrorMessage(err)}
	}
	return http.StatusInternalServerError, subProblem{Type: nexmoErrors + "#internal-error", Title: "Internal Error",
		Detail: "An internal error occurred. Please try again shortly"}
}

// subaccountsAPI adapts a handler of the Subaccounts API: errors in its
// RFC 7807 shape with Content-Type application/json (exactly: the Node SDK
// compares it case-sensitively and reads anything else as text).
func (s *Server) subaccountsAPI(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := recovered(h, w, r); err != nil {
			status, p := subaccountsProblem(err, transferKindOf(r))
			p.Instance = traceID()
			s.logError(r, status, err)
			setAllow(w, err)
			writeJSONType(w, status, contentSubaccounts, p)
		}
	}
}

// contentSubaccounts is the Content-Type of every Subaccounts API answer.
const contentSubaccounts = "application/json"

// transferKindOf is the kind of transfers a request's path is about.
func transferKindOf(r *http.Request) kassa.TransferKind {
	switch {
	case strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/credit-transfers"):
		return kassa.TransferCredit
	case strings.HasSuffix(strings.TrimSuffix(r.URL.Path, "/"), "/balance-transfers"):
		return kassa.TransferBalance
	}
	return ""
}
