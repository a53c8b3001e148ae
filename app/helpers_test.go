package app_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
)

// countingStore is the real store counting its account reads.
type countingStore struct {
	kassa.Store
	finds atomic.Int64
}

func (s *countingStore) FindAccount(ctx context.Context, key string) (*kassa.Account, error) {
	s.finds.Add(1)
	return s.Store.FindAccount(ctx, key)
}

// env is the application layer over a real SQLite store, ledger and pricing
// service with a one-country price book.
type env struct {
	t      testing.TB
	store  *countingStore
	hasher *auth.Hasher
	svc    *app.Service
}

const (
	key    = "abcd1234"
	secret = "Secret1234"
)

// operator is the actor of the tests' operator actions.
var operator = app.Operator("192.0.2.1:4000")

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	db := testkit.OpenSQLite(t, sqlite.Options{})
	store := &countingStore{Store: db}
	hasher, err := auth.NewHasher(bytes.Repeat([]byte{3}, 32))
	if err != nil {
		t.Fatal(err)
	}
	prices := pricing.NewService(db, refdata.Default(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	book := &kassa.PriceBook{Name: "test", Prices: []kassa.Price{
		{Type: kassa.SMS, Country: "GB", Currency: kassa.EUR, Price: kassa.MustParseAmount("0.04")},
	}}
	v, err := prices.Import(ctx, book, "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	ledger := charging.New(db, charging.Options{})
	t.Cleanup(ledger.Close)
	e := &env{t: t, store: store, hasher: hasher,
		svc: app.New(app.Config{Store: store, Ledger: ledger, Rater: prices, Hasher: hasher})}
	credit := kassa.MustParseAmount("10")
	if _, err := e.svc.CreateAccount(ctx, app.System, app.NewAccount{APIKey: key, Secret: secret, Credit: credit}); err != nil {
		t.Fatal(err)
	}
	return e
}

// audit returns the account's audit events of action, newest first.
func (e *env) audit(action string) []*kassa.AuditEvent {
	e.t.Helper()
	list, _, err := e.store.ListAudit(context.Background(), kassa.AuditFilter{Account: key, Action: action})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// balance reads the account's balance.
func (e *env) balance() kassa.Amount {
	e.t.Helper()
	a, err := e.store.Store.FindAccount(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return a.Balance
}

// wantInvalid fails unless err is EINVALID naming field.
func wantInvalid(t testing.TB, err error, field string) {
	t.Helper()
	if kassa.ErrorCode(err) != kassa.EINVALID || kassa.ErrorField(err) != field {
		t.Fatalf("error %v (field %q), want EINVALID naming %q", err, kassa.ErrorField(err), field)
	}
}

func ptr[T any](v T) *T { return &v }
