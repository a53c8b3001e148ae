package client_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// TestSubaccountsAPI drives every Subaccounts API call of the client
// against a real kassa.
func TestSubaccountsAPI(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	admin := adminClient(ts)
	if _, err := admin.SetCreditLimit(ctx, testKey, kassa.MustParseAmount("-10")); err != nil {
		t.Fatal(err)
	}
	c := accountClient(ts)
	list, err := c.Subaccounts(ctx)
	if err != nil || list.Primary.APIKey != testKey || len(list.Subaccounts) != 0 || list.TotalBalance != kassa.MustParseAmount("10") {
		t.Fatalf("empty list = %+v, %v", list, err)
	}
	shared, err := c.CreateSubaccount(ctx, client.NewSubaccount{Name: "shared"})
	if err != nil || shared.Secret == "" || !shared.UsePrimaryAccountBalance || shared.Balance != nil || shared.PrimaryAccount != testKey {
		t.Fatalf("create shared = %+v, %v", shared, err)
	}
	no := false
	own, err := c.CreateSubaccount(ctx, client.NewSubaccount{Name: "own", Secret: "OwnSecret1", UsePrimaryAccountBalance: &no})
	if err != nil || own.Balance == nil || *own.Balance != 0 || own.Secret != "OwnSecret1" {
		t.Fatalf("create own = %+v, %v", own, err)
	}
	got, err := c.GetSubaccount(ctx, own.APIKey)
	if err != nil || got.Name != "own" || got.Secret != "" || got.CreatedAt.IsZero() {
		t.Fatalf("get = %+v, %v", got, err)
	}
	name, yes := "paused", true
	upd, err := c.UpdateSubaccount(ctx, shared.APIKey, client.SubaccountUpdate{Name: &name, Suspended: &yes})
	if err != nil || upd.Name != "paused" || !upd.Suspended {
		t.Fatalf("update = %+v, %v", upd, err)
	}
	// Money: idempotent balance transfers, credit, lists.
	bt := client.TransferRequest{From: testKey, To: own.APIKey, Amount: kassa.MustParseAmount("2.5"), Reference: "fund", IdempotencyKey: "fund-1"}
	first, err := c.TransferBalance(ctx, bt)
	if err != nil || first.Replayed || first.Amount != kassa.MustParseAmount("2.5") || first.Primary != testKey || first.Kind != "balance" {
		t.Fatalf("balance transfer = %+v, %v", first, err)
	}
	again, err := c.TransferBalance(ctx, bt)
	if err != nil || !again.Replayed || again.ID != first.ID {
		t.Fatalf("replay = %+v, %v", again, err)
	}
	if _, err := c.TransferCredit(ctx, client.TransferRequest{From: testKey, To: own.APIKey, Amount: kassa.MustParseAmount("0.00000001")}); err != nil {
		t.Fatal(err)
	}
	_, err = c.TransferCredit(ctx, client.TransferRequest{From: testKey, To: own.APIKey, Amount: kassa.MustParseAmount("1000")})
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 403 || e.KassaCode() != kassa.EINSUFFICIENT || e.Detail != "Insufficient Credit" {
		t.Fatalf("too much credit: %v (%s)", err, kassaCode(t, err))
	}
	_, err = c.TransferBalance(ctx, client.TransferRequest{From: own.APIKey, To: shared.APIKey, Amount: 1})
	if !errors.As(err, &e) || e.KassaCode() != kassa.EFORBIDDEN {
		t.Fatalf("between subaccounts: %v", err)
	}
	balances, err := c.BalanceTransfers(ctx, client.TransferQuery{Accounts: []string{own.APIKey}})
	if err != nil || len(balances) != 1 || balances[0].ID != first.ID || balances[0].Amount != kassa.MustParseAmount("2.5") {
		t.Fatalf("balance transfers = %+v, %v", balances, err)
	}
	credits, err := c.CreditTransfers(ctx, client.TransferQuery{Start: time.Now().Add(-time.Hour), End: time.Now().Add(time.Hour)})
	if err != nil || len(credits) != 1 || credits[0].Amount != 1 {
		t.Fatalf("credit transfers = %+v, %v", credits, err)
	}
	list, err = c.Subaccounts(ctx)
	if err != nil || len(list.Subaccounts) != 2 || list.TotalBalance != kassa.MustParseAmount("10") || list.TotalCreditLimit != kassa.MustParseAmount("-10") {
		t.Fatalf("list = %+v, %v", list, err)
	}
	_, err = c.TransferNumber(ctx, client.NumberTransfer{From: testKey, To: own.APIKey, Number: "447700900000", Country: "GB"})
	if !errors.As(err, &e) || e.Status != 403 || e.KassaCode() != kassa.EFORBIDDEN {
		t.Fatalf("transfer number: %v", err)
	}
	// A subaccount's own credentials are not a primary's.
	_, err = client.New(ts.URL, client.WithCredentials(own.APIKey, "OwnSecret1")).Subaccounts(ctx)
	if !errors.As(err, &e) || e.Status != 403 || e.KassaCode() != kassa.EFORBIDDEN {
		t.Fatalf("a subaccount as a primary: %v", err)
	}
}

// TestAccountTreeAdmin drives the operators' calls on the tree.
func TestAccountTreeAdmin(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	admin := adminClient(ts)
	max := 1
	p, err := admin.SetPrimary(ctx, testKey, client.PrimaryPolicy{Enabled: true, MaxSubaccounts: &max})
	if err != nil || !p.SubaccountsEnabled || p.MaxSubaccounts != 1 {
		t.Fatalf("set primary = %+v, %v", p, err)
	}
	no := false
	sub, err := admin.AdminCreateSubaccount(ctx, testKey, client.NewSubaccount{Name: "shop", UsePrimaryAccountBalance: &no})
	if err != nil || sub.APISecret == "" || sub.PrimaryAccount != testKey || sub.UsePrimaryAccountBalance {
		t.Fatalf("create = %+v, %v", sub, err)
	}
	_, err = admin.AdminCreateSubaccount(ctx, testKey, client.NewSubaccount{Name: "two"})
	if kassaCode(t, err) != kassa.ELIMIT {
		t.Fatalf("beyond the maximum: %v", err)
	}
	tr, err := admin.AdminTransfer(ctx, testKey, "balance", client.TransferRequest{From: testKey, To: sub.APIKey, Amount: kassa.MustParseAmount("1")})
	if err != nil || tr.Primary != testKey || tr.Kind != "balance" {
		t.Fatalf("transfer = %+v, %v", tr, err)
	}
	list, err := admin.AdminTransfers(ctx, testKey, "balance", client.TransferQuery{Accounts: []string{sub.APIKey}})
	if err != nil || len(list) != 1 || list[0].ID != tr.ID {
		t.Fatalf("transfers = %+v, %v", list, err)
	}
	tree, err := admin.Tree(ctx, sub.APIKey)
	if err != nil || tree.Primary.APIKey != testKey || len(tree.Subaccounts) != 1 || kassa.Amount(tree.TotalBalance) != kassa.MustParseAmount("10") || tree.MaxSubaccounts != 1 {
		t.Fatalf("tree = %+v, %v", tree, err)
	}
	s, err := admin.Suspend(ctx, sub.APIKey)
	if err != nil || !s.Suspended {
		t.Fatalf("suspend = %+v, %v", s, err)
	}
	if _, err := client.New(ts.URL, client.WithCredentials(sub.APIKey, sub.APISecret)).Balance(ctx); kassaCode(t, err) != kassa.EUNAUTHORIZED {
		t.Fatalf("a suspended subaccount's balance: %v", err)
	}
	if s, err = admin.Resume(ctx, sub.APIKey); err != nil || s.Suspended {
		t.Fatalf("resume = %+v, %v", s, err)
	}
	entries, err := admin.Entries(ctx, sub.APIKey, client.EntryQuery{Kind: "transfer-in"})
	if err != nil || len(entries.Entries) != 1 {
		t.Fatalf("entries = %+v, %v", entries, err)
	}
}
