package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// storeCalls is one call of every kind the HTTP surfaces make, each
// returning its error.
func storeCalls(db *DB) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"Ping":        db.Ping,
		"FindAccount": func(ctx context.Context) error { _, err := db.FindAccount(ctx, "acc-down"); return err },
		"FindBalance": func(ctx context.Context) error { _, err := db.FindBalance(ctx, "acc-down"); return err },
		"Secrets":     func(ctx context.Context) error { _, err := db.Secrets(ctx, "acc-down"); return err },
		"ListAccounts": func(ctx context.Context) error {
			_, _, err := db.ListAccounts(ctx, kassa.AccountFilter{})
			return err
		},
		"UpdateAccount": func(ctx context.Context) error {
			_, err := db.UpdateAccount(ctx, "acc-down", kassa.AccountUpdate{})
			return err
		},
		"CreateAccount": func(ctx context.Context) error {
			return db.CreateAccount(ctx, &kassa.Account{APIKey: "acc-new1", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, nil, nil)
		},
		"CreateSecret": func(ctx context.Context) error {
			return db.CreateSecret(ctx, &kassa.Secret{ID: "s-new", AccountKey: "acc-down", Salt: []byte("s"), Hash: []byte("h")})
		},
		"DeleteSecret": func(ctx context.Context) error { return db.DeleteSecret(ctx, "acc-down", "sec-acc-down") },
		"Debit":        func(ctx context.Context) error { return debit(ctx, db, "acc-down", 1, "") },
		"ListEntries": func(ctx context.Context) error {
			_, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: "acc-down"})
			return err
		},
		"ExpiredHolds": func(ctx context.Context) error { _, err := db.ExpiredHolds(ctx, time.Now(), 10); return err },
		"Verify":       func(ctx context.Context) error { _, err := db.Verify(ctx); return err },
		"AppendAudit": func(ctx context.Context) error {
			return db.AppendAudit(ctx, &kassa.AuditEvent{Actor: "admin", Action: "test"})
		},
		"ListAudit": func(ctx context.Context) error { _, _, err := db.ListAudit(ctx, kassa.AuditFilter{}); return err },
		"AcquireLease": func(ctx context.Context) error {
			_, err := db.AcquireLease(ctx, "job", "me", time.Minute)
			return err
		},
		"PriceBooks": func(ctx context.Context) error { _, err := db.PriceBooks(ctx); return err },
		"ActivePriceBook": func(ctx context.Context) error {
			_, err := db.ActivePriceBook(ctx, kassa.DefaultPlan, time.Now())
			return err
		},
		"AutoReloadAccounts": func(ctx context.Context) error { _, err := db.AutoReloadAccounts(ctx); return err },
		"Session":            func(ctx context.Context) error { _, err := db.Session(ctx, []byte("token-hash")); return err },
		"TouchSession": func(ctx context.Context) error {
			return db.TouchSession(ctx, []byte("token-hash"), time.Now(), time.Now().Add(time.Hour))
		},
	}
}

// TestRefusedConnectionsAreUnavailable: a real database that refuses
// connections (ALLOW_CONNECTIONS false: 55000 on connect, 57P01 for the
// open connections) or has none left (CONNECTION LIMIT 0: 53300) makes
// every store call EUNAVAILABLE, which every surface answers with 503,
// never an internal error (#22); the store recovers when the database
// takes connections again. The database is a throw-away one of the
// test's own: the shared server is never stopped.
func TestRefusedConnectionsAreUnavailable(t *testing.T) {
	d := testkit.ThrowawayDatabase(t)
	db := openSchema(t, d.URL, "", Options{})
	createAccount(t, db, "acc-down", 100)
	ctx := context.Background()
	for _, down := range []struct {
		name string
		take func()
	}{
		{"allow_connections false", func() { d.RefuseConnections(t) }},
		{"connection limit 0", func() { d.LimitConnections(t, 0) }},
	} {
		t.Run(down.name, func(t *testing.T) {
			down.take()
			for name, call := range storeCalls(db) {
				if err := call(ctx); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
					t.Errorf("%s: %v (code %q), want EUNAVAILABLE", name, err, kassa.ErrorCode(err))
				}
			}
			d.AllowConnections(t)
			if err := db.Ping(ctx); err != nil {
				t.Fatalf("after the database takes connections again: %v", err)
			}
			if _, err := db.FindAccount(ctx, "acc-down"); err != nil {
				t.Fatalf("find account after recovery: %v", err)
			}
		})
	}
}
