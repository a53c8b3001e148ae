package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kassa-dev/kassa"
)

// The driver-error table, without a server: each kind of failure gets the
// kassa code the HTTP layer maps to the right status.
func TestTranslate(t *testing.T) {
	pg := func(code string) error { return fmt.Errorf("query: %w", &pgconn.PgError{Code: code, Message: "x"}) }
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}
	plain := errors.New("something else")
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, ""},
		{fmt.Errorf("find: %w", pgx.ErrNoRows), kassa.ENOTFOUND},
		{pg(codeUniqueViolation), kassa.ECONFLICT},
		{pg(codeForeignKeyViolation), kassa.ENOTFOUND},
		{pg(codeNumericOutOfRange), kassa.EINVALID},
		{pg("08006"), kassa.EUNAVAILABLE},           // connection failure
		{pg("57P01"), kassa.EUNAVAILABLE},           // admin shutdown
		{pg("53300"), kassa.EUNAVAILABLE},           // too many connections
		{pg("25006"), kassa.EUNAVAILABLE},           // read-only transaction (a standby)
		{pg("57P03"), kassa.EUNAVAILABLE},           // cannot connect now
		{pg("58030"), kassa.EUNAVAILABLE},           // I/O error on the server
		{pg("55000"), kassa.EINTERNAL},              // a query's "object not in prerequisite state" is not the database being down
		{pg("42P01"), kassa.EINTERNAL},              // undefined table: a bug, not the caller's fault
		{pg(codeDeadlockDetected), kassa.EINTERNAL}, // retried by inTx; internal if it persists
		{fmt.Errorf("begin: %w", refused), kassa.EUNAVAILABLE},
		{fmt.Errorf("ping: %w", context.DeadlineExceeded), kassa.EUNAVAILABLE},
		{errors.New("closed pool"), kassa.EUNAVAILABLE},
		{kassa.Errorf(kassa.ELIMIT, "two secrets"), kassa.ELIMIT},
		{plain, kassa.EINTERNAL},
	} {
		got := translate(c.err)
		if code := kassa.ErrorCode(got); code != c.want {
			t.Errorf("translate(%v) code = %q, want %q", c.err, code, c.want)
		}
		if c.err != nil && !errors.Is(got, c.err) {
			t.Errorf("translate(%v) lost the cause", c.err)
		}
	}
	if !retryable(pg(codeSerializationFailure)) || !retryable(pg(codeDeadlockDetected)) || retryable(pg(codeUniqueViolation)) {
		t.Error("retryable: only serialization failures and deadlocks are retried")
	}
}

func TestCeilMicro(t *testing.T) {
	base := newClock().Now().Truncate(time.Microsecond)
	for _, c := range []struct{ in, want int64 }{{0, 0}, {1, 1000}, {999, 1000}, {1000, 1000}, {1001, 2000}} {
		if got := ceilMicro(base.Add(time.Duration(c.in))); !got.Equal(base.Add(time.Duration(c.want))) {
			t.Errorf("ceilMicro(+%dns) = +%v, want +%dns", c.in, got.Sub(base), c.want)
		}
	}
}
