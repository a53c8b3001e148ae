package app_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
)

// events returns the outbox's events of a type, oldest first.
func (e *env) events(typ string) []*kassa.Event {
	e.t.Helper()
	list, err := e.store.ListEvents(context.Background(), kassa.EventFilter{Types: []string{typ}})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// TestAccountEvents: suspending and resuming write account.suspended and
// account.resumed (once: a second suspension changes nothing), creating a
// subaccount writes subaccount.created, a transfer writes transfer.created
// (not again on a replay), each with its payload.
func TestAccountEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.Suspend(ctx, operator, key); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Suspend(ctx, operator, key); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Resume(ctx, operator, key); err != nil {
		t.Fatal(err)
	}
	sus, res := e.events(kassa.EventAccountSuspended), e.events(kassa.EventAccountResumed)
	if len(sus) != 1 || len(res) != 1 || sus[0].Account != key || sus[0].ID >= res[0].ID {
		t.Fatalf("suspended %v, resumed %v: want one each, in order", sus, res)
	}
	var by kassa.AccountSuspensionData
	if err := json.Unmarshal(sus[0].Data, &by); err != nil || by.By != "admin" || by.Primary != "" {
		t.Errorf("suspension data %s", sus[0].Data)
	}

	c, err := e.svc.CreateSubaccount(ctx, holder, key, app.NewSubaccount{Name: "own", SharedBalance: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	sub := c.Account.APIKey
	created := e.events(kassa.EventSubaccountCreated)
	var sd kassa.SubaccountCreatedData
	if len(created) != 1 || created[0].Account != sub || json.Unmarshal(created[0].Data, &sd) != nil ||
		sd != (kassa.SubaccountCreatedData{Primary: key, Name: "own", UsePrimaryAccountBalance: false, Currency: "EUR"}) {
		t.Fatalf("subaccount.created %v (%s)", created, dataOf(created))
	}
	// A primary suspends its subaccount: the event names it and the primary.
	if _, err := e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{Suspended: ptr(true)}); err != nil {
		t.Fatal(err)
	}
	sus = e.events(kassa.EventAccountSuspended)
	if len(sus) != 2 || sus[1].Account != sub || json.Unmarshal(sus[1].Data, &by) != nil || by.Primary != key || by.By != "account:"+key {
		t.Errorf("subaccount suspension %v (%s)", sus, dataOf(sus))
	}
	// A name change writes no suspension event.
	if _, err := e.svc.ModifySubaccount(ctx, holder, key, sub, app.SubaccountChange{Name: ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.events(kassa.EventAccountSuspended)) + len(e.events(kassa.EventAccountResumed)); n != 3 {
		t.Errorf("%d suspension events after a rename, want 3", n)
	}

	req := app.TransferRequest{Kind: kassa.TransferBalance, Primary: key, From: key, To: sub,
		Amount: kassa.MustParseAmount("2.5"), Reference: "fund", IdempotencyKey: "k1"}
	tr, _, err := e.svc.Transfer(ctx, holder, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, replayed, err := e.svc.Transfer(ctx, holder, req); err != nil || !replayed {
		t.Fatalf("replay: %v %v", replayed, err)
	}
	transfers := e.events(kassa.EventTransferCreated)
	var td kassa.TransferCreatedData
	if len(transfers) != 1 || transfers[0].Account != key || json.Unmarshal(transfers[0].Data, &td) != nil ||
		td != (kassa.TransferCreatedData{TransferID: tr.ID, Kind: "balance", Primary: key, From: key, To: sub,
			Amount: "2.50000000", Currency: "EUR", Reference: "fund"}) {
		t.Errorf("transfer.created %v (%s)", transfers, dataOf(transfers))
	}
}

// dataOf returns the payloads of events, for messages.
func dataOf(list []*kassa.Event) string {
	out := ""
	for _, e := range list {
		out += string(e.Data) + " "
	}
	return out
}
