package sqlite

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestOverwrittenFileIsUnavailable: a database file that is no longer a
// database (overwritten by a bad copy or damaged under the running server)
// makes reads fail with EUNAVAILABLE, which every surface answers with
// 503, not with an internal error (#22: SQLITE_NOTADB was a 500).
func TestOverwrittenFileIsUnavailable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	if err := db.CreateAccount(ctx, &kassa.Account{APIKey: "acct0001", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, nil, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, bytes.Repeat([]byte{0x5a}, 16384), 0o600); err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"FindAccount":  func() error { _, err := db.FindAccount(ctx, "acct0001"); return err },
		"FindBalance":  func() error { _, err := db.FindBalance(ctx, "acct0001"); return err },
		"Secrets":      func() error { _, err := db.Secrets(ctx, "acct0001"); return err },
		"ListAccounts": func() error { _, _, err := db.ListAccounts(ctx, kassa.AccountFilter{}); return err },
		"ListEntries":  func() error { _, _, err := db.ListEntries(ctx, kassa.EntryFilter{}); return err },
		"ListAudit":    func() error { _, _, err := db.ListAudit(ctx, kassa.AuditFilter{}); return err },
		"PriceBooks":   func() error { _, err := db.PriceBooks(ctx); return err },
		"Ping":         func() error { return db.Ping(ctx) },
		"Session":      func() error { _, err := db.Session(ctx, []byte("token-hash")); return err },
	}
	for name, call := range calls {
		if err := call(); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
			t.Errorf("%s on an overwritten file: %v (code %q), want EUNAVAILABLE", name, err, kassa.ErrorCode(err))
		}
	}
}
