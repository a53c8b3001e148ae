package testkit

import (
	"context"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestOpenSQLite: the store opens migrated, with the clock of the options.
func TestOpenSQLite(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	db := OpenSQLite(t, sqlite.Options{Now: func() time.Time { return at }})
	acct := &kassa.Account{APIKey: "kit00001", Currency: kassa.EUR, Limits: kassa.DemoLimits}
	sec := &kassa.Secret{ID: "6f1c2b1e-4d7a-4b8e-9c3d-2a1b0c9d8e7f", AccountKey: "kit00001", Salt: []byte("0123456789abcdef"),
		Hash: []byte("0123456789abcdef0123456789abcdef"), CreatedAt: at}
	if err := db.CreateAccount(context.Background(), acct, sec, nil); err != nil {
		t.Fatalf("create account: %v", err)
	}
	got, err := db.FindAccount(context.Background(), "kit00001")
	if err != nil {
		t.Fatalf("find account: %v", err)
	}
	if !got.CreatedAt.Equal(at) {
		t.Fatalf("created at %v, want the options' clock %v", got.CreatedAt, at)
	}
}
