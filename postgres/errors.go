package postgres

import (
	"context"
	"errors"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kassa-dev/kassa"
)

// SQLSTATE codes the store looks at.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeNumericOutOfRange    = "22003"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// translate turns driver errors into kassa errors: no rows is ENOTFOUND, a
// unique violation ECONFLICT, a missing referenced account ENOTFOUND, an
// amount out of the BIGINT range EINVALID, and anything that says the
// database cannot be reached or used (a connection refused, reset or
// refused by the server for any reason, a dropped connection, a closed
// pool, a server shutting down, out of connections or failing on I/O)
// EUNAVAILABLE. A *kassa.Error
// passes through unchanged; anything else is left for the caller to report
// as internal.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ke *kassa.Error
	if errors.As(err, &ke) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "not found", Err: err}
	}
	// A failed connection attempt is the database being out of reach,
	// whatever the server said while refusing it: 55000 (the database does
	// not allow connections), 57P03 (starting up or shutting down), 53300
	// (too many connections), 3D000 (no such database), 28P01 (the
	// password changed)… A PgError inside must not be read as a query's.
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return translatePgError(pe, err)
	}
	if unreachable(err) {
		return &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	return err
}

// translatePgError maps the server's error codes.
func translatePgError(pe *pgconn.PgError, err error) error {
	switch {
	case pe.Code == codeUniqueViolation:
		return &kassa.Error{Code: kassa.ECONFLICT, Message: "already exists", Err: err}
	case pe.Code == codeForeignKeyViolation:
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such account", Err: err}
	case pe.Code == codeNumericOutOfRange:
		return &kassa.Error{Code: kassa.EINVALID, Message: "amount out of range", Err: err}
	case strings.HasPrefix(pe.Code, "08"), // connection exception
		strings.HasPrefix(pe.Code, "53"),  // insufficient resources: too many connections, disk full
		strings.HasPrefix(pe.Code, "57P"), // operator intervention: shutdown, cannot connect now
		strings.HasPrefix(pe.Code, "58"),  // system error: I/O error on the server
		pe.Code == "25006":                // read-only transaction: a standby after a fail-over
		return &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	return err
}

// unreachable reports whether err means that the database could not be
// reached or the connection was lost.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), pgconn.Timeout(err), pgconn.SafeToRetry(err),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, net.ErrClosed):
		return true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "closed pool") || strings.Contains(msg, "conn closed") ||
		strings.Contains(msg, "unexpected EOF") || strings.Contains(msg, "connection reset")
}

// retryable reports whether running a failed transaction again is safe and
// can succeed: it lost a serialization or deadlock race with another one, or
// its connection failed before a statement was even sent (a stale pooled
// connection after a server restart), so nothing can have committed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
	}
	return pgconn.SafeToRetry(err)
}
