package charging_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// twoPostgresLedgers opens two nodes on one fresh PostgreSQL schema, each
// with its ledger, and creates an account with an opening balance.
func twoPostgresLedgers(t *testing.T, account, opening string) (kassa.Store, []*charging.Ledger) {
	dbs := postgresNodes(t, 2)
	a := &kassa.Account{APIKey: account, Currency: kassa.EUR, Limits: kassa.DefaultLimits}
	open := &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount(opening), Reason: "opening"}
	if err := dbs[0].CreateAccount(context.Background(), a, nil, open); err != nil {
		t.Fatal(err)
	}
	ledgers := make([]*charging.Ledger, len(dbs))
	for i, db := range dbs {
		ledgers[i] = charging.New(db, charging.Options{})
		t.Cleanup(ledgers[i].Close)
	}
	return dbs[0], ledgers
}

// TestConcurrentCapOnTwoPostgresNodes: 64 concurrent charges through two
// nodes on one PostgreSQL database stop exactly at the daily cap (or less
// than one charge below it), with one spend_cap.reached.
func TestConcurrentCapOnTwoPostgresNodes(t *testing.T) {
	db, ledgers := twoPostgresLedgers(t, "pgcap001", "1000")
	runCapRace(t, db, ledgers, "pgcap001", "2.00", "0.07")
	if d, err := db.Verify(context.Background()); err != nil || len(d) != 0 {
		t.Fatalf("verify: %v %v", d, err)
	}
}

// TestOneAlertPerCrossingOnTwoPostgresNodes: 64 concurrent charges through
// two nodes take the balance below the threshold once: one balance.low,
// whichever charge crossed it.
func TestOneAlertPerCrossingOnTwoPostgresNodes(t *testing.T) {
	db, ledgers := twoPostgresLedgers(t, "pglow001", "10")
	ctx := context.Background()
	if _, err := ledgers[1].SetSpendControls(ctx, charging.SpendControlsRequest{Account: "pglow001", Replace: true,
		Controls: kassa.SpendControls{LowBalanceThreshold: amtp("5")}}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 64 {
		wg.Go(func() {
			_, _, err := ledgers[i%2].Charge(ctx, charging.ChargeRequest{Account: "pglow001", Type: kassa.SMS, To: "447700900123",
				Units: 1, Rating: eurRating("0.1"), IdempotencyKey: fmt.Sprintf("low-%d", i)})
			if err != nil {
				t.Errorf("charge: %v", err)
			}
		})
	}
	wg.Wait()
	if n := len(eventsOf(t, db, "pglow001", kassa.EventBalanceLow)); n != 1 {
		t.Errorf("%d balance.low for one crossing, want 1", n)
	}
	if s, err := db.Spend(ctx, "pglow001"); err != nil || !s.LowBalanceAlerted {
		t.Errorf("alert state %+v %v, want alerted", s, err)
	}
}
