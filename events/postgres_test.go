package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
)

// postgresNodes opens n stores on one fresh schema, as n kassa nodes
// sharing a database would; the schema is dropped at the end.
func postgresNodes(t *testing.T, n int) []*postgres.DB {
	url := testkit.PostgresURL(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "kassa_events_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Errorf("drop schema: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		db, err := postgres.Open(context.Background(), url, postgres.Options{Schema: schema})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// TestPostgresTwoNodesDeliverEachEventOnce: two nodes on one PostgreSQL
// database write events from many goroutines while both dispatchers run;
// the receiver gets every event exactly once (it never fails, so no
// redelivery is due), in order per account, also when the lease holder
// stops half way and the other node takes over.
func TestPostgresTwoNodesDeliverEachEventOnce(t *testing.T) {
	dbs := postgresNodes(t, 2)
	now := time.Now
	r := newReceiver(t, "endpoint-secret-0001", now)
	ep := &kassa.WebhookEndpoint{ID: "wh_pg", URL: r.srv.URL, Secret: "endpoint-secret-0001"}
	if err := dbs[0].CreateWebhookEndpoint(context.Background(), ep); err != nil {
		t.Fatal(err)
	}
	const writers, perWriter = 8, 25
	total := writers * perWriter

	// Node 0 holds the lease from the start; it stops half way.
	if ok, err := dbs[0].AcquireLease(context.Background(), LeaseName, "node-0", 2*time.Second); err != nil || !ok {
		t.Fatalf("node 0 takes the lease: %v %v", ok, err)
	}
	ctxs := make([]context.CancelFunc, 2)
	var runs sync.WaitGroup
	for i, db := range dbs {
		ctx, cancel := context.WithCancel(context.Background())
		ctxs[i] = cancel
		d := New(db, Options{NodeID: fmt.Sprintf("node-%d", i), Guard: loopback, Poll: 10 * time.Millisecond, LeaseTTL: 2 * time.Second})
		runs.Go(func() { d.Run(ctx) })
	}
	defer func() {
		for _, c := range ctxs {
			c()
		}
		runs.Wait()
	}()

	var written atomic.Int64
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			db := dbs[w%2]
			for i := range perWriter {
				ev, err := kassa.NewEvent(kassa.EventBalanceLow, fmt.Sprintf("acct%04d", w%4), map[string]int{"writer": w, "n": i})
				if err != nil {
					t.Error(err)
					return
				}
				if err := db.AppendEvents(context.Background(), nil, ev); err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				// Half way through, node 0 (the lease holder) stops and
				// gives the lease up: node 1 takes over.
				if written.Add(1) == int64(total/2) {
					ctxs[0]()
				}
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	deadline := time.Now().Add(60 * time.Second)
	for len(r.deliveries()) < total && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := r.deliveries()
	if len(got) != total {
		t.Fatalf("received %d deliveries, want %d", len(got), total)
	}
	seen := map[int64]int{}
	for _, g := range got {
		seen[g.id]++
		if !g.verified {
			t.Errorf("event %d: bad signature", g.id)
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %d received %d times", id, n)
		}
	}
	for account, list := range perAccount(got) {
		for i := 1; i < len(list); i++ {
			if list[i] <= list[i-1] {
				t.Errorf("%s received %d after %d: out of order", account, list[i], list[i-1])
			}
		}
	}
}
