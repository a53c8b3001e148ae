package charging_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// amt parses an amount, as a pointer for the controls.
func amtp(s string) *kassa.Amount {
	a := kassa.MustParseAmount(s)
	return &a
}

// eventsOf returns the outbox's events of typ about account, oldest first.
func eventsOf(t testing.TB, db kassa.Store, account, typ string) []*kassa.Event {
	t.Helper()
	list, err := db.ListEvents(context.Background(), kassa.EventFilter{Account: account, Types: []string{typ}, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// charger charges an account one unit at a price, with fresh keys.
type charger struct {
	t       testing.TB
	l       *charging.Ledger
	account string
	primary string
	n       int
}

func (c *charger) charge(price string) (*charging.Charge, error) {
	c.n++
	ch, _, err := c.l.Charge(context.Background(), charging.ChargeRequest{Account: c.account, Primary: c.primary, Type: kassa.SMS,
		To: "447700900123", Units: 1, Rating: eurRating(price), IdempotencyKey: fmt.Sprintf("%s-%d", c.account, c.n)})
	return ch, err
}

func (c *charger) mustCharge(price string) *charging.Charge {
	c.t.Helper()
	ch, err := c.charge(price)
	if err != nil {
		c.t.Fatalf("charge %s: %v", price, err)
	}
	return ch
}

// TestLowBalanceAlerts: on an injected clock, balance.low is written once
// when the balance crosses below the threshold, not again while it stays
// below (or sits at the threshold), and balance.recovered once it rises
// above; then the alert is armed again.
func TestLowBalanceAlerts(t *testing.T) {
	clk := newClock()
	db := openStore(t, clk.Now)
	l := newLedger(t, db, clk.Now)
	ctx := context.Background()
	createAccount(t, db, "lowb0001", "10", "0")
	if _, err := l.SetSpendControls(ctx, charging.SpendControlsRequest{Account: "lowb0001", Replace: true,
		Controls: kassa.SpendControls{LowBalanceThreshold: amtp("5")}}); err != nil {
		t.Fatal(err)
	}
	c := &charger{t: t, l: l, account: "lowb0001"}
	credit := func(a string) {
		t.Helper()
		if _, _, err := l.Credit(ctx, charging.Posting{Account: "lowb0001", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount(a), Reason: "top"}); err != nil {
			t.Fatal(err)
		}
	}
	count := func() (low, recovered int) {
		return len(eventsOf(t, db, "lowb0001", kassa.EventBalanceLow)), len(eventsOf(t, db, "lowb0001", kassa.EventBalanceRecovered))
	}
	want := func(step string, low, recovered int) {
		t.Helper()
		if l, r := count(); l != low || r != recovered {
			t.Fatalf("%s: %d balance.low and %d balance.recovered, want %d and %d", step, l, r, low, recovered)
		}
	}
	c.mustCharge("4") // 6
	want("above the threshold", 0, 0)
	crossing := c.mustCharge("1.1") // 4.9: crosses
	want("crossing below", 1, 0)
	clk.Advance(time.Minute)
	c.mustCharge("0.9") // 4.0
	credit("0.5")       // 4.5: hovering below
	c.mustCharge("0.5") // 4.0
	credit("1")         // 5.0: at the threshold, not above it
	want("hovering", 1, 0)
	credit("0.01") // 5.01: above
	want("recovered", 1, 1)
	credit("3")         // 8.01
	c.mustCharge("3.5") // 4.51: crosses again
	want("re-armed and crossing again", 2, 1)

	low := eventsOf(t, db, "lowb0001", kassa.EventBalanceLow)[0]
	var d kassa.BalanceAlertData
	if err := json.Unmarshal(low.Data, &d); err != nil {
		t.Fatal(err)
	}
	if d != (kassa.BalanceAlertData{Balance: "4.90000000", Threshold: "5.00000000", Currency: "EUR", EntryID: crossing.ID}) {
		t.Errorf("balance.low data = %+v", d)
	}
	if !low.CreatedAt.Equal(crossing.CreatedAt) {
		t.Errorf("balance.low at %v, the charge at %v: written in its transaction they share its time", low.CreatedAt, crossing.CreatedAt)
	}

	// A threshold set above the balance alerts at once; removing it
	// disarms silently; a threshold below an alerted balance recovers it.
	if _, err := l.SetSpendControls(ctx, charging.SpendControlsRequest{Account: "lowb0001", LowBalanceThreshold: &charging.Setting{}}); err != nil {
		t.Fatal(err)
	}
	want("threshold removed", 2, 1)
	s, err := l.SetSpendControls(ctx, charging.SpendControlsRequest{Account: "lowb0001", Replace: true, Controls: kassa.SpendControls{LowBalanceThreshold: amtp("10")}})
	if err != nil || !s.LowBalanceAlerted {
		t.Fatalf("threshold above the balance: %+v %v", s, err)
	}
	want("threshold set above the balance", 3, 1)
	if last := eventsOf(t, db, "lowb0001", kassa.EventBalanceLow)[2]; !jsonHas(last.Data, `"entry_id":0`) {
		t.Errorf("a threshold's own alert names no entry: %s", last.Data)
	}
	if _, err := l.SetSpendControls(ctx, charging.SpendControlsRequest{Account: "lowb0001", Replace: true, Controls: kassa.SpendControls{LowBalanceThreshold: amtp("1")}}); err != nil {
		t.Fatal(err)
	}
	want("threshold lowered below the balance", 3, 2)
	checkLedger(t, db, "lowb0001")
}

func jsonHas(data []byte, part string) bool {
	return json.Valid(data) && strings.Contains(string(data), part)
}

// TestDailyAndMonthlyCaps: a charge or hold that would exceed a cap is
// refused with the cap, what was spent and when it resets, and changes
// nothing; refunds, releases and capture remainders give the room back in
// their period only; a new UTC day or month starts from 0; spend_cap.reached
// is written once per cap and period.
func TestDailyAndMonthlyCaps(t *testing.T) {
	clk := newClock() // 2026-11-26 10:00 UTC
	db := openStore(t, clk.Now)
	l := newLedger(t, db, clk.Now)
	ctx := context.Background()
	createAccount(t, db, "caps0001", "1000", "0")
	c := &charger{t: t, l: l, account: "caps0001"}
	yesterday := c.mustCharge("0.7") // before any cap: counted when the cap is set, on its own day
	clk.Advance(24 * time.Hour)      // 2026-11-27
	first := c.mustCharge("0.3")
	s, err := l.SetSpendControls(ctx, charging.SpendControlsRequest{Account: "caps0001", Replace: true,
		Controls: kassa.SpendControls{DailyCap: amtp("1"), MonthlyCap: amtp("2")}})
	if err != nil {
		t.Fatal(err)
	}
	if s.DaySpent != amount("0.3") || s.MonthSpent != amount("1") {
		t.Fatalf("counters when the cap is set: day %s month %s, want 0.3 and 1 (what was spent before counts)", s.DaySpent, s.MonthSpent)
	}
	c.mustCharge("0.3")
	c.mustCharge("0.4") // 1.0 today: exactly the cap
	balance := balanceOf(t, db, "caps0001")
	_, err = c.charge("0.01")
	wantCode(t, err, kassa.ESPENDCAP)
	var ce *kassa.CapError
	if !errors.As(err, &ce) {
		t.Fatalf("refusal %v carries no CapError", err)
	}
	day := kassa.DayStart(clk.Now())
	if ce.Cap != kassa.CapDaily || ce.Limit != amount("1") || ce.Spent != amount("1") || ce.Amount != amount("0.01") ||
		ce.Account != "caps0001" || !ce.ResetsAt.Equal(day.AddDate(0, 0, 1)) || ce.Currency != kassa.EUR {
		t.Errorf("cap error = %+v", ce)
	}
	if balanceOf(t, db, "caps0001") != balance {
		t.Error("a refused charge changed the balance")
	}
	_, _, err = l.Hold(ctx, charging.HoldRequest{Account: "caps0001", Amount: amount("0.2"), IdempotencyKey: "h-refused"})
	wantCode(t, err, kassa.ESPENDCAP)
	if n := len(eventsOf(t, db, "caps0001", kassa.EventSpendCapReached)); n != 1 {
		t.Fatalf("%d spend_cap.reached after two refusals, want one for the day", n)
	}

	// A refund of today's charge gives its room back; one of yesterday's
	// gives nothing back today.
	if _, _, err := l.Refund(ctx, first.ID, amount("0.2"), "r1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := l.Refund(ctx, yesterday.ID, 0, "r2"); err != nil {
		t.Fatal(err)
	}
	c.mustCharge("0.2")
	_, err = c.charge("0.01")
	wantCode(t, err, kassa.ESPENDCAP)

	// Next day: room again, up to the monthly cap. The month so far: 0.7
	// (refunded, given back) + 0.3 − 0.2 + 0.3 + 0.4 + 0.2 = 1.
	clk.Advance(24 * time.Hour) // 2026-11-28
	h, _, err := l.Hold(ctx, charging.HoldRequest{Account: "caps0001", Amount: amount("0.5"), IdempotencyKey: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	c.mustCharge("0.5") // the month at 2
	_, err = c.charge("0.01")
	wantCode(t, err, kassa.ESPENDCAP)
	if !errors.As(err, &ce) || ce.Cap != kassa.CapMonthly || ce.Spent != amount("2") || !ce.ResetsAt.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("monthly refusal: %+v", ce)
	}
	// Releasing the hold gives its room back; capturing part of another
	// gives back the rest.
	if _, _, err := l.Release(ctx, h.ID); err != nil {
		t.Fatal(err)
	}
	h2, _, err := l.Hold(ctx, charging.HoldRequest{Account: "caps0001", Amount: amount("0.5"), IdempotencyKey: "h2"})
	if err != nil {
		t.Fatalf("hold after the release: %v", err)
	}
	if _, _, err := l.Capture(ctx, h2.ID, amount("0.1")); err != nil {
		t.Fatal(err)
	}
	c.mustCharge("0.4") // the capture returned 0.4
	spend, err := db.Spend(ctx, "caps0001")
	if err != nil {
		t.Fatal(err)
	}
	if d, m := spend.Spent(clk.Now()); d != amount("1") || m != amount("2") {
		t.Errorf("spent today %s this month %s, want 1 and 2", d, m)
	}
	caps := eventsOf(t, db, "caps0001", kassa.EventSpendCapReached)
	if len(caps) != 2 {
		t.Fatalf("%d spend_cap.reached, want 2 (daily on the 27th, monthly on the 28th)", len(caps))
	}
	var d kassa.SpendCapReachedData
	if err := json.Unmarshal(caps[1].Data, &d); err != nil {
		t.Fatal(err)
	}
	if d != (kassa.SpendCapReachedData{Cap: "monthly", Limit: "2.00000000", Spent: "2.00000000", Amount: "0.01000000", Currency: "EUR",
		PeriodStart: "2026-11-01T00:00:00Z", ResetsAt: "2026-12-01T00:00:00Z"}) {
		t.Errorf("spend_cap.reached data = %+v", d)
	}
	// A new month starts from 0.
	clk.Set(time.Date(2026, 12, 1, 0, 0, 1, 0, time.UTC))
	c.mustCharge("0.9")
	checkLedger(t, db, "caps0001")
}

// TestCapsOfASharedSubaccount: a shared-balance subaccount's charges count
// against its own caps and its primary's (the primary's money); a
// subaccount with its own balance counts only against its own; a
// threshold on a shared-balance subaccount is refused.
func TestCapsOfASharedSubaccount(t *testing.T) {
	clk := newClock()
	db := openStore(t, clk.Now)
	l := newLedger(t, db, clk.Now)
	ctx := context.Background()
	createAccount(t, db, "capp0001", "100", "0")
	createSubaccount(t, db, "capp0001", "caps0002", true)
	createSubaccount(t, db, "capp0001", "capo0003", false)
	set := func(account, primary string, c kassa.SpendControls) error {
		_, err := l.SetSpendControls(ctx, charging.SpendControlsRequest{Account: account, Primary: primary, Replace: true, Controls: c})
		return err
	}
	if err := set("caps0002", "capp0001", kassa.SpendControls{LowBalanceThreshold: amtp("1")}); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Fatalf("threshold on a shared subaccount: %v", err)
	}
	prim := &charger{t: t, l: l, account: "capp0001"}
	prim.mustCharge("1")
	if err := set("caps0002", "capp0001", kassa.SpendControls{DailyCap: amtp("2")}); err != nil {
		t.Fatal(err)
	}
	if err := set("capp0001", "", kassa.SpendControls{DailyCap: amtp("4")}); err != nil {
		t.Fatal(err)
	}
	shared := &charger{t: t, l: l, account: "caps0002", primary: "capp0001"}
	shared.mustCharge("2")
	_, err := shared.charge("0.5")
	var ce *kassa.CapError
	if !errors.As(err, &ce) || ce.Account != "caps0002" {
		t.Fatalf("shared subaccount over its own cap: %v", err)
	}
	prim.mustCharge("1") // the primary: 1 + 2 (its subaccount's) + 1 = 4
	_, err = prim.charge("0.01")
	if !errors.As(err, &ce) || ce.Account != "capp0001" || ce.Spent != amount("4") {
		t.Fatalf("primary over its cap (its shared subaccount's charges count): %v", err)
	}
	if err := set("caps0002", "capp0001", kassa.SpendControls{DailyCap: amtp("10")}); err != nil {
		t.Fatal(err)
	}
	_, err = shared.charge("0.5")
	if !errors.As(err, &ce) || ce.Account != "capp0001" {
		t.Fatalf("shared subaccount under its cap but its primary over: %v", err)
	}
	// The own-balance subaccount is not the primary's money.
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "capp0001", From: "capp0001", To: "capo0003", Amount: amount("5")}); err != nil {
		t.Fatal(err)
	}
	own := &charger{t: t, l: l, account: "capo0003", primary: "capp0001"}
	own.mustCharge("3")
	if s, _ := db.Spend(ctx, "capp0001"); s.DaySpent != amount("4") {
		t.Errorf("primary spent %s, want 4: its own-balance subaccount's charge is not its spending", s.DaySpent)
	}
	checkLedger(t, db, "capp0001")
}

// TestConcurrentChargesStopExactlyAtTheCap: 64 concurrent charges against
// a daily cap end exactly at the cap, or below it by less than one charge;
// every refusal is ESPENDCAP and one spend_cap.reached is written (SQLite;
// postgres_test.go runs the same on two PostgreSQL nodes).
func TestConcurrentChargesStopExactlyAtTheCap(t *testing.T) {
	clk := newClock()
	db := openStore(t, clk.Now)
	l := newLedger(t, db, clk.Now)
	createAccount(t, db, "capc0001", "1000", "0")
	runCapRace(t, db, []*charging.Ledger{l}, "capc0001", "2.00", "0.07")
	checkLedger(t, db, "capc0001")
}

// runCapRace sets a daily cap and fires 64 concurrent charges of price
// through the ledgers in turn, then checks the spending against the cap.
func runCapRace(t *testing.T, db kassa.Store, ledgers []*charging.Ledger, account, capText, priceText string) {
	t.Helper()
	ctx := context.Background()
	if _, err := ledgers[0].SetSpendControls(ctx, charging.SpendControlsRequest{Account: account, Replace: true,
		Controls: kassa.SpendControls{DailyCap: amtp(capText)}}); err != nil {
		t.Fatal(err)
	}
	const callers = 64
	errs := make(chan error, callers)
	for i := range callers {
		go func() {
			_, _, err := ledgers[i%len(ledgers)].Charge(ctx, charging.ChargeRequest{Account: account, Type: kassa.SMS, To: "447700900123",
				Units: 1, Rating: eurRating(priceText), IdempotencyKey: fmt.Sprintf("race-%d", i)})
			errs <- err
		}()
	}
	ok, refused := 0, 0
	for range callers {
		switch err := <-errs; kassa.ErrorCode(err) {
		case "":
			ok++
		case kassa.ESPENDCAP:
			refused++
		default:
			t.Errorf("charge: %v", err)
		}
	}
	cp, price := kassa.MustParseAmount(capText), kassa.MustParseAmount(priceText)
	spent, err := price.MulUnits(int64(ok))
	if err != nil {
		t.Fatal(err)
	}
	if spent > cp || cp-spent >= price {
		t.Errorf("%d charges of %s taken (%s) against a cap of %s: want the cap exactly, or less than one charge below", ok, price, spent, cp)
	}
	s, err := db.Spend(ctx, account)
	if err != nil {
		t.Fatal(err)
	}
	if s.DaySpent != spent {
		t.Errorf("counter %s, charges taken %s", s.DaySpent, spent)
	}
	if refused > 0 {
		if n := len(eventsOf(t, db, account, kassa.EventSpendCapReached)); n != 1 {
			t.Errorf("%d spend_cap.reached after %d refusals, want 1", n, refused)
		}
	}
	t.Logf("%d taken, %d refused", ok, refused)
}
