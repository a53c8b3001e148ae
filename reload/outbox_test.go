package reload

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// outbox returns an account's events of a type, oldest first.
func (e *env) outbox(account, typ string) []*kassa.Event {
	e.t.Helper()
	list, err := e.store.ListEvents(context.Background(), kassa.EventFilter{Account: account, Types: []string{typ}, Limit: 500})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

// TestOutboxEventsOfReloads: a credited reload or top-up writes
// reload.succeeded with its credit; a decline and the daily cap write
// reload.failed with their audit record; an unknown outcome writes none.
func TestOutboxEventsOfReloads(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("paid1", "1", enabled("trx-1"))
	e.mustAccount("nopay", "1", enabled("trx-decline"))
	b := newBilling(t, func(p payment, n int) answer {
		if p.Trx == "trx-decline" {
			return answer{status: 402, body: `{"reason":"card expired"}`}
		}
		return pays(p, n)
	})
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	ctx := context.Background()
	if _, err := r.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}

	ok := e.outbox("paid1", kassa.EventReloadSucceeded)
	credits := e.entries("paid1", kassa.KindReload)
	if len(ok) != 1 || len(credits) != 1 {
		t.Fatalf("%d reload.succeeded events for %d reloads, want one each", len(ok), len(credits))
	}
	var succeeded kassa.ReloadSucceededData
	if err := json.Unmarshal(ok[0].Data, &succeeded); err != nil {
		t.Fatal(err)
	}
	want := kassa.ReloadSucceededData{Source: kassa.ReloadSourceAuto, Amount: "50.00000000", Currency: "EUR",
		BalanceAfter: "51.00000000", EntryID: credits[0].ID, PaymentReference: credits[0].Reference,
		IdempotencyKey: "reload:paid1:20261126:1"}
	if succeeded != want {
		t.Errorf("reload.succeeded data = %+v, want %+v", succeeded, want)
	}
	if !ok[0].CreatedAt.Equal(credits[0].CreatedAt) {
		t.Errorf("event at %v, credit at %v: written in one transaction they share its time", ok[0].CreatedAt, credits[0].CreatedAt)
	}

	failed := e.outbox("nopay", kassa.EventReloadFailed)
	if len(failed) != 1 || len(e.audits("nopay", ActionDeclined)) != 1 {
		t.Fatalf("%d reload.failed events, want one with the decline's audit record", len(failed))
	}
	var declined kassa.ReloadFailedData
	if err := json.Unmarshal(failed[0].Data, &declined); err != nil {
		t.Fatal(err)
	}
	if declined.Source != kassa.ReloadSourceAuto || declined.Code != kassa.ReloadDeclined ||
		declined.Reason != "payment declined: card expired" || declined.IdempotencyKey != "reload:nopay:20261126:1" {
		t.Errorf("reload.failed data = %+v", declined)
	}

	// A declined top-up.
	_, err := r.TopUp(ctx, TopUpRequest{Account: "nopay", Trx: "trx-decline", IdempotencyKey: "k1"})
	wantCode(t, err, kassa.EPAYMENTDECLINED, "card expired")
	failed = e.outbox("nopay", kassa.EventReloadFailed)
	if len(failed) != 2 {
		t.Fatalf("%d reload.failed events after a declined top-up, want 2", len(failed))
	}
	if err := json.Unmarshal(failed[1].Data, &declined); err != nil || declined.Source != kassa.ReloadSourceTopUp {
		t.Errorf("declined top-up event = %s (%v)", failed[1].Data, err)
	}

	// An unknown outcome is retried, not an event.
	b.setDecide(func(p payment, n int) answer { return answer{status: 503} })
	if _, err := r.TopUp(ctx, TopUpRequest{Account: "paid1", Trx: "trx-1", IdempotencyKey: "k2"}); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Fatalf("top-up with the gateway down: %v", err)
	}
	if n := len(e.outbox("paid1", kassa.EventReloadFailed)); n != 0 {
		t.Errorf("%d reload.failed events for an unknown outcome, want none", n)
	}
}

// TestOutboxCapReachedOncePerDay: the daily cap writes one reload.failed
// (cap_reached) a day, however many runs and top-ups find it reached.
func TestOutboxCapReachedOncePerDay(t *testing.T) {
	e := mustEnv(t)
	ar := enabled("trx-1")
	ar.DailyCap = 1
	e.mustAccount("capped", "0", ar)
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	ctx := context.Background()
	for range 3 {
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		if bal := e.balance("capped"); bal > 0 {
			if _, _, err := e.ledger.Debit(ctx, charging.Posting{Account: "capped", Kind: kassa.KindDebit, Amount: bal, Reason: "spend"}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := r.TopUp(ctx, TopUpRequest{Account: "capped", Trx: "trx-1"})
		wantCode(t, err, kassa.EPAYMENTDECLINED, "daily reload cap reached")
	}
	failed := e.outbox("capped", kassa.EventReloadFailed)
	if len(failed) != 1 {
		t.Fatalf("%d reload.failed events, want one for the day", len(failed))
	}
	var d kassa.ReloadFailedData
	if err := json.Unmarshal(failed[0].Data, &d); err != nil || d.Code != kassa.ReloadCapReached || d.DailyCap != 1 {
		t.Errorf("cap event = %s (%v)", failed[0].Data, err)
	}
	if n := len(e.outbox("capped", kassa.EventReloadSucceeded)); n != 1 {
		t.Errorf("%d reload.succeeded, want the one reload under the cap", n)
	}
}
