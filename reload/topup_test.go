package reload

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func TestTopUpPaidCreditsOnceAndReplays(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "10", enabled("trx-1"))
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	ctx := context.Background()

	first, err := r.TopUp(ctx, TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: "req-42", RemoteAddr: "192.0.2.7:5151"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := e.audits("acct1", ActionTopUp); len(ev) != 1 || ev[0].RemoteAddr != "192.0.2.7:5151" {
		t.Errorf("top-up audit events %+v, want one with the caller's address", ev)
	}
	if first.Kind != kassa.KindTopUp || first.Amount != kassa.MustParseAmount("50") || first.BalanceAfter != kassa.MustParseAmount("60") {
		t.Fatalf("entry = %+v, want a 50.00 top-up to 60.00", first)
	}
	if !strings.HasPrefix(first.Reference, "pay-topup:acct1:") || !strings.Contains(first.Reason, "webhook") {
		t.Errorf("reference %q, reason %q", first.Reference, first.Reason)
	}
	again, err := r.TopUp(ctx, TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: "req-42"})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != first.ID || e.balance("acct1") != kassa.MustParseAmount("60") {
		t.Fatalf("retry made entry %d (first %d), balance %s; want a replay", again.ID, first.ID, e.balance("acct1"))
	}
	if b.payments() != 1 || len(b.allKeys()) != 1 {
		t.Fatalf("gateway saw %d requests for %d payments, want 1 and 1", len(b.allKeys()), b.payments())
	}
	if _, err := r.TopUp(ctx, TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: "req-43"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.TopUp(ctx, TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: ""}); err != nil {
		t.Fatal(err)
	}
	if got := e.balance("acct1"); got != kassa.MustParseAmount("160") {
		t.Fatalf("balance after three distinct top-ups = %s, want 160", got)
	}
	if n := len(e.audits("acct1", ActionTopUp)); n != 3 {
		t.Errorf("%d topup audit events, want 3", n)
	}
	e.verify()
}

func TestTopUpRefusedWhenNotEnabled(t *testing.T) {
	e := mustEnv(t)
	off := enabled("trx-1")
	off.Enabled = false
	e.mustAccount("off1", "5", off)
	e.mustAccount("on1", "5", enabled("trx-1"))
	noTrx := enabled("")
	e.mustAccount("notrx", "5", noTrx)
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	for _, c := range []struct{ key, trx string }{{"off1", "trx-1"}, {"on1", "trx-2"}, {"on1", ""}, {"notrx", ""}} {
		_, err := r.TopUp(context.Background(), TopUpRequest{Account: c.key, Trx: c.trx, IdempotencyKey: "k"})
		wantCode(t, err, kassa.EFORBIDDEN, "not auto-reload enabled")
	}
	_, err := r.TopUp(context.Background(), TopUpRequest{Account: "nobody", Trx: "trx-1", IdempotencyKey: ""})
	wantCode(t, err, kassa.ENOTFOUND, "")
	if len(b.allKeys()) != 0 || e.balance("on1") != kassa.MustParseAmount("5") {
		t.Fatal("a refused top-up reached the gateway or changed the balance")
	}
}

func TestTopUpDeclinedChangesNothing(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "5", enabled("trx-1"))
	b := newBilling(t, func(payment, int) answer { return answer{status: 402, body: `{"reason":"card expired"}`} })
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	_, err := r.TopUp(context.Background(), TopUpRequest{Account: "acct1", Trx: "trx-1", RemoteAddr: "192.0.2.7:5151"})
	wantCode(t, err, kassa.EPAYMENTDECLINED, "payment declined: card expired")
	if e.balance("acct1") != kassa.MustParseAmount("5") || len(e.entries("acct1", kassa.KindTopUp)) != 0 {
		t.Fatal("a declined top-up changed the ledger")
	}
	if ev := e.audits("acct1", ActionTopUpFail); len(ev) != 1 || ev[0].RemoteAddr != "192.0.2.7:5151" || ev[0].Actor != "account:acct1" {
		t.Errorf("decline audit events %+v, want one from account:acct1 at 192.0.2.7:5151", ev)
	}
}

func TestTopUpUnknownOutcomeThenRetrySameKey(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "5", enabled("trx-1"))
	b := newBilling(t, func(payment, int) answer { return answer{block: true} })
	r := e.reloader(b.gateway(100*time.Millisecond, 1), "n1")
	_, err := r.TopUp(context.Background(), TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: "req-1"})
	wantCode(t, err, kassa.EUNAVAILABLE, "retry with the same Idempotency-Key")
	if e.balance("acct1") != kassa.MustParseAmount("5") {
		t.Fatal("balance changed after an unknown outcome")
	}
	b.setDecide(pays)
	if _, err := r.TopUp(context.Background(), TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: "req-1"}); err != nil {
		t.Fatal(err)
	}
	keys := b.allKeys()
	for _, k := range keys {
		if k != keys[0] {
			t.Fatalf("keys %v: the retry used another idempotency key", keys)
		}
	}
	if len(keys) != 3 || e.balance("acct1") != kassa.MustParseAmount("55") {
		t.Fatalf("%d attempts, balance %s; want 3 attempts and 55", len(keys), e.balance("acct1"))
	}
}

func TestTopUpWithoutGatewayNeverCredits(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "5", enabled("trx-1"))
	r := e.reloader(nil, "n1")
	_, err := r.TopUp(context.Background(), TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: ""})
	wantCode(t, err, kassa.EPAYMENTDECLINED, NotConfiguredMessage)
	s, err := r.RunOnce(context.Background())
	if err != nil || s.Declined != 1 || s.Reloaded != 0 {
		t.Fatalf("RunOnce = %+v, %v; want one decline", s, err)
	}
	if e.balance("acct1") != kassa.MustParseAmount("5") {
		t.Fatal("credit granted without a gateway")
	}
}

func TestTopUpLedgerOnly(t *testing.T) {
	e := mustEnv(t)
	e.mustAccount("acct1", "5", enabled("trx-1"))
	entry, err := e.reloader(LedgerOnly{}, "n1").TopUp(context.Background(), TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: ""})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(entry.Reference, "ledger-only") || !strings.Contains(entry.Reason, "ledger-only, no payment taken") {
		t.Fatalf("reference %q, reason %q", entry.Reference, entry.Reason)
	}
}

func TestConcurrentTopUpsWithOneKeyCreditOnce(t *testing.T) {
	e := mustEnv(t)
	ar := enabled("trx-1")
	ar.DailyCap = 100
	e.mustAccount("acct1", "0", ar)
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	const callers = 8
	ids := make(chan int64, 2*callers)
	var wg sync.WaitGroup
	for i := range 2 * callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := "same-key"
			if i%2 == 1 {
				key = fmt.Sprintf("distinct-%d", i)
			}
			entry, err := r.TopUp(context.Background(), TopUpRequest{Account: "acct1", Trx: "trx-1", IdempotencyKey: key})
			if err != nil {
				t.Error(err)
				return
			}
			if key == "same-key" {
				ids <- entry.ID
			}
		}()
	}
	wg.Wait()
	close(ids)
	first := int64(-1)
	for id := range ids {
		if first == -1 {
			first = id
		}
		if id != first {
			t.Fatalf("same Idempotency-Key answered with entries %d and %d", first, id)
		}
	}
	want := kassa.MustParseAmount("450") // 1 + 8 distinct top-ups of 50
	if got := e.balance("acct1"); got != want || b.payments() != callers+1 {
		t.Fatalf("balance %s with %d payments; want %s and %d", got, b.payments(), want, callers+1)
	}
	e.verify()
}

// TestTopUpPastTheCapAudit: top-ups refused by the daily cap write the
// day's one reload.cap_reached event (actor system, with the cap and the
// day) and no topup.declined, however often the client retries; the
// documented behaviour of docs/auto-reload.md ("Daily cap").
func TestTopUpPastTheCapAudit(t *testing.T) {
	e := mustEnv(t)
	ar := enabled("trx-1")
	ar.DailyCap = 1
	e.mustAccount("capped", "0", ar)
	b := newBilling(t, pays)
	r := e.reloader(b.gateway(time.Second, 0), "n1")
	ctx := context.Background()
	if _, err := r.TopUp(ctx, TopUpRequest{Account: "capped", Trx: "trx-1", RemoteAddr: "192.0.2.7:5151"}); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, err := r.TopUp(ctx, TopUpRequest{Account: "capped", Trx: "trx-1", RemoteAddr: "192.0.2.7:5151"})
		wantCode(t, err, kassa.EPAYMENTDECLINED, "daily reload cap reached (1 per day)")
	}
	if n := len(e.audits("capped", ActionTopUpFail)); n != 0 {
		t.Errorf("%d topup.declined events for top-ups refused by the cap, want none", n)
	}
	capped := e.audits("capped", ActionCapReached)
	if len(capped) != 1 || capped[0].Actor != "system" || capped[0].Detail != `{"cap":1,"day":"2026-11-26"}` {
		t.Fatalf("cap events = %+v, want one of the system with the cap and the day", capped)
	}
	if n := len(e.audits("capped", ActionTopUp)); n != 1 || b.payments() != 1 {
		t.Errorf("%d topup.credited, %d payments; want the one under the cap", n, b.payments())
	}
}
