package storetest

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testSpend(t *testing.T) {
	t.Run("SetAndRead", h.testSpendSetRead)
	t.Run("SpentSince", h.testSpentSince)
}

func (h harness) testSpendSetRead(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "spnd0001", amt("10"))
	got, err := s.Spend(ctx, "spnd0001")
	noErr(t, err, "spend of an account without controls")
	if got != (kassa.Spend{}) {
		t.Errorf("Spend without controls = %+v, want zero", got)
	}
	_, err = s.Spend(ctx, "nobody01")
	wantCode(t, err, kassa.ENOTFOUND)

	th, daily := amt("5"), amt("100")
	day, month := kassa.DayStart(clock.Now()), kassa.MonthStart(clock.Now())
	want := kassa.Spend{
		SpendControls: kassa.SpendControls{LowBalanceThreshold: &th, DailyCap: &daily},
		SpendState: kassa.SpendState{LowBalanceAlerted: true, Day: day, DaySpent: amt("12.5"), Month: month, MonthSpent: amt("40"),
			DayCapNotified: day},
	}
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts("spnd0001"); err != nil {
			return err
		}
		if err := tx.SetSpend("spnd0001", want); err != nil {
			return err
		}
		b, err := tx.Balance("spnd0001")
		if err != nil {
			return err
		}
		if !sameSpend(b.Spend, want) {
			t.Errorf("Balance in the transaction = %+v, want %+v", b.Spend, want)
		}
		return nil
	})
	noErr(t, err, "set spend")
	got, err = s.Spend(ctx, "spnd0001")
	noErr(t, err, "read spend")
	if !sameSpend(got, want) {
		t.Errorf("Spend = %+v, want %+v", got, want)
	}
	// Replaced whole: nil fields are not set any more.
	monthly := amt("0")
	next := kassa.Spend{SpendControls: kassa.SpendControls{MonthlyCap: &monthly}}
	noErr(t, s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.SetSpend("spnd0001", next) }), "replace spend")
	got, _ = s.Spend(ctx, "spnd0001")
	if !sameSpend(got, next) {
		t.Errorf("Spend after a replace = %+v, want %+v (a zero cap is a cap)", got, next)
	}
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.SetSpend("nobody01", next) })
	wantCode(t, err, kassa.ENOTFOUND)
}

// sameSpend compares two Spend values, times as instants.
func sameSpend(a, b kassa.Spend) bool {
	eqAmt := func(x, y *kassa.Amount) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return eqAmt(a.LowBalanceThreshold, b.LowBalanceThreshold) && eqAmt(a.DailyCap, b.DailyCap) && eqAmt(a.MonthlyCap, b.MonthlyCap) &&
		a.LowBalanceAlerted == b.LowBalanceAlerted && a.Day.Equal(b.Day) && a.DaySpent == b.DaySpent &&
		a.Month.Equal(b.Month) && a.MonthSpent == b.MonthSpent &&
		a.DayCapNotified.Equal(b.DayCapNotified) && a.MonthCapNotified.Equal(b.MonthCapNotified)
}

// testSpentSince: what an account spent since a time counts its charges
// and holds from then on, less what gives one of them back from then on
// (a capture's remainder, a release, a refund; for a refund of a capture,
// the hold is the original); a subaccount's share counts only its entries.
func (h harness) testSpentSince(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "spnt0001", amt("1000"))
	sub := NewAccount("spnt0002")
	sub.Primary, sub.SharedBalance = "spnt0001", true
	noErr(t, s.CreateSubaccount(ctx, sub, NewSecret("spnt0002"), 10), "create subaccount")
	add := func(kind kassa.EntryKind, amount string, related int64, subaccount string) *kassa.Entry {
		t.Helper()
		e := &kassa.Entry{Account: "spnt0001", Subaccount: subaccount, Kind: kind, Amount: amt(amount), RelatedID: related}
		noErr(t, s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.Append(e) }), "append %s", kind)
		return e
	}
	// Yesterday.
	c0 := add(kassa.KindCharge, "-10", 0, "")
	h0 := add(kassa.KindHold, "-5", 0, "")
	since := clock.Advance(24 * time.Hour)
	// Today.
	c1 := add(kassa.KindCharge, "-3", 0, "")
	h1 := add(kassa.KindHold, "-4", 0, "")
	add(kassa.KindRefund, "2", c0.ID, "")        // gives back yesterday's charge: not today's spending
	add(kassa.KindRefund, "1", c1.ID, "")        // today's
	add(kassa.KindRelease, "5", h0.ID, "")       // yesterday's hold
	cp := add(kassa.KindCapture, "1", h1.ID, "") // today's hold: 3 of 4 captured
	add(kassa.KindRefund, "0.5", cp.ID, "")      // a refund of today's capture
	add(kassa.KindCredit, "50", 0, "")           // credits are not spending
	add(kassa.KindDebit, "-7", 0, "")            // nor are debits
	add(kassa.KindCharge, "-2", 0, "spnt0002")

	check := func(account, subaccount string, from time.Time, want string) {
		t.Helper()
		var got kassa.Amount
		noErr(t, s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			var err error
			got, err = tx.SpentSince(account, subaccount, from)
			return err
		}), "spent since")
		if got != amt(want) {
			t.Errorf("SpentSince(%s, %q, %v) = %s, want %s", account, subaccount, from.Sub(Epoch), got, want)
		}
	}
	// 3 + 4 + 2 (the subaccount's) − (1 + 1 + 0.5)
	check("spnt0001", "", since, "6.5")
	check("spnt0001", "spnt0002", since, "2")
	// Since yesterday: 10 + 5 + 3 + 4 + 2 − (2 + 1 + 5 + 1 + 0.5)
	check("spnt0001", "", Epoch, "14.5")
	check("spnt0001", "", since.Add(time.Hour), "0")
	check("nobody01", "", Epoch, "0")
}
