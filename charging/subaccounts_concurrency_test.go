package charging_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestFamilyConcurrencySQLite runs the family workload on SQLite.
func TestFamilyConcurrencySQLite(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	runFamilyWorkload(t, []kassa.Store{db})
}

// TestFamilyConcurrencyPostgres runs it on two nodes sharing PostgreSQL.
func TestFamilyConcurrencyPostgres(t *testing.T) {
	dbs := postgresNodes(t, 2)
	runFamilyWorkload(t, []kassa.Store{dbs[0], dbs[1]})
}

// runFamilyWorkload has 64 callers charge, hold and capture, and move
// balance and credit between one primary and its two subaccounts (one
// with its own balance, one sharing the primary's), over one ledger per
// store (one per node). Afterwards the ledger verifies clean, no balance
// is below its credit limit, no store transaction failed (the accounts of
// every batch are locked in key order), the credit limits still add up to
// the primary's original one, and the money that left the family is
// exactly what the successful charges and captures took.
func runFamilyWorkload(t *testing.T, stores []kassa.Store) {
	ctx := context.Background()
	db := stores[0]
	opening := amount("40")
	p := &kassa.Account{APIKey: "fam-p", Currency: kassa.EUR, CreditLimit: amount("-20"), Limits: kassa.DefaultLimits}
	if err := db.CreateAccount(ctx, p, nil, &kassa.Entry{Kind: kassa.KindCredit, Amount: opening, Reason: "opening"}); err != nil {
		t.Fatal(err)
	}
	createSubaccount(t, db, "fam-p", "fam-a", false)
	createSubaccount(t, db, "fam-p", "fam-b", true)
	counted := make([]*failingStore, len(stores))
	ledgers := make([]*charging.Ledger, len(stores))
	for i, s := range stores {
		counted[i] = &failingStore{LedgerStore: s}
		ledgers[i] = charging.New(counted[i], charging.Options{})
		t.Cleanup(ledgers[i].Close)
	}
	type charge struct {
		account, primary string
	}
	payers := []charge{{"fam-p", ""}, {"fam-a", "fam-p"}, {"fam-b", "fam-p"}}
	var spent atomic.Int64 // what charges and captures took, in 10^-8
	var ok, refused atomic.Int64
	refusal := func(err error) {
		if kassa.ErrorCode(err) != kassa.EINSUFFICIENT {
			t.Errorf("unexpected error: %v", err)
			return
		}
		refused.Add(1)
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 16))
			l := ledgers[g%len(ledgers)]
			for i := range 8 {
				key := fmt.Sprintf("g%d-%d", g, i)
				x := kassa.Amount(1+rng.IntN(300)) * amount("0.01") // 0.01 to 3.00
				switch op := rng.IntN(6); op {
				case 0, 1:
					who := payers[rng.IntN(len(payers))]
					ch, _, err := l.Charge(ctx, charging.ChargeRequest{Account: who.account, Primary: who.primary, Type: kassa.SMS,
						To: "447700900123", Units: int64(1 + rng.IntN(3)), Rating: eurRating("0.37"), IdempotencyKey: key})
					if err != nil {
						refusal(err)
						continue
					}
					ok.Add(1)
					spent.Add(int64(ch.Amount))
				case 2:
					who := payers[rng.IntN(len(payers))]
					h, _, err := l.Hold(ctx, charging.HoldRequest{Account: who.account, Primary: who.primary, Amount: x, IdempotencyKey: key})
					if err != nil {
						refusal(err)
						continue
					}
					ok.Add(1)
					captured := x / 2
					if _, _, err := ledgers[(g+1)%len(ledgers)].Capture(ctx, h.ID, captured); err != nil {
						t.Errorf("capture: %v", err)
						continue
					}
					spent.Add(int64(captured))
				default:
					kind := kassa.TransferBalance
					if op == 5 {
						kind = kassa.TransferCredit
					}
					from, to := "fam-p", "fam-a"
					if rng.IntN(2) == 0 {
						from, to = to, from
					}
					_, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kind, Primary: "fam-p", From: from, To: to, Amount: x, IdempotencyKey: key})
					if err != nil {
						refusal(err)
						continue
					}
					ok.Add(1)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d operations succeeded, %d refused for want of funds", ok.Load(), refused.Load())
	if ok.Load() == 0 || refused.Load() == 0 {
		t.Errorf("the workload should both succeed and hit the floors: %d ok, %d refused", ok.Load(), refused.Load())
	}
	for i, s := range counted {
		if s.storeErrs != 0 {
			t.Errorf("node %d: %d transactions failed in the store", i, s.storeErrs)
		}
	}
	d, err := db.Verify(ctx)
	if err != nil || len(d) != 0 {
		t.Fatalf("verify: %v, %+v", err, d)
	}
	var total, limits kassa.Amount
	for _, key := range []string{"fam-p", "fam-a", "fam-b"} {
		a, err := stores[len(stores)-1].FindAccount(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if a.Balance < a.CreditLimit {
			t.Errorf("%s: balance %s below its credit limit %s", key, a.Balance, a.CreditLimit)
		}
		total += a.Balance
		limits += a.CreditLimit
	}
	if limits != amount("-20") {
		t.Errorf("credit limits add up to %s, want the primary's original -20", limits)
	}
	if want := opening - kassa.Amount(spent.Load()); total != want {
		t.Errorf("the family holds %s, want %s (opening %s minus %s spent)", total, want, opening, kassa.Amount(spent.Load()))
	}
	b, err := db.FindAccount(ctx, "fam-b")
	if err != nil || b.Balance != 0 || b.CreditLimit != 0 {
		t.Errorf("the shared-balance subaccount has a balance of its own: %+v, %v", b, err)
	}
}
