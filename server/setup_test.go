package server

import (
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa/sqlite"
)

// TestSetupLeaseRunsOneAtATime: several nodes doing their first-start setup
// at once on one store take turns; each runs its setup, never two together.
func TestSetupLeaseRunsOneAtATime(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var inside, most, ran atomic.Int32
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := withSetupLease(ctx, db, "node-"+string(rune('a'+i)), func() error {
				n := inside.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				ran.Add(1)
				inside.Add(-1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ran.Load() != 8 || most.Load() != 1 {
		t.Errorf("%d setups ran, at most %d at once; want 8 and 1", ran.Load(), most.Load())
	}
}
