package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/storetest"
)

// TestUsageAndStatementsEqualTheLedger is issue 18's test: charges,
// refunds, credits, debits and transfers over several days (across a
// month's end) and countries, through the platform and admin APIs of a
// real server, for a primary, a subaccount sharing its balance and one with
// its own; then every account's usage (by day and country, by network,
// across accounts) and its statements of both months equal the sums
// computed from the ledger's entries, exactly. On SQLite and on
// PostgreSQL.
func TestUsageAndStatementsEqualTheLedger(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { checkUsageAgainstLedger(t, nil) })
	t.Run("postgres", func(t *testing.T) {
		base := testkit.PostgresURL(t)
		var b [6]byte
		rand.Read(b[:])
		schema := "kassa_usage_" + hex.EncodeToString(b[:])
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if conn, err := pgx.Connect(ctx, base); err == nil {
				conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
				conn.Close(ctx)
			}
		})
		checkUsageAgainstLedger(t, func(ctx context.Context, now func() time.Time, _ *slog.Logger) (kassa.Store, error) {
			return postgres.Open(ctx, base, postgres.Options{Schema: schema, Now: now})
		})
	})
}

func checkUsageAgainstLedger(t *testing.T, open func(context.Context, func() time.Time, *slog.Logger) (kassa.Store, error)) {
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 10, 29, 9, 0, 0, 0, time.UTC))
	cfg := &Config{
		Data: t.TempDir(), Addr: "127.0.0.1:0", AdminToken: "admin-token-for-usage-tests", ServiceToken: "service-token-for-usage-tests",
		Demo: true, DemoKey: "demo0001", DemoSecret: "Demo12345secret", ShutdownTimeout: 5 * time.Second,
		ReloadGateway: reload.GatewayLedgerOnly, ReloadInterval: time.Hour, ReloadLeaseTTL: time.Minute,
		CallbackTimeout: time.Second, AuthMaxFailures: 20, AuthLockout: time.Minute,
	}
	n, err := Start(ctx, cfg, Options{Now: clock.Now, OpenStore: open})
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- n.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		n.Close()
	})
	admin := client.New(n.URL(), client.WithAdminToken(n.AdminToken()))
	platform := client.New(n.URL(), client.WithServiceToken(n.ServiceToken()))
	must := func(err error, what string) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	credit := kassa.MustParseAmount("100")
	_, err = admin.CreateAccount(ctx, client.NewAccount{APIKey: "usgprim1", Currency: "EUR", Credit: &credit})
	must(err, "create the primary")
	yes, no := true, false
	shared, err := admin.AdminCreateSubaccount(ctx, "usgprim1", client.NewSubaccount{Name: "shared", UsePrimaryAccountBalance: &yes})
	must(err, "create the shared subaccount")
	own, err := admin.AdminCreateSubaccount(ctx, "usgprim1", client.NewSubaccount{Name: "own", UsePrimaryAccountBalance: &no})
	must(err, "create the own-balance subaccount")
	accounts := []string{"usgprim1", shared.APIKey, own.APIKey}

	numbers := []string{"447700900123", "4915112345678", "33612345678", "12025550123"}
	seq := 0
	key := func() string { seq++; return fmt.Sprintf("usage-%d", seq) }
	var toRefund []string
	for day := 0; day < 5; day++ {
		_, err = admin.AdminTransfer(ctx, "usgprim1", "balance", client.TransferRequest{From: "usgprim1", To: own.APIKey,
			Amount: kassa.MustParseAmount("3"), IdempotencyKey: key()})
		must(err, "transfer to the subaccount")
		for i, to := range numbers[:2+day%3] {
			for _, acct := range accounts {
				typ := kassa.SMS
				if (i+day)%2 == 1 {
					typ = kassa.Voice
				}
				ch, err := platform.Charge(ctx, client.ChargeRequest{Account: acct, Type: typ, To: to, Units: int64(1 + (i+day)%3), IdempotencyKey: key()})
				must(err, "charge")
				if i == 0 {
					toRefund = append(toRefund, ch.ID)
				}
			}
		}
		// Refund yesterday's first charges: partly, then the rest.
		if day > 0 {
			for _, id := range toRefund[:3] {
				part := kassa.MustParseAmount("0.01")
				_, err := platform.Refund(ctx, id, client.RefundRequest{Amount: &part, IdempotencyKey: key()})
				must(err, "refund part")
				_, err = platform.Refund(ctx, id, client.RefundRequest{IdempotencyKey: key()})
				must(err, "refund the rest")
			}
			toRefund = toRefund[3:]
		}
		_, err = admin.Credit(ctx, "usgprim1", client.Adjustment{Amount: kassa.MustParseAmount("2.5"), Reason: "goodwill", IdempotencyKey: key()})
		must(err, "credit")
		_, err = admin.Debit(ctx, "usgprim1", client.Adjustment{Amount: kassa.MustParseAmount("0.3"), Reason: "fee", IdempotencyKey: key()})
		must(err, "debit")
		if day%2 == 1 {
			_, err = admin.AdminTransfer(ctx, "usgprim1", "balance", client.TransferRequest{From: own.APIKey, To: "usgprim1",
				Amount: kassa.MustParseAmount("0.5"), IdempotencyKey: key()})
			must(err, "transfer back")
		}
		clock.Advance(21 * time.Hour)
	}

	// The ledger's entries, every one of them, as the store has them.
	entries := map[string][]*kassa.Entry{}
	byID := map[int64]*kassa.Entry{}
	for _, acct := range accounts {
		list, _, err := n.Store().ListEntries(ctx, kassa.EntryFilter{Account: acct, Limit: 1000})
		must(err, "list entries")
		entries[acct] = list
		for _, e := range list {
			byID[e.ID] = e
		}
	}
	from, to := "2026-10-01", "2026-11-30"

	// Usage by day and country, per account, computed from the entries.
	type rowKey struct{ day, country, network string }
	type sums struct {
		count, units, refunds int64
		charged, refunded     kassa.Amount
	}
	expected := func(account string, keyOf func(day string, m map[string]any) rowKey) map[rowKey]sums {
		out := map[rowKey]sums{}
		for _, list := range entries {
			for _, e := range list {
				// An account's usage: what its balance paid (its shared
				// subaccounts' included), or what it spent of its primary's.
				mine := e.Account == account || e.Subaccount == account
				if !mine || (e.Kind != kassa.KindCharge && e.Kind != kassa.KindRefund) {
					continue
				}
				rated := e
				if e.Kind == kassa.KindRefund {
					rated = byID[e.RelatedID]
				}
				var m map[string]any
				must(json.Unmarshal([]byte(rated.Meta), &m), "meta")
				k := keyOf(e.CreatedAt.UTC().Format(kassa.DayLayout), m)
				s := out[k]
				if e.Kind == kassa.KindCharge {
					s.count++
					s.units += int64(m["units"].(float64))
					s.charged += e.Amount.Neg()
				} else {
					s.refunds++
					s.refunded += e.Amount
				}
				out[k] = s
			}
		}
		return out
	}
	got := func(u *client.Usage, keyOf func(r client.UsageRow) rowKey) map[rowKey]sums {
		out := map[rowKey]sums{}
		for _, r := range u.Rows {
			if r.Amount != r.Charged-r.Refunded || r.Currency != "EUR" {
				t.Errorf("row %+v: amount is not charged − refunded, or not in EUR", r)
			}
			out[keyOf(r)] = sums{count: r.Count, units: r.Units, refunds: r.Refunds, charged: r.Charged, refunded: r.Refunded}
		}
		return out
	}
	byDayCountry := func(day string, m map[string]any) rowKey { return rowKey{day: day, country: m["country"].(string)} }
	byNetwork := func(_ string, m map[string]any) rowKey { return rowKey{network: m["network_code"].(string)} }
	for _, acct := range accounts {
		u, err := admin.Usage(ctx, acct, client.UsageQuery{From: from, To: to, GroupBy: []string{"day", "country"}})
		must(err, "usage by day and country")
		want := expected(acct, byDayCountry)
		if len(want) < 8 {
			t.Fatalf("%s: only %d (day, country) groups in the ledger", acct, len(want))
		}
		if diff := cmp.Diff(want, got(u, func(r client.UsageRow) rowKey { return rowKey{day: r.Day, country: r.Country} }), cmp.AllowUnexported(rowKey{}, sums{})); diff != "" {
			t.Errorf("%s: usage by day and country differs from the ledger (-ledger +usage):\n%s", acct, diff)
		}
		u, err = admin.Usage(ctx, acct, client.UsageQuery{From: from, To: to, GroupBy: []string{"network"}})
		must(err, "usage by network")
		if diff := cmp.Diff(expected(acct, byNetwork), got(u, func(r client.UsageRow) rowKey { return rowKey{network: r.Network} }), cmp.AllowUnexported(rowKey{}, sums{})); diff != "" {
			t.Errorf("%s: usage by network differs from the ledger (-ledger +usage):\n%s", acct, diff)
		}
	}
	// Across accounts by account: each payer once (the shared subaccount's
	// usage is its primary's).
	u, err := admin.Usage(ctx, "", client.UsageQuery{From: from, To: to, GroupBy: []string{"account"}})
	must(err, "usage across accounts")
	all := got(u, func(r client.UsageRow) rowKey { return rowKey{day: r.Account} })
	for _, payer := range []string{"usgprim1", own.APIKey} {
		want := sums{}
		for _, s := range expected(payer, byNetwork) {
			want.count, want.units, want.refunds = want.count+s.count, want.units+s.units, want.refunds+s.refunds
			want.charged, want.refunded = want.charged+s.charged, want.refunded+s.refunded
		}
		if all[rowKey{day: payer}] != want {
			t.Errorf("usage of %s across accounts = %+v, want %+v", payer, all[rowKey{day: payer}], want)
		}
	}
	if _, ok := all[rowKey{day: shared.APIKey}]; ok {
		t.Errorf("the shared subaccount has a row of its own across accounts: %+v", u.Rows)
	}

	// Statements of October and November: from the entries.
	for _, acct := range accounts {
		for _, month := range []string{"2026-10", "2026-11"} {
			start, _ := time.Parse(kassa.MonthLayout, month)
			end := start.AddDate(0, 1, 0)
			var opening kassa.Amount
			totals, counts := map[string]kassa.Amount{}, map[string]int64{}
			for _, e := range entries[acct] {
				switch {
				case e.CreatedAt.Before(start):
					opening += e.Amount
				case e.CreatedAt.Before(end):
					totals[string(e.Kind)] += e.Amount
					counts[string(e.Kind)]++
				}
			}
			closing := opening
			for _, v := range totals {
				closing += v
			}
			st, err := admin.Statement(ctx, acct, month)
			must(err, "statement")
			if st.OpeningBalance != opening || st.ClosingBalance != closing {
				t.Errorf("%s %s: statement %s → %s, ledger %s → %s", acct, month, st.OpeningBalance, st.ClosingBalance, opening, closing)
			}
			for _, k := range kassa.EntryKinds {
				if st.Totals[string(k)] != totals[string(k)] || st.Counts[string(k)] != counts[string(k)] {
					t.Errorf("%s %s %s: statement %s (%d), ledger %s (%d)", acct, month, k,
						st.Totals[string(k)], st.Counts[string(k)], totals[string(k)], counts[string(k)])
				}
			}
			if month == "2026-11" {
				a, err := admin.GetAccount(ctx, acct)
				must(err, "account")
				if a.Balance != st.ClosingBalance {
					t.Errorf("%s: closing balance of November %s, balance %s", acct, st.ClosingBalance, a.Balance)
				}
			}
		}
	}
}
