package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// openTemp opens a fresh store in t.TempDir() and closes it at the end.
func openTemp(t testing.TB, now func() time.Time) *sqlite.DB {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{Now: now})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB, now func() time.Time) kassa.Store { return openTemp(t, now) })
}
