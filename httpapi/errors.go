package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
)

// handlerFunc is an HTTP handler that returns its error; the surface's
// adapter maps the error to that surface's wire shape and logs internal ones.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// statusOf is the one table from error codes to HTTP statuses that the
// RFC 7807 surfaces (admin, platform, secrets) share. The legacy Account API
// differs in a few places (see legacyStatus).
var statusOf = map[string]int{
	kassa.EINVALID:          http.StatusBadRequest,
	kassa.ENOTFOUND:         http.StatusNotFound,
	kassa.ECONFLICT:         http.StatusConflict,
	kassa.EUNAUTHORIZED:     http.StatusUnauthorized,
	kassa.EFORBIDDEN:        http.StatusForbidden,
	kassa.ELIMIT:            http.StatusForbidden,
	kassa.EINSUFFICIENT:     http.StatusPaymentRequired,
	kassa.EIDEMPOTENCY:      http.StatusConflict,
	kassa.ERATELIMITED:      http.StatusTooManyRequests,
	kassa.EUNAVAILABLE:      http.StatusServiceUnavailable,
	kassa.EPAYMENTDECLINED:  http.StatusPaymentRequired,
	kassa.EINTERNAL:         http.StatusInternalServerError,
	kassa.ENOTIMPLEMENTED:   http.StatusNotImplemented,
	kassa.ECALLBACKREJECTED: http.StatusBadRequest,
	kassa.ESPENDCAP:         http.StatusForbidden,
	kassa.ESUSPENDED:        http.StatusForbidden,
}

// httpError carries a status that has no domain code (405, 413) through a
// handler's error return.
type httpError struct {
	status int
	allow  string // the Allow header of a 405
	msg    string
}

func (e *httpError) Error() string { return e.msg }

// errMethod is the error of a request with a method the path does not take.
func errMethod(allow ...string) error {
	return &httpError{status: http.StatusMethodNotAllowed, allow: strings.Join(allow, ", "), msg: "method not allowed"}
}

// errPathNotFound is the error of an unknown path.
var errPathNotFound = &httpError{status: http.StatusNotFound, msg: "The page you requested was not found"}

// statusFor returns the HTTP status of err on the RFC 7807 surfaces.
func statusFor(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	if errors.Is(err, errBodyTooLarge) {
		return http.StatusRequestEntityTooLarge
	}
	if st, ok := statusOf[kassa.ErrorCode(err)]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// setAllow sets the Allow header when err is a 405.
func setAllow(w http.ResponseWriter, err error) {
	var he *httpError
	if errors.As(err, &he) && he.allow != "" {
		w.Header().Set("Allow", he.allow)
	}
}

// logError logs err when it is an internal or availability failure. Only
// the method and the path are logged, never the query, the body or a path
// segment that carry credentials.
func (s *Server) logError(r *http.Request, status int, err error) {
	if status < 500 {
		return
	}
	level := slog.LevelError
	if status == http.StatusServiceUnavailable {
		level = slog.LevelWarn
	}
	s.log.Log(r.Context(), level, "request failed", "method", r.Method, "path", loggablePath(r), "status", status, "err", err)
}

// loggablePath is the request path for logs, with the segments that can
// carry a credential redacted (see RedactPath).
func loggablePath(r *http.Request) string {
	return RedactPath(r.URL.Path)
}

// traceID returns a fresh 32-hex-digit trace id.
func traceID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// legacyBody is the error body of the legacy Account API.
type legacyBody struct {
	XMLName xml.Name `json:"-"`
	Code    string   `json:"error-code" xml:"error-code"`
	Label   string   `json:"error-code-label" xml:"error-code-label"`
}

// legacyFlavor says how one legacy endpoint writes its errors: the XML root
// element and the shape of a 400 about a parameter.
type legacyFlavor struct {
	xmlRoot    string
	badRequest func(field, message string) any
}

// The flavors of the legacy endpoints.
var (
	flavorBalance  = legacyFlavor{xmlRoot: "accountBalance"}
	flavorSettings = legacyFlavor{xmlRoot: "account-settings"}
	flavorTopUp    = legacyFlavor{xmlRoot: "response", badRequest: topUpBadRequest}
	flavorPricing  = legacyFlavor{xmlRoot: "response", badRequest: pricingBadRequest}
	flavorGeneric  = legacyFlavor{xmlRoot: "response"}
)

// pricingBadRequest is the pricing API's 400 body (PRICING-0.0.3).
func pricingBadRequest(field, message string) any {
	return map[string]any{
		"type":        "BAD_REQUEST",
		"error_title": "Bad Request",
		"invalid_parameters": map[string]string{
			"parameter": field,
			"message":   message,
		},
	}
}

// topUpBadRequest is the top-up 400 body (the PHP fixture's shape).
func topUpBadRequest(field, message string) any {
	return map[string]any{
		"type":               "BAD_REQUEST",
		"error_title":        "Bad Request",
		"invalid_parameters": map[string]string{field: message},
	}
}

// legacyStatus maps an error to the legacy API's status and error-code
// label. Refusals of the top-up (auto-reload not enabled) are 401 as in the
// reference; a declined payment is 420 "topup failed: <why>" (the gateway's
// reason, the daily cap, or a missing gateway); a callback URL that fails
// its live check is 420.
func legacyStatus(err error) (int, string) {
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.msg
	}
	if errors.Is(err, errBodyTooLarge) {
		return http.StatusRequestEntityTooLarge, "request body too large"
	}
	code := kassa.ErrorCode(err)
	switch code {
	case kassa.EUNAUTHORIZED:
		return http.StatusUnauthorized, "authentication failed"
	case kassa.EFORBIDDEN:
		return http.StatusUnauthorized, kassa.ErrorMessage(err)
	case kassa.EPAYMENTDECLINED:
		return 420, "topup failed: " + kassa.ErrorMessage(err)
	case kassa.ECALLBACKREJECTED:
		return 420, kassa.ErrorMessage(err)
	case kassa.EINTERNAL:
		return http.StatusInternalServerError, "unknown error"
	case kassa.EUNAVAILABLE:
		// The message says what is missing ("the database is unavailable",
		// "no EUR/USD exchange rate is configured"); messages of
		// *kassa.Error are caller-safe by contract.
		return http.StatusServiceUnavailable, "service unavailable: " + kassa.ErrorMessage(err)
	case kassa.ENOTFOUND:
		return http.StatusNotFound, "The page you requested was not found"
	}
	st, ok := statusOf[code]
	if !ok {
		st = http.StatusInternalServerError
	}
	return st, kassa.ErrorMessage(err)
}

// writeLegacyError writes err in the legacy shape of flavor f, as XML when
// the caller prefers it.
func (s *Server) writeLegacyError(w http.ResponseWriter, r *http.Request, f legacyFlavor, err error) {
	status, label := legacyStatus(err)
	s.logError(r, status, err)
	setAllow(w, err)
	if status == http.StatusBadRequest && f.badRequest != nil {
		if field := kassa.ErrorField(err); field != "" && field != fieldBody {
			writeJSON(w, status, f.badRequest(field, kassa.ErrorMessage(err)))
			return
		}
	}
	body := legacyBody{Code: strconv.Itoa(status), Label: label}
	if wantsXML(r) {
		body.XMLName = xml.Name{Local: f.xmlRoot}
		writeXML(w, status, body)
		return
	}
	writeJSON(w, status, body)
}

// recovered runs h and turns a panic into an internal error, so that the
// caller gets the surface's 500 body and the panic is logged with its stack.
// A request carrying an injected error (WithInjectedError) gets that error
// instead, h not run.
func recovered(h handlerFunc, w http.ResponseWriter, r *http.Request) (err error) {
	if err := injectedError(r.Context()); err != nil {
		return err
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			err = fmt.Errorf("panic: %v\n%s", p, debug.Stack())
		}
	}()
	return h(w, r)
}

// legacy adapts a handler of the legacy Account API.
func (s *Server) legacy(f legacyFlavor, h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := recovered(h, w, r); err != nil {
			s.writeLegacyError(w, r, f, err)
		}
	}
}
