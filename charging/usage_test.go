package charging_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestUsageRollups: charges, captures and refunds add to the usage rollups
// in their transactions: a refund on its own day under the key of what it
// refunds (for a capture, its hold's rating); a shared-balance
// subaccount's charge counts for it and for its primary; replays and
// releases add nothing.
func TestUsageRollups(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "prim", "100", "0")
	createSubaccount(t, db, "prim", "shrd", true)

	de := eurRating("0.07")
	de.Country, de.NetworkCode = "DE", "26201"
	fr := eurRating("0.05")
	fr.Country, fr.NetworkCode = "FR", "20801"
	charge := func(account, primary, key string, r kassa.Rating, units int64) *charging.Charge {
		t.Helper()
		ch, _, err := l.Charge(ctx, charging.ChargeRequest{Account: account, Primary: primary, Type: kassa.SMS, To: "4915112345678",
			Units: units, Rating: r, IdempotencyKey: key})
		if err != nil {
			t.Fatalf("charge %s: %v", key, err)
		}
		return ch
	}
	first := charge("prim", "", "c1", de, 2)
	charge("prim", "", "c1", de, 2) // a replay
	charge("shrd", "prim", "c2", fr, 1)
	hold, _, err := l.Hold(ctx, charging.HoldRequest{Account: "prim", Amount: amount("1"), IdempotencyKey: "h1",
		Rated: &charging.RatedHold{Type: kassa.Voice, To: "33612345678", Units: 5, Rating: fr}})
	if err != nil {
		t.Fatalf("hold: %v", err)
	}
	if _, _, err := l.Hold(ctx, charging.HoldRequest{Account: "prim", Amount: amount("2"), IdempotencyKey: "h2"}); err != nil {
		t.Fatalf("hold 2: %v", err)
	}
	captured, _, err := l.Capture(ctx, hold.ID, amount("0.4"))
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	c.Advance(24 * time.Hour)
	if _, _, err := l.Refund(ctx, first.ID, amount("0.04"), "r1"); err != nil {
		t.Fatalf("refund: %v", err)
	}
	if _, _, err := l.Refund(ctx, captured.CaptureEntryID, amount("0.1"), "r2"); err != nil {
		t.Fatalf("refund of the capture: %v", err)
	}

	f := kassa.UsageFilter{Account: "prim", From: kassa.DayStart(c.Now()).AddDate(0, 0, -1), To: kassa.DayStart(c.Now()),
		GroupBy: []kassa.UsageGroup{kassa.GroupDay, kassa.GroupType, kassa.GroupCountry}}
	rows, err := db.Usage(ctx, f)
	if err != nil {
		t.Fatalf("usage: %v", err)
	}
	want := []kassa.UsageRow{
		{Day: "2026-11-26", Type: kassa.SMS, Country: "DE", Currency: kassa.EUR, Count: 1, Units: 2, Charged: amount("0.14")},
		{Day: "2026-11-26", Type: kassa.SMS, Country: "FR", Currency: kassa.EUR, Count: 1, Units: 1, Charged: amount("0.05")},
		{Day: "2026-11-26", Type: kassa.Voice, Country: "FR", Currency: kassa.EUR, Count: 1, Units: 5, Charged: amount("0.4")},
		{Day: "2026-11-27", Type: kassa.SMS, Country: "DE", Currency: kassa.EUR, Refunds: 1, Refunded: amount("0.04")},
		{Day: "2026-11-27", Type: kassa.Voice, Country: "FR", Currency: kassa.EUR, Refunds: 1, Refunded: amount("0.1")},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("usage of the primary (-want +got):\n%s", diff)
	}
	f.Account, f.GroupBy = "shrd", []kassa.UsageGroup{kassa.GroupNetwork}
	rows, err = db.Usage(ctx, f)
	if err != nil {
		t.Fatalf("usage of the subaccount: %v", err)
	}
	want = []kassa.UsageRow{{Network: "20801", Currency: kassa.EUR, Count: 1, Units: 1, Charged: amount("0.05")}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("usage of the subaccount (-want +got):\n%s", diff)
	}
}
