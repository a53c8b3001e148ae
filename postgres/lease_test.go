package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/internal/testkit"
)

// A lease held by A on one node moves to B on another node only once A's
// ttl has passed by the store clock.
func TestLeaseMovesAfterExpiry(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	clk := newClock()
	nodeA := openSchema(t, base, schema, Options{Now: clk.Now})
	nodeB := openSchema(t, base, schema, Options{Now: clk.Now})
	const ttl = 30 * time.Second

	mustLease(t, nodeA, "reload", "A", ttl, true)
	mustLease(t, nodeB, "reload", "B", ttl, false)
	clk.Advance(ttl - time.Second)
	mustLease(t, nodeB, "reload", "B", ttl, false)
	mustLease(t, nodeA, "reload", "A", ttl, true) // renewal: now valid until +2·ttl-1s
	clk.Advance(ttl - time.Second)
	mustLease(t, nodeB, "reload", "B", ttl, false)
	clk.Advance(2 * time.Second)
	mustLease(t, nodeB, "reload", "B", ttl, true)
	mustLease(t, nodeA, "reload", "A", ttl, false)

	// Releasing by someone who does not hold it changes nothing.
	if err := nodeA.ReleaseLease(ctx, "reload", "A"); err != nil {
		t.Fatal(err)
	}
	mustLease(t, nodeA, "reload", "A", ttl, false)
	if err := nodeB.ReleaseLease(ctx, "reload", "B"); err != nil {
		t.Fatal(err)
	}
	mustLease(t, nodeA, "reload", "A", ttl, true)
}

// Many holders on two nodes race for one expired lease: exactly one wins.
func TestLeaseRace(t *testing.T) {
	base, schema := testkit.PostgresURL(t), newSchema(t)
	clk := newClock()
	nodes := []*DB{openSchema(t, base, schema, Options{Now: clk.Now}), openSchema(t, base, schema, Options{Now: clk.Now})}
	mustLease(t, nodes[0], "job", "old", time.Second, true)
	clk.Advance(2 * time.Second)
	var winners atomic.Int64
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Go(func() {
			ok, err := nodes[i%2].AcquireLease(context.Background(), "job", fmt.Sprintf("holder-%d", i), time.Minute)
			if err != nil {
				t.Errorf("acquire: %v", err)
			}
			if ok {
				winners.Add(1)
			}
		})
	}
	wg.Wait()
	if winners.Load() != 1 {
		t.Fatalf("%d holders got the lease, want exactly 1", winners.Load())
	}
}

func mustLease(t *testing.T, db *DB, name, holder string, ttl time.Duration, want bool) {
	t.Helper()
	got, err := db.AcquireLease(context.Background(), name, holder, ttl)
	if err != nil {
		t.Fatalf("AcquireLease(%s, %s): %v", name, holder, err)
	}
	if got != want {
		t.Fatalf("AcquireLease(%s, %s) = %v, want %v", name, holder, got, want)
	}
}
