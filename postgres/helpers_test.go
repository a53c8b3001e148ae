package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/storetest"
)

// newSchema creates nothing yet but returns a fresh schema name and drops
// the schema (whatever it then holds) when the test ends.
func newSchema(tb testing.TB) string {
	tb.Helper()
	base := testkit.PostgresURL(tb)
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	schema := "kassa_t_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// withAppName returns the URL with application_name set, so that a test
// can find its own sessions in pg_stat_activity.
func withAppName(tb testing.TB, raw, name string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		tb.Fatalf("KASSA_TEST_POSTGRES_URL must be a postgres:// URL for this test")
	}
	q := u.Query()
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}

// openSchema opens a store on the given schema and closes it at the end of
// the test.
func openSchema(tb testing.TB, rawURL, schema string, opts Options) *DB {
	tb.Helper()
	opts.Schema = schema
	db, err := Open(context.Background(), rawURL, opts)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// openTestDB opens a store in a fresh schema of its own.
func openTestDB(tb testing.TB, now func() time.Time) *DB {
	tb.Helper()
	schema := newSchema(tb)
	return openSchema(tb, testkit.PostgresURL(tb), schema, Options{Now: now})
}

// clock is a settable store clock.
type clock = storetest.Clock

func newClock() *clock {
	return storetest.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.UTC))
}

// createAccount creates an account with one secret and an opening credit.
func createAccount(tb testing.TB, db kassa.Store, key string, balance kassa.Amount) {
	tb.Helper()
	a := &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DefaultLimits}
	s := &kassa.Secret{ID: "sec-" + key, Salt: []byte("salt"), Hash: []byte("hash")}
	var opening *kassa.Entry
	if balance != 0 {
		opening = &kassa.Entry{Kind: kassa.KindCredit, Amount: balance, Reason: "opening", IdempotencyKey: "open-" + key}
	}
	if err := db.CreateAccount(context.Background(), a, s, opening); err != nil {
		tb.Fatalf("create account %s: %v", key, err)
	}
}

// debit takes amount from key unless that would go below the credit limit.
func debit(ctx context.Context, db kassa.LedgerStore, key string, amount kassa.Amount, idem string) error {
	return db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts(key); err != nil {
			return err
		}
		b, err := tx.Balance(key)
		if err != nil {
			return err
		}
		if b.Balance-amount < b.CreditLimit {
			return kassa.Errorf(kassa.EINSUFFICIENT, "insufficient funds")
		}
		return tx.Append(&kassa.Entry{Account: key, Kind: kassa.KindDebit, Amount: -amount, IdempotencyKey: idem})
	})
}

// wantCode fails the test unless err carries the kassa error code.
func wantCode(tb testing.TB, err error, code string) {
	tb.Helper()
	if got := kassa.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// pgCode returns the SQLSTATE of a server error, "" for anything else.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
