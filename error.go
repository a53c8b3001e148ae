package kassa

import (
	"errors"
	"fmt"
)

// Error codes: a small closed set that every surface maps to its own wire
// shape and status. HTTP statuses never appear in the domain.
const (
	EINVALID          = "invalid"              // bad input; Field may name the parameter
	ENOTFOUND         = "not_found"            // no such account, secret, entry, version
	ECONFLICT         = "conflict"             // already exists, or a state that forbids the change
	EUNAUTHORIZED     = "unauthorized"         // bad or missing credentials
	EFORBIDDEN        = "forbidden"            // authenticated but not allowed (e.g. last secret)
	ELIMIT            = "limit_reached"        // a count limit (e.g. two secrets) is reached
	EINSUFFICIENT     = "insufficient_funds"   // the change would take a balance below its floor
	EIDEMPOTENCY      = "idempotency_conflict" // same idempotency key, different request
	ERATELIMITED      = "rate_limited"         // too many requests; retry later
	EUNAVAILABLE      = "unavailable"          // a dependency (the database) is down; retry later
	EPAYMENTDECLINED  = "payment_declined"     // a reload gateway declined or is not configured
	EINTERNAL         = "internal"             // a bug or an unexpected failure; details are logged only
	ENOTIMPLEMENTED   = "not_implemented"      // a feature this server does not offer
	ECALLBACKREJECTED = "callback_rejected"    // a callback URL failed its live check
	ESUSPENDED        = "account_suspended"    // the account (or its primary) is suspended: no charges or holds
	ESPENDCAP         = "spend_cap_reached"    // a charge or hold would exceed a daily or monthly spend cap (Err is a *CapError)
)

// Error is the domain error. Code is one of the E* constants, Message is safe
// to show to the caller, Field names the offending parameter where there is
// one, and Err is the wrapped cause (logged, never shown).
type Error struct {
	Code    string
	Message string
	Field   string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	msg := e.Code + ": " + e.Message
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one named parameter.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the caller-safe message of err: the message of its
// *Error, or "internal error" for anything else.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the parameter named by err's *Error, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
