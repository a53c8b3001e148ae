package charging_test

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
)

// postgresNodes opens n stores on one fresh schema, as n kassa nodes
// sharing a database would, and drops the schema at the end.
func postgresNodes(t testing.TB, n int) []*postgres.DB {
	base := testkit.PostgresURL(t)
	var b [6]byte
	crand.Read(b[:])
	schema := "kassa_charging_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
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
		db, err := postgres.Open(context.Background(), base, postgres.Options{Schema: schema})
		if err != nil {
			t.Fatalf("open postgres: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	return dbs
}

// TestTwoNodesManyAccountsOnPostgres runs two ledgers (two kassa nodes) on
// one PostgreSQL database; 64 callers charge, hold, capture and refund on
// four accounts in random order. Batches lock their accounts in sorted
// order, so no transaction ever fails (a deadlock would fail one), no
// account goes below its floor, and every balance equals its entries.
func TestTwoNodesManyAccountsOnPostgres(t *testing.T) {
	dbs := postgresNodes(t, 2)
	ctx := context.Background()
	accounts := []string{"pa", "pb", "pc", "pd"}
	for _, key := range accounts {
		a := &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DefaultLimits}
		opening := &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("2"), Reason: "opening"}
		if err := dbs[0].CreateAccount(ctx, a, nil, opening); err != nil {
			t.Fatal(err)
		}
	}
	stores := make([]*failingStore, len(dbs))
	ledgers := make([]*charging.Ledger, len(dbs))
	for i, db := range dbs {
		stores[i] = &failingStore{LedgerStore: db}
		ledgers[i] = charging.New(stores[i], charging.Options{})
		t.Cleanup(ledgers[i].Close)
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 11))
			l := ledgers[g%2]
			for i := range 8 {
				account := accounts[rng.IntN(len(accounts))]
				key := fmt.Sprintf("g%d-%d", g, i)
				if rng.IntN(2) == 0 {
					ch, _, err := l.Charge(ctx, charging.ChargeRequest{Account: account, Type: kassa.SMS, To: "447700900123",
						Units: int64(1 + rng.IntN(3)), Rating: eurRating("0.021"), IdempotencyKey: key})
					if err != nil {
						expectRefusal(t, err)
						continue
					}
					ok.Add(1)
					// Refund on the other node.
					if _, _, err := ledgers[(g+1)%2].Refund(ctx, ch.ID, 0, key+"-r"); err != nil {
						t.Errorf("refund: %v", err)
					}
					continue
				}
				h, _, err := l.Hold(ctx, charging.HoldRequest{Account: account, Amount: kassa.MustParseAmount("0.05"), IdempotencyKey: key})
				if err != nil {
					expectRefusal(t, err)
					continue
				}
				ok.Add(1)
				if _, _, err := ledgers[(g+1)%2].Capture(ctx, h.ID, kassa.MustParseAmount("0.02")); err != nil {
					t.Errorf("capture on the other node: %v", err)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() == 0 {
		t.Fatal("nothing succeeded")
	}
	for i, s := range stores {
		if s.storeErrs != 0 {
			t.Errorf("node %d: %d transactions failed in the store", i, s.storeErrs)
		}
		t.Logf("node %d: %d transactions", i, s.txs)
	}
	d, err := dbs[1].Verify(ctx)
	if err != nil || len(d) != 0 {
		t.Fatalf("verify: %v, %+v", err, d)
	}
	for _, key := range accounts {
		entries, _, err := dbs[0].ListEntries(ctx, kassa.EntryFilter{Account: key, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.BalanceAfter < 0 {
				t.Fatalf("%s: entry %d took the balance to %s", key, e.ID, e.BalanceAfter)
			}
		}
	}
}

// BenchmarkGroupCommitChargesPostgres is BenchmarkGroupCommitCharges on
// PostgreSQL (synchronous_commit=on); compare with
// BenchmarkRawDebitTxPostgres from the same run.
func BenchmarkGroupCommitChargesPostgres(b *testing.B) {
	db := postgresNodes(b, 1)[0]
	benchGroupCommit(b, db, func() { createBenchAccount(b, db) })
}

// BenchmarkRawDebitTxPostgres is BenchmarkRawDebitTx on PostgreSQL.
func BenchmarkRawDebitTxPostgres(b *testing.B) {
	db := postgresNodes(b, 1)[0]
	benchRawDebit(b, db, func() { createBenchAccount(b, db) })
}

// createBenchAccount creates the account the benchmarks charge.
func createBenchAccount(b *testing.B, db kassa.Store) {
	a := &kassa.Account{APIKey: "bench", Currency: kassa.EUR, Limits: kassa.DefaultLimits}
	opening := &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("1000000"), Reason: "opening"}
	if err := db.CreateAccount(context.Background(), a, nil, opening); err != nil {
		b.Fatal(err)
	}
}
