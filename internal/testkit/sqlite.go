package testkit

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/kassa-dev/kassa/sqlite"
)

// OpenSQLite opens a real SQLite store (kassa.db in tb's temporary
// directory) with o and closes it when the test ends. It fails the test
// when the store does not open.
func OpenSQLite(tb testing.TB, o sqlite.Options) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "kassa.db"), o)
	if err != nil {
		tb.Fatalf("open sqlite store: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}
