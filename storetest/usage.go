package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
)

func (h harness) testUsage(t *testing.T) {
	t.Run("Rollups", h.testUsageRollups)
	t.Run("Filters", h.testUsageFilters)
	t.Run("Statement", h.testStatement)
	t.Run("VerifyUsage", h.testVerifyUsage)
}

// addUsage adds deltas in one ledger transaction.
func addUsage(t testing.TB, s kassa.Store, ds ...kassa.UsageDelta) {
	t.Helper()
	err := s.InLedgerTx(t.Context(), func(tx kassa.LedgerTx) error {
		for _, d := range ds {
			if err := tx.AddUsage(d); err != nil {
				return err
			}
		}
		return nil
	})
	noErr(t, err, "add usage")
}

// usage reads usage, failing the test on error.
func usage(t testing.TB, s kassa.Store, f kassa.UsageFilter) []kassa.UsageRow {
	t.Helper()
	rows, err := s.Usage(t.Context(), f)
	noErr(t, err, "usage %+v", f)
	return rows
}

func day(s string) time.Time {
	d, err := time.Parse(kassa.DayLayout, s)
	if err != nil {
		panic(err)
	}
	return d
}

// testUsageRollups: deltas of one key add up in one row; rows group by
// the dimensions asked for and always by currency; a shared-balance
// subaccount's rows count for it and for its primary.
func (h harness) testUsageRollups(t *testing.T) {
	s, _ := h.fresh(t)
	MustCreateAccount(t, s, "usage001", amt("10"))
	MustCreateAccount(t, s, "usage002", amt("10"))
	sms := kassa.ServiceType("sms")
	charge := func(acct, sub, d, country, network string, units int64, a string) kassa.UsageDelta {
		return kassa.UsageDelta{Account: acct, Subaccount: sub, Day: day(d), Type: sms, Country: country, Network: network,
			Currency: kassa.EUR, Count: 1, Units: units, Charged: amt(a)}
	}
	refund := func(acct, sub, d, country, network string, a string) kassa.UsageDelta {
		return kassa.UsageDelta{Account: acct, Subaccount: sub, Day: day(d), Type: sms, Country: country, Network: network,
			Currency: kassa.EUR, Refunds: 1, Refunded: amt(a)}
	}
	addUsage(t, s,
		charge("usage001", "", "2026-11-01", "DE", "26201", 1, "0.07"),
		charge("usage001", "", "2026-11-01", "DE", "26201", 2, "0.14"),
		charge("usage001", "", "2026-11-02", "FR", "20801", 1, "0.05"),
	)
	addUsage(t, s,
		refund("usage001", "", "2026-11-02", "DE", "26201", "0.07"),
		charge("usage001", "sub00001", "2026-11-02", "DE", "26202", 3, "0.30"),
		charge("usage002", "", "2026-12-01", "DE", "26201", 1, "1.00"),
	)
	nov := kassa.UsageFilter{Account: "usage001", From: day("2026-11-01"), To: day("2026-11-30")}

	f := nov
	f.GroupBy = []kassa.UsageGroup{kassa.GroupDay, kassa.GroupCountry}
	want := []kassa.UsageRow{
		{Day: "2026-11-01", Country: "DE", Currency: kassa.EUR, Count: 2, Units: 3, Charged: amt("0.21")},
		{Day: "2026-11-02", Country: "DE", Currency: kassa.EUR, Count: 1, Units: 3, Charged: amt("0.30"), Refunds: 1, Refunded: amt("0.07")},
		{Day: "2026-11-02", Country: "FR", Currency: kassa.EUR, Count: 1, Units: 1, Charged: amt("0.05")},
	}
	if diff := cmp.Diff(want, usage(t, s, f)); diff != "" {
		t.Errorf("usage by day and country (-want +got):\n%s", diff)
	}

	f.GroupBy = []kassa.UsageGroup{kassa.GroupNetwork, kassa.GroupMonth, kassa.GroupType}
	want = []kassa.UsageRow{
		{Month: "2026-11", Type: sms, Network: "20801", Currency: kassa.EUR, Count: 1, Units: 1, Charged: amt("0.05")},
		{Month: "2026-11", Type: sms, Network: "26201", Currency: kassa.EUR, Count: 2, Units: 3, Charged: amt("0.21"), Refunds: 1, Refunded: amt("0.07")},
		{Month: "2026-11", Type: sms, Network: "26202", Currency: kassa.EUR, Count: 1, Units: 3, Charged: amt("0.30")},
	}
	if diff := cmp.Diff(want, usage(t, s, f)); diff != "" {
		t.Errorf("usage by month, type and network (-want +got):\n%s", diff)
	}
	if got := want[1].Amount(); got != amt("0.14") {
		t.Errorf("Amount = %s, want 0.14 (charged less refunded)", got)
	}

	// The subaccount's own usage is the rows naming it.
	f = nov
	f.Account = "sub00001"
	want = []kassa.UsageRow{{Currency: kassa.EUR, Count: 1, Units: 3, Charged: amt("0.30")}}
	if diff := cmp.Diff(want, usage(t, s, f)); diff != "" {
		t.Errorf("usage of the subaccount (-want +got):\n%s", diff)
	}

	// Across accounts, grouped by account: the payer's total.
	all := kassa.UsageFilter{From: day("2026-11-01"), To: day("2026-12-31"), GroupBy: []kassa.UsageGroup{kassa.GroupAccount}}
	want = []kassa.UsageRow{
		{Account: "usage001", Currency: kassa.EUR, Count: 4, Units: 7, Charged: amt("0.56"), Refunds: 1, Refunded: amt("0.07")},
		{Account: "usage002", Currency: kassa.EUR, Count: 1, Units: 1, Charged: amt("1")},
	}
	if diff := cmp.Diff(want, usage(t, s, all)); diff != "" {
		t.Errorf("usage by account (-want +got):\n%s", diff)
	}
	all.Top = 1
	if diff := cmp.Diff(want[1:], usage(t, s, all)); diff != "" {
		t.Errorf("top 1 account (-want +got):\n%s", diff)
	}
}

// testUsageFilters: days are inclusive at both ends; the currency filter;
// an empty answer is an empty list; bad filters are EINVALID.
func (h harness) testUsageFilters(t *testing.T) {
	s, _ := h.fresh(t)
	MustCreateAccount(t, s, "usage003", amt("10"))
	for _, d := range []string{"2026-10-31", "2026-11-01", "2026-11-30", "2026-12-01"} {
		addUsage(t, s, kassa.UsageDelta{Account: "usage003", Day: day(d), Type: "voice", Country: "GB",
			Currency: kassa.EUR, Count: 1, Units: 2, Charged: amt("0.5")})
	}
	f := kassa.UsageFilter{Account: "usage003", From: day("2026-11-01"), To: day("2026-11-30"), GroupBy: []kassa.UsageGroup{kassa.GroupDay}}
	rows := usage(t, s, f)
	if len(rows) != 2 || rows[0].Day != "2026-11-01" || rows[1].Day != "2026-11-30" {
		t.Errorf("November's days = %+v, want the 1st and the 30th", rows)
	}
	f.Currency = kassa.USD
	if rows := usage(t, s, f); rows == nil || len(rows) != 0 {
		t.Errorf("usage in USD = %#v, want an empty list", rows)
	}
	f.Currency = ""
	f.Account = "nobody01"
	if rows := usage(t, s, f); len(rows) != 0 {
		t.Errorf("usage of an unknown account = %+v, want none", rows)
	}
	for _, bad := range []kassa.UsageFilter{
		{},
		{From: day("2026-11-02"), To: day("2026-11-01")},
		{From: day("2026-11-01"), To: day("2026-11-01"), Top: -1},
		{From: day("2026-11-01"), To: day("2026-11-01"), GroupBy: []kassa.UsageGroup{"planet"}},
	} {
		_, err := s.Usage(t.Context(), bad)
		wantCode(t, err, kassa.EINVALID)
	}
}

// testStatement: opening balance, totals by kind and closing balance of a
// month, from the entries; opening + totals = closing.
func (h harness) testStatement(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	clock.Set(time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC))
	MustCreateAccount(t, s, "stmt0001", amt("100"))
	MustAppend(t, s, "stmt0001", kassa.KindCharge, amt("-1.5"))
	clock.Set(time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)) // the month's first instant belongs to it
	MustAppend(t, s, "stmt0001", kassa.KindTopUp, amt("20"))
	clock.Set(time.Date(2026, 11, 15, 10, 0, 0, 0, time.UTC))
	MustAppend(t, s, "stmt0001", kassa.KindCharge, amt("-0.25"))
	MustAppend(t, s, "stmt0001", kassa.KindCharge, amt("-0.75"))
	MustAppend(t, s, "stmt0001", kassa.KindRefund, amt("0.25"))
	MustAppend(t, s, "stmt0001", kassa.KindTransferOut, amt("-10"))
	clock.Set(time.Date(2026, 11, 30, 23, 59, 59, 0, time.UTC))
	MustAppend(t, s, "stmt0001", kassa.KindAdjustment, amt("-0.00000001"))
	clock.Set(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	MustAppend(t, s, "stmt0001", kassa.KindCredit, amt("5"))

	st, err := s.Statement(ctx, "stmt0001", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	noErr(t, err, "statement")
	want := &kassa.Statement{
		Account: "stmt0001", Month: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Currency: kassa.EUR,
		Opening: amt("98.5"), Closing: amt("107.74999999"),
		Totals: map[kassa.EntryKind]kassa.Amount{kassa.KindTopUp: amt("20"), kassa.KindCharge: amt("-1"),
			kassa.KindRefund: amt("0.25"), kassa.KindTransferOut: amt("-10"), kassa.KindAdjustment: amt("-0.00000001")},
		Counts: map[kassa.EntryKind]int64{kassa.KindTopUp: 1, kassa.KindCharge: 2, kassa.KindRefund: 1, kassa.KindTransferOut: 1, kassa.KindAdjustment: 1},
	}
	if diff := cmp.Diff(want, st); diff != "" {
		t.Errorf("November's statement (-want +got):\n%s", diff)
	}
	st, err = s.Statement(ctx, "stmt0001", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC))
	noErr(t, err, "statement before the account")
	if st.Opening != 0 || st.Closing != 0 || len(st.Totals) != 0 {
		t.Errorf("September's statement = %+v, want empty", st)
	}
	st, err = s.Statement(ctx, "stmt0001", time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
	noErr(t, err, "statement of December")
	if st.Opening != amt("107.74999999") || st.Closing != amt("112.74999999") {
		t.Errorf("December's statement = %s to %s, want 107.74999999 to 112.74999999", st.Opening, st.Closing)
	}
	_, err = s.Statement(ctx, "nobody01", want.Month)
	wantCode(t, err, kassa.ENOTFOUND)
}

// testVerifyUsage: rollups written with their entries (a charge, a capture
// of part of a hold, a capture of nothing, a refund) agree with them; a
// rollup without its entry, an entry without its rollup and a rollup of
// an account without entries are each reported with both sides' totals.
func (h harness) testVerifyUsage(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	for _, key := range []string{"vusage01", "vusage02", "vusage03"} {
		MustCreateAccount(t, s, key, amt("10"))
	}
	sms := kassa.ServiceType("sms")
	now := time.Now().UTC()
	charged := func(acct, a string) kassa.UsageDelta {
		return kassa.UsageDelta{Account: acct, Day: kassa.DayStart(now), Type: sms, Country: "DE", Network: "26201", Currency: kassa.EUR, Count: 1, Units: 1, Charged: amt(a)}
	}
	refunded := func(acct, a string) kassa.UsageDelta {
		return kassa.UsageDelta{Account: acct, Day: kassa.DayStart(now), Type: sms, Country: "DE", Network: "26201", Currency: kassa.EUR, Refunds: 1, Refunded: amt(a)}
	}
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		charge := &kassa.Entry{Account: "vusage01", Kind: kassa.KindCharge, Amount: amt("-0.07")}
		hold := &kassa.Entry{Account: "vusage01", Kind: kassa.KindHold, Amount: amt("-0.5")}
		empty := &kassa.Entry{Account: "vusage01", Kind: kassa.KindHold, Amount: amt("-0.1")}
		for _, e := range []*kassa.Entry{charge, hold, empty} {
			if err := tx.Append(e); err != nil {
				return err
			}
		}
		capture := &kassa.Entry{Account: "vusage01", Kind: kassa.KindCapture, Amount: amt("0.2"), RelatedID: hold.ID} // captured 0.3
		nothing := &kassa.Entry{Account: "vusage01", Kind: kassa.KindCapture, Amount: amt("0.1"), RelatedID: empty.ID}
		refund := &kassa.Entry{Account: "vusage01", Kind: kassa.KindRefund, Amount: amt("0.07"), RelatedID: charge.ID}
		for _, e := range []*kassa.Entry{capture, nothing, refund} {
			if err := tx.Append(e); err != nil {
				return err
			}
		}
		for _, d := range []kassa.UsageDelta{charged("vusage01", "0.07"), charged("vusage01", "0.3"), refunded("vusage01", "0.07")} {
			if err := tx.AddUsage(d); err != nil {
				return err
			}
		}
		return nil
	})
	noErr(t, err, "charge, capture and refund with their rollups")
	ds, err := s.VerifyUsage(ctx)
	noErr(t, err, "verify usage")
	if len(ds) != 0 {
		t.Fatalf("rollups written with their entries: %+v", ds)
	}
	MustVerify(t, s)

	addUsage(t, s, charged("vusage01", "0.01"), refunded("vusage02", "0.5"))
	MustAppend(t, s, "vusage03", kassa.KindCharge, amt("-0.05"))
	ds, err = s.VerifyUsage(ctx)
	noErr(t, err, "verify usage")
	want := []kassa.UsageDiscrepancy{
		{Account: "vusage01", Count: 3, EntriesCount: 2, Charged: amt("0.38"), EntriesCharged: amt("0.37"), Refunds: 1, EntriesRefunds: 1, Refunded: amt("0.07"), EntriesRefunded: amt("0.07")},
		{Account: "vusage02", Refunds: 1, Refunded: amt("0.5")},
		{Account: "vusage03", EntriesCount: 1, EntriesCharged: amt("0.05")},
	}
	if diff := cmp.Diff(want, ds); diff != "" {
		t.Errorf("usage discrepancies (-want +got):\n%s", diff)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.VerifyUsage(cctx); err == nil {
		t.Error("VerifyUsage with a cancelled context succeeded")
	}
}
