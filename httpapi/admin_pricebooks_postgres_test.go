package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/storetest"
)

// pgNode is one kassa node over a shared PostgreSQL store.
type pgNode struct {
	prices *pricing.Service
	srv    *httptest.Server
}

// newPostgresNodes starts two kassa nodes on one fresh PostgreSQL schema
// (KASSA_TEST_POSTGRES_URL; the test is skipped without it, and fails
// when KASSA_TEST_POSTGRES_REQUIRED=1), sharing clock, with testBook
// active. Each node's pricing service runs (Run), as in `kassa serve`.
func newPostgresNodes(t *testing.T, clock *testClock) (a, b pgNode, store *postgres.DB) {
	t.Helper()
	base := testkit.PostgresURL(t)
	ctx, cancel := context.WithCancel(context.Background())
	var rnd [6]byte
	rand.Read(rnd[:])
	schema := "kassa_pricebooks_" + hex.EncodeToString(rnd[:])
	t.Cleanup(func() {
		dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer dcancel()
		if conn, err := pgx.Connect(dctx, base); err == nil {
			conn.Exec(dctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
			conn.Close(dctx)
		}
	})
	open := func() *postgres.DB {
		db, err := postgres.Open(ctx, base, postgres.Options{Schema: schema, Now: clock.Now})
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	node := func(db *postgres.DB) pgNode {
		svc := pricing.NewService(db, testRef(), pricing.ServiceOptions{Now: clock.Now, Logger: slog.New(slog.DiscardHandler), PollInterval: time.Hour})
		go svc.Run(ctx)
		srv := httptest.NewServer(New(Config{Store: db, Pricing: svc, AdminToken: testAdminToken, Now: clock.Now}))
		t.Cleanup(srv.Close)
		return pgNode{prices: svc, srv: srv}
	}
	dbA, dbB := open(), open()
	prices := pricing.NewService(dbA, testRef(), pricing.ServiceOptions{Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	v, err := prices.Import(ctx, testBook(), "test")
	if err != nil {
		t.Fatal(err)
	}
	if err := prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	a, b = node(dbA), node(dbB)
	t.Cleanup(cancel) // runs first: stops Run before the stores close
	return a, b, dbA
}

// gbSMS is a node's GB sms default price, or "" before it has a snapshot.
func (n pgNode) gbSMS(t *testing.T) string {
	snap := n.prices.Current()
	if snap == nil {
		return ""
	}
	cp, ok := snap.Country(kassa.SMS, "GB", kassa.EUR)
	if !ok || !cp.HasDefault {
		return ""
	}
	return cp.DefaultPrice.String()
}

// waitFor polls until cond holds, failing after a generous cutoff (a
// failure limit, not a timing assertion).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: still not the case after 20 s", what)
		}
	}
}

// TestPriceBookTwoNodesPostgres: a version imported and activated through
// one node's admin API is answered by the other node too (PostgreSQL
// LISTEN/NOTIFY, the poll set to an hour so that it cannot be what
// switches it), and a scheduled one only from its time on.
func TestPriceBookTwoNodesPostgres(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	a, b, _ := newPostgresNodes(t, clock)
	waitFor(t, "node B loads version 1", func() bool { return b.gbSMS(t) == "0.03330000" })
	ha := &harness{t: t, srv: a.srv}
	out := importResult(t, ha.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", goodSMSDeck))
	// Node B's LISTEN connection is set up in the background by Run, and a
	// notification sent before it is in place is only caught by the next
	// poll (an hour here). So the activation is repeated until B follows:
	// each repetition notifies again, and only a notification can switch B.
	switched := false
	for try := 0; try < 20 && !switched; try++ {
		ha.adminDeck(http.MethodPost, "/admin/v1/pricebooks/2/activate", "", "").wantStatus(t, http.StatusOK)
		if a.gbSMS(t) != "0.05000000" {
			t.Fatalf("node A after activation: %s", a.gbSMS(t))
		}
		for wait := 0; wait < 50 && !switched; wait++ {
			switched = b.gbSMS(t) == "0.05000000"
			time.Sleep(20 * time.Millisecond)
		}
	}
	if !switched {
		t.Fatalf("node B never switched to version 2: %s", b.gbSMS(t))
	}
	// Schedule version 1 again for an hour later: both stay on 2 until then.
	at := clock.Now().Add(time.Hour).Format(time.RFC3339)
	hb := &harness{t: t, srv: b.srv}
	hb.adminDeck(http.MethodPost, "/admin/v1/pricebooks/1/activate", "application/json", `{"effective_at":"`+at+`"}`).wantStatus(t, http.StatusOK)
	for _, n := range []pgNode{a, b} {
		if err := n.prices.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := n.gbSMS(t); p != "0.05000000" {
			t.Fatalf("before the scheduled time: %s", p)
		}
	}
	clock.Advance(time.Hour)
	for _, n := range []pgNode{a, b} {
		if err := n.prices.Load(context.Background()); err != nil {
			t.Fatal(err)
		}
		if p := n.gbSMS(t); p != "0.03330000" {
			t.Errorf("at the scheduled time: %s, want version 1's 0.03330000", p)
		}
	}
	if l := hb.priceBooks(); *l.Active != 1 || len(l.Versions) != 2 || out.Version != 2 {
		t.Errorf("list on node B %+v", l)
	}
}
