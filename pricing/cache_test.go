package pricing

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestSnapshotCacheShared: two services over two stores holding the same
// version (one a copy of the other) share one compiled snapshot; another
// version's content is compiled anew.
func TestSnapshotCacheShared(t *testing.T) {
	ctx := context.Background()
	now := newTestClock().Now
	cache := NewSnapshotCache(4)
	a := openSQLite(t, now)
	svcA := NewService(a, refdata.Default(), ServiceOptions{Now: now, Logger: quiet, Cache: cache})
	v, err := svcA.Import(ctx, gbBook("0.05"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := svcA.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := a.Backup(ctx, copyPath); err != nil {
		t.Fatal(err)
	}
	b, err := sqlite.Open(ctx, copyPath, sqlite.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	svcB := NewService(b, refdata.Default(), ServiceOptions{Now: now, Logger: quiet, Cache: cache})
	if err := svcB.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if svcB.Current() != svcA.Current() {
		t.Error("the copy's service compiled the same version again instead of sharing the snapshot")
	}
	uncached := NewService(b, refdata.Default(), ServiceOptions{Now: now, Logger: quiet})
	if err := uncached.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if uncached.Current() == svcA.Current() {
		t.Error("a service without the cache shares a snapshot")
	}
	v2, err := svcB.Import(ctx, gbBook("0.07"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	if err := svcB.Activate(ctx, v2.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got := priceOf(t, svcB).String(); got != "0.07000000" {
		t.Errorf("price after activating another version = %s, want 0.07", got)
	}
}

// TestLoadNoticesReusedVersionNumber: a store restored from an earlier copy
// may give a version number again to other content; Load compiles the new
// content rather than keep the snapshot of the number.
func TestLoadNoticesReusedVersionNumber(t *testing.T) {
	ctx := context.Background()
	now := newTestClock().Now
	db := openSQLite(t, now)
	svc := NewService(db, refdata.Default(), ServiceOptions{Now: now, Logger: quiet})
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := db.Backup(ctx, empty); err != nil {
		t.Fatal(err)
	}
	for _, price := range []string{"0.05", "0.09"} {
		if err := db.Restore(ctx, empty); err != nil {
			t.Fatal(err)
		}
		v, err := svc.Import(ctx, gbBook(price), "csv")
		if err != nil {
			t.Fatal(err)
		}
		if v.Version != 1 {
			t.Fatalf("version %d after the restore, want 1 (the number given again)", v.Version)
		}
		if err := svc.Activate(ctx, v.Version, time.Time{}); err != nil {
			t.Fatal(err)
		}
		if got := priceOf(t, svc).String(); got != price+"000000" {
			t.Errorf("price of version 1 imported at %s = %s", price, got)
		}
	}
}
