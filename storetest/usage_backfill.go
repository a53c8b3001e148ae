package storetest

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// CheckUsageBackfill writes charges, captures and refunds over several
// days through the ledger, then calls backfill, which must empty the usage
// rollups and run the migration's filling of them from the entries: the
// rollups it makes must be those the ledger kept.
func CheckUsageBackfill(t *testing.T, s kassa.Store, clock *Clock, backfill func() error) {
	ctx := t.Context()
	l := charging.New(s, charging.Options{Now: clock.Now})
	defer l.Close()
	MustCreateAccount(t, s, "back0001", amt("100"))
	sub := &kassa.Account{APIKey: "back0002", Currency: kassa.EUR, Limits: kassa.DefaultLimits, Primary: "back0001", SharedBalance: true}
	noErr(t, s.CreateSubaccount(ctx, sub, nil, 10), "create subaccount")
	rating := func(country, network, price string) kassa.Rating {
		return kassa.Rating{Country: country, NetworkCode: network, UnitPrice: amt(price), Currency: kassa.EUR}
	}
	var charges []int64
	for i, r := range []kassa.Rating{rating("DE", "26201", "0.07"), rating("FR", "20801", "0.05"), rating("DE", "26202", "0.09")} {
		for j, account := range []string{"back0001", "back0002"} {
			primary := ""
			if account == "back0002" {
				primary = "back0001"
			}
			ch, _, err := l.Charge(ctx, charging.ChargeRequest{Account: account, Primary: primary, Type: kassa.SMS, To: "4915112345678",
				Units: int64(i + j + 1), Rating: r, IdempotencyKey: NewID()})
			noErr(t, err, "charge")
			charges = append(charges, ch.ID)
		}
		h, _, err := l.Hold(ctx, charging.HoldRequest{Account: "back0001", Amount: amt("1"), IdempotencyKey: NewID(),
			Rated: &charging.RatedHold{Type: kassa.Voice, To: "33612345678", Units: 3, Rating: r}})
		noErr(t, err, "hold")
		plain, _, err := l.Hold(ctx, charging.HoldRequest{Account: "back0001", Amount: amt("0.5"), IdempotencyKey: NewID()})
		noErr(t, err, "hold")
		info, _, err := l.Capture(ctx, h.ID, amt("0.3"))
		noErr(t, err, "capture")
		_, _, err = l.Capture(ctx, plain.ID, amt("0.2"))
		noErr(t, err, "capture")
		clock.Advance(25 * time.Hour)
		_, _, err = l.Refund(ctx, info.CaptureEntryID, amt("0.1"), NewID())
		noErr(t, err, "refund of a capture")
		_, _, err = l.Refund(ctx, charges[len(charges)-1], 0, NewID())
		noErr(t, err, "refund")
	}
	f := kassa.UsageFilter{From: Epoch.AddDate(-1, 0, 0), To: clock.Now().AddDate(1, 0, 0),
		GroupBy: []kassa.UsageGroup{kassa.GroupAccount, kassa.GroupDay, kassa.GroupType, kassa.GroupCountry, kassa.GroupNetwork}}
	live, err := s.Usage(ctx, f)
	noErr(t, err, "usage")
	if len(live) < 10 {
		t.Fatalf("usage has %d rows, want more", len(live))
	}
	noErr(t, backfill(), "backfill")
	filled, err := s.Usage(ctx, f)
	noErr(t, err, "usage after the backfill")
	if diff := cmp.Diff(live, filled); diff != "" {
		t.Errorf("usage filled by the migration differs from the ledger's (-ledger +migration):\n%s", diff)
	}
	f.Account = "back0002"
	sharedLive, err := s.Usage(ctx, f)
	noErr(t, err, "usage of the subaccount")
	if len(sharedLive) != 6 {
		t.Errorf("the subaccount's usage has %d rows, want 6 (3 charges, 3 refunds on later days): %+v", len(sharedLive), sharedLive)
	}
}
