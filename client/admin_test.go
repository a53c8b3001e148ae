package client_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

func TestCreateGetListAccounts(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)

	limit := kassa.MustParseAmount("-5")
	a, err := c.CreateAccount(ctx, client.NewAccount{Currency: "USD", CreditLimit: &limit})
	if err != nil {
		t.Fatal(err)
	}
	if a.APIKey == "" || a.APISecret == "" || a.Currency != "USD" || a.Balance != 0 || a.CreditLimit != limit || a.CreatedAt.IsZero() {
		t.Fatalf("created = %+v, want a generated key and secret, USD, 0 balance, -5 floor", a)
	}
	// The generated secret works on the public API.
	if _, err := client.New(ts.URL, client.WithCredentials(a.APIKey, a.APISecret)).Balance(ctx); err != nil {
		t.Fatalf("balance with generated credentials: %v", err)
	}
	got, err := c.GetAccount(ctx, a.APIKey)
	if err != nil {
		t.Fatal(err)
	}
	if got.APIKey != a.APIKey || got.APISecret != "" || got.Limits.MaxOutboundRequest != kassa.DefaultLimits.MaxOutboundRequest {
		t.Fatalf("get = %+v (the secret must not be shown again)", got)
	}
	page, err := c.ListAccounts(ctx, client.AccountQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 2 || len(page.Accounts) != 1 || page.Limit != 1 {
		t.Fatalf("list limit 1 = %+v, want 1 of 2", page)
	}
	page, err = c.ListAccounts(ctx, client.AccountQuery{Search: testKey[:4]})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 1 || page.Accounts[0].APIKey != testKey || page.Accounts[0].Balance != kassa.MustParseAmount("10") {
		t.Fatalf("search %q = %+v", testKey[:4], page)
	}
}

func TestAdminErrors(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	_, err := adminClient(ts).GetAccount(ctx, "nosuchkey")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 404 || e.Code != "not-found" || e.KassaCode() != kassa.ENOTFOUND || e.Type == "" {
		t.Fatalf("unknown account: %#v, want a 404 not-found problem", err)
	}
	_, err = adminClient(ts).CreateAccount(ctx, client.NewAccount{APIKey: testKey, APISecret: "Another123"})
	if code := kassaCode(t, err); code != kassa.ECONFLICT {
		t.Fatalf("duplicate key: code %q (%v), want conflict", code, err)
	}
	_, err = client.New(ts.URL, client.WithAdminToken("wrong")).GetAccount(ctx, testKey)
	if code := kassaCode(t, err); code != kassa.EUNAUTHORIZED {
		t.Fatalf("wrong admin token: code %q (%v), want unauthorized", code, err)
	}
	// The account credentials are no admin token.
	_, err = accountClient(ts).GetAccount(ctx, testKey)
	if code := kassaCode(t, err); code != kassa.EUNAUTHORIZED {
		t.Fatalf("no admin token: code %q (%v), want unauthorized", code, err)
	}
}

func TestCreditDebitIdempotency(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)

	adj := client.Adjustment{Amount: kassa.MustParseAmount("5.5"), Reason: "goodwill", Reference: "T-1", IdempotencyKey: "credit-1"}
	e1, err := c.Credit(ctx, testKey, adj)
	if err != nil {
		t.Fatal(err)
	}
	if e1.Kind != "credit" || e1.Amount != kassa.MustParseAmount("5.5") || e1.BalanceAfter != kassa.MustParseAmount("15.5") ||
		e1.Reason != "goodwill" || e1.Reference != "T-1" || e1.IdempotencyKey != "credit-1" || e1.Replayed {
		t.Fatalf("credit = %+v", e1)
	}
	e2, err := c.Credit(ctx, testKey, adj)
	if err != nil {
		t.Fatal(err)
	}
	if !e2.Replayed || e2.ID != e1.ID || e2.BalanceAfter != e1.BalanceAfter {
		t.Fatalf("replay = %+v, want the first entry, marked replayed", e2)
	}
	// Same key, different request.
	adj.Amount = kassa.MustParseAmount("6")
	_, err = c.Credit(ctx, testKey, adj)
	if code := kassaCode(t, err); code != kassa.EIDEMPOTENCY {
		t.Fatalf("same key, other amount: code %q (%v), want %q", code, err, kassa.EIDEMPOTENCY)
	}

	// Without a key the client makes one.
	d, err := c.Debit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("0.5"), Reason: "fee"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != "debit" || d.Amount != kassa.MustParseAmount("-0.5") || d.BalanceAfter != kassa.MustParseAmount("15") || len(d.IdempotencyKey) != 32 {
		t.Fatalf("debit = %+v, want -0.5 to 15 with a generated key", d)
	}
	// Below the floor: refused, nothing changes.
	_, err = c.Debit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("100"), Reason: "too much"})
	if code := kassaCode(t, err); code != kassa.EINSUFFICIENT {
		t.Fatalf("overdraft: code %q (%v), want %q", code, err, kassa.EINSUFFICIENT)
	}
	a, err := c.GetAccount(ctx, testKey)
	if err != nil || a.Balance != kassa.MustParseAmount("15") {
		t.Fatalf("balance after refused debit = %v, %v; want 15", a.Balance, err)
	}
}

func TestConcurrentDebitsNeverOverdraw(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	// 10.00 on the account; 40 debits of 0.50 race; exactly 20 may pass.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok, refused := 0, 0
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.Debit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("0.5"), Reason: "race", IdempotencyKey: fmt.Sprintf("race-%d", i)})
			mu.Lock()
			defer mu.Unlock()
			var e *client.Error
			switch {
			case err == nil:
				ok++
			case errors.As(err, &e) && e.KassaCode() == kassa.EINSUFFICIENT:
				refused++
			default:
				t.Errorf("debit %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if ok != 20 || refused != 20 {
		t.Fatalf("%d debits passed and %d were refused, want 20 and 20", ok, refused)
	}
	v, err := c.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK || len(v.Discrepancies) != 0 || v.AccountsChecked != 1 {
		t.Fatalf("verify = %+v, want ok over 1 account", v)
	}
}

func TestAccountConfiguration(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)

	ar := client.AutoReload{Enabled: true, Trx: "trx-1", Amount: kassa.MustParseAmount("25"), Threshold: kassa.MustParseAmount("2.5"), DailyCap: 3}
	a, err := c.SetAutoReload(ctx, testKey, ar)
	if err != nil {
		t.Fatal(err)
	}
	if a.AutoReload != ar {
		t.Fatalf("auto-reload = %+v, want %+v", a.AutoReload, ar)
	}
	l := client.Limits{MaxOutboundRequest: 5, MaxInboundRequest: 6, MaxCallsPerSecond: 7, PricingPerSecond: 2}
	if a, err = c.SetLimits(ctx, testKey, l); err != nil {
		t.Fatal(err)
	}
	if a.Limits != l {
		t.Fatalf("limits = %+v, want %+v", a.Limits, l)
	}
	s, err := accountClient(ts).Settings(ctx)
	if err != nil || s.MaxOutboundRequest != 5 || s.MaxInboundRequest != 6 || s.MaxCallsPerSecond != 7 {
		t.Fatalf("public settings after SetLimits = %+v, %v", s, err)
	}
	floor := kassa.MustParseAmount("-10")
	if a, err = c.SetCreditLimit(ctx, testKey, floor); err != nil {
		t.Fatal(err)
	}
	if a.CreditLimit != floor {
		t.Fatalf("credit limit = %v, want %v", a.CreditLimit, floor)
	}
	// The floor lets a debit go below zero, to the floor and no further.
	if _, err := c.Debit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("20"), Reason: "to the floor"}); err != nil {
		t.Fatalf("debit to the floor: %v", err)
	}
	_, err = c.Debit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("0.00000001"), Reason: "past the floor"})
	if code := kassaCode(t, err); code != kassa.EINSUFFICIENT {
		t.Fatalf("past the floor: code %q, want insufficient", code)
	}
	// A positive floor is invalid.
	_, err = c.SetCreditLimit(ctx, testKey, kassa.MustParseAmount("1"))
	if code := kassaCode(t, err); code != kassa.EINVALID {
		t.Fatalf("positive credit limit: code %q (%v), want invalid", code, err)
	}
}

func TestEntries(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	for i := range 3 {
		if _, err := c.Credit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("1"), Reason: "r", Reference: fmt.Sprintf("ref-%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Debit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("2"), Reason: "d"}); err != nil {
		t.Fatal(err)
	}
	all, err := c.Entries(ctx, testKey, client.EntryQuery{})
	if err != nil {
		t.Fatal(err)
	}
	// The opening credit, three credits and a debit, newest first.
	if all.Total != 5 || len(all.Entries) != 5 || all.Entries[0].Kind != "debit" || all.Entries[0].BalanceAfter != kassa.MustParseAmount("11") {
		t.Fatalf("entries = %+v", all)
	}
	credits, err := c.Entries(ctx, testKey, client.EntryQuery{Kind: "credit", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if credits.Total != 4 || len(credits.Entries) != 2 || credits.NextBefore == "" {
		t.Fatalf("credits, limit 2 = %+v, want 2 of 4 with a next page", credits)
	}
	next, err := c.Entries(ctx, testKey, client.EntryQuery{Kind: "credit", Limit: 2, Before: credits.NextBefore})
	if err != nil {
		t.Fatal(err)
	}
	if len(next.Entries) != 2 || next.Entries[0].ID == credits.Entries[0].ID {
		t.Fatalf("second page = %+v", next)
	}
	byRef, err := c.Entries(ctx, testKey, client.EntryQuery{Reference: "ref-1"})
	if err != nil || len(byRef.Entries) != 1 || byRef.Entries[0].Reference != "ref-1" {
		t.Fatalf("by reference = %+v, %v", byRef, err)
	}
	future, err := c.Entries(ctx, testKey, client.EntryQuery{Since: time.Now().Add(time.Hour)})
	if err != nil || len(future.Entries) != 0 {
		t.Fatalf("since an hour ahead = %+v, %v; want none", future, err)
	}
}

func TestAudit(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	if _, err := c.SetLimits(ctx, testKey, client.Limits{MaxOutboundRequest: 9, MaxInboundRequest: 9, MaxCallsPerSecond: 9}); err != nil {
		t.Fatal(err)
	}
	if _, err := accountClient(ts).CreateSecret(ctx, "Second456"); err != nil {
		t.Fatal(err)
	}
	all, err := c.Audit(ctx, client.AuditQuery{Account: testKey})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total < 3 || len(all.Events) != all.Total {
		t.Fatalf("audit of %s = %+v, want account creation, limits and the secret", testKey, all)
	}
	actors := map[string]bool{}
	for _, e := range all.Events {
		actors[e.Actor] = true
		if e.Account != testKey || e.At.IsZero() || e.Action == "" || !json.Valid(e.Detail) {
			t.Errorf("event %+v", e)
		}
		if strings.Contains(string(e.Detail), "Second456") {
			t.Errorf("the audit log holds a secret: %s", e.Detail)
		}
	}
	if !actors["admin"] || !actors["account:"+testKey] {
		t.Fatalf("actors %v, want admin and account:%s", actors, testKey)
	}
	first := all.Events[0]
	one, err := c.Audit(ctx, client.AuditQuery{Account: testKey, Action: first.Action, Limit: 1})
	if err != nil || len(one.Events) != 1 || one.Events[0].Action != first.Action {
		t.Fatalf("audit filtered by action %q = %+v, %v", first.Action, one, err)
	}
}
