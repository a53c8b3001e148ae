package reload

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
)

// freshSchema returns a new schema name, dropped when the test ends.
func freshSchema(t *testing.T, url string) string {
	t.Helper()
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "kassa_reload_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// TestPostgresNodesCreditEachAccountOnce runs three kassa "nodes" (each its
// own store connection pool, ledger and Reloader) on one PostgreSQL
// database, as behind a load balancer: whatever their interleaving, each due
// account is reloaded and paid exactly once, and when the lease holder stops
// another node takes over.
func TestPostgresNodesCreditEachAccountOnce(t *testing.T) {
	url := testkit.PostgresURL(t)
	schema := freshSchema(t, url)
	clk := newClock()
	b := newBilling(t, pays)
	const nodes, accounts = 3, 12
	var reloaders []*Reloader
	var stores []*postgres.DB
	for n := range nodes {
		db, err := postgres.Open(context.Background(), url, postgres.Options{Now: clk.Now, Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		l := charging.New(db, charging.Options{Now: clk.Now})
		t.Cleanup(l.Close)
		stores = append(stores, db)
		reloaders = append(reloaders, New(db, l, b.gateway(time.Second, 0), Options{Now: clk.Now, NodeID: fmt.Sprintf("node-%d", n), LeaseTTL: time.Minute}))
	}
	for i := range accounts {
		a := &kassa.Account{APIKey: fmt.Sprintf("pg%02d", i), Currency: kassa.EUR, Limits: kassa.DefaultLimits, AutoReload: enabled("trx")}
		if err := stores[0].CreateAccount(context.Background(), a, testSecret(), nil); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	leaders := make([]bool, nodes)
	for n, r := range reloaders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				s, err := r.RunOnce(context.Background())
				if err != nil {
					t.Errorf("node %d: %v", n, err)
				}
				leaders[n] = leaders[n] || s.Leader
			}
		}()
	}
	wg.Wait()
	count := 0
	for _, l := range leaders {
		if l {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d nodes ran the scheduler, want 1", count)
	}
	for i := range accounts {
		key := fmt.Sprintf("pg%02d", i)
		list, n, err := stores[1].ListEntries(context.Background(), kassa.EntryFilter{Account: key, Kinds: []kassa.EntryKind{kassa.KindReload}})
		if err != nil || n != 1 || list[0].Amount != kassa.MustParseAmount("50") {
			t.Errorf("%s: %d reload entries (%v), want exactly 1", key, n, err)
		}
	}
	if b.payments() != accounts {
		t.Errorf("%d payments, want %d", b.payments(), accounts)
	}
	// The holder goes away: after the lease's TTL another node runs.
	clk.Advance(2 * time.Minute)
	took := 0
	for n, r := range reloaders {
		if leaders[n] {
			continue
		}
		if s, err := r.RunOnce(context.Background()); err == nil && s.Leader {
			took++
		}
	}
	if took != 1 {
		t.Errorf("%d nodes took the expired lease, want 1", took)
	}
	if d, err := stores[2].Verify(context.Background()); err != nil || len(d) != 0 {
		t.Fatalf("verify: %v %+v", err, d)
	}
}
