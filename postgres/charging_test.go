package postgres

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// Two kassa nodes, each with its own group-committing ledger engine over its
// own pool, debit one account at once: batches from both nodes interleave on
// the row lock, exactly as many debits succeed as the balance pays for, and
// a request repeated on the other node is answered from the first entry.
func TestChargingEngineOnTwoNodes(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	dbs := []*DB{openSchema(t, base, schema, Options{}), openSchema(t, base, schema, Options{})}
	ledgers := make([]*charging.Ledger, len(dbs))
	for i, db := range dbs {
		ledgers[i] = charging.New(db, charging.Options{})
		t.Cleanup(ledgers[i].Close)
	}
	const workers, paidFor = 64, 25
	price := kassa.MustParseAmount("0.05")
	createAccount(t, dbs[0], "eng", price*paidFor)

	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			_, _, err := ledgers[i%2].Debit(ctx, charging.Posting{Account: "eng", Kind: kassa.KindDebit, Amount: price,
				Reason: "test", IdempotencyKey: fmt.Sprintf("eng-%d", i)})
			switch kassa.ErrorCode(err) {
			case "":
				ok.Add(1)
			case kassa.EINSUFFICIENT:
				refused.Add(1)
			default:
				t.Errorf("debit %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != paidFor || refused.Load() != workers-paidFor {
		t.Fatalf("%d debits succeeded, %d refused; want %d and %d", ok.Load(), refused.Load(), paidFor, workers-paidFor)
	}
	if a, err := dbs[1].FindAccount(ctx, "eng"); err != nil || a.Balance != 0 {
		t.Fatalf("balance = %+v, %v; want 0", a, err)
	}

	// Replay on the other node: find a key that succeeded.
	entries, _, err := dbs[0].ListEntries(ctx, kassa.EntryFilter{Account: "eng", Kinds: []kassa.EntryKind{kassa.KindDebit}, Limit: 1})
	if err != nil || len(entries) != 1 {
		t.Fatalf("list debits: %v", err)
	}
	first := entries[0]
	again, replayed, err := ledgers[1].Debit(ctx, charging.Posting{Account: "eng", Kind: kassa.KindDebit, Amount: price,
		Reason: "test", IdempotencyKey: first.IdempotencyKey})
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("replay of %s = %+v, replayed %v, %v; want entry %d replayed", first.IdempotencyKey, again, replayed, err, first.ID)
	}
	verifyClean(t, dbs[0])
}
