package client_test

import (
	"errors"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// requirePlatform skips when the server does not serve the platform API at
// all: a platform path without a token answers 404 instead of 401.
func requirePlatform(t *testing.T, ts *testServer) {
	t.Helper()
	_, err := client.New(ts.URL).GetHold(testCtx(t), "probe")
	var e *client.Error
	if errors.As(err, &e) && e.Status == 404 {
		t.Skip("the server does not serve /platform/v1 yet")
	}
}

func TestRateAndCharge(t *testing.T) {
	ts := startPricedKassa(t)
	requirePlatform(t, ts)
	requirePricing(t, ts)
	ctx := testCtx(t)
	c := serviceClient(ts)

	r, err := c.Rate(ctx, client.RateRequest{Account: testKey, Type: kassa.SMS, To: "447700900123"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Country != "GB" || r.UnitPrice <= 0 || r.Currency != "EUR" || r.Account != testKey {
		t.Fatalf("rate = %+v", r)
	}
	ch, err := c.Charge(ctx, client.ChargeRequest{Account: testKey, Type: kassa.SMS, To: "447700900123", Units: 2, Reference: "msg-1", IdempotencyKey: "charge-1"})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := r.UnitPrice.MulUnits(2)
	balance, _ := kassa.MustParseAmount("10").Sub(want)
	if ch.ID == "" || ch.Units != 2 || ch.UnitPrice != r.UnitPrice || ch.Amount != want || ch.BalanceAfter != balance || ch.Replayed {
		t.Fatalf("charge = %+v, want 2 × %v leaving %v", ch, r.UnitPrice, balance)
	}
	again, err := c.Charge(ctx, client.ChargeRequest{Account: testKey, Type: kassa.SMS, To: "447700900123", Units: 2, Reference: "msg-1", IdempotencyKey: "charge-1"})
	if err != nil || !again.Replayed || again.ID != ch.ID {
		t.Fatalf("replay = %+v, %v; want the same charge, replayed", again, err)
	}
	_, err = c.Charge(ctx, client.ChargeRequest{Account: testKey, Type: kassa.SMS, To: "447700900123", Units: 3, IdempotencyKey: "charge-1"})
	if code := kassaCode(t, err); code != kassa.EIDEMPOTENCY {
		t.Fatalf("same key, other units: %q (%v)", code, err)
	}
	// An account with nothing on it cannot be charged, and stays at zero.
	if _, err := adminClient(ts).CreateAccount(ctx, client.NewAccount{APIKey: "poor0001", APISecret: "Poor12345"}); err != nil {
		t.Fatal(err)
	}
	_, err = c.Charge(ctx, client.ChargeRequest{Account: "poor0001", Type: kassa.SMS, To: "447700900123", Units: 1})
	if code := kassaCode(t, err); code != kassa.EINSUFFICIENT {
		t.Fatalf("charge above the balance: %q (%v)", code, err)
	}
	if a, err := adminClient(ts).GetAccount(ctx, "poor0001"); err != nil || a.Balance != 0 {
		t.Fatalf("poor account after a refused charge: %+v, %v", a, err)
	}
	_, err = c.Charge(ctx, client.ChargeRequest{Account: testKey, Type: kassa.SMS, To: "447700900123", Units: 0})
	if code := kassaCode(t, err); code != kassa.EINVALID {
		t.Fatalf("zero units: %q (%v)", code, err)
	}

	part := r.UnitPrice
	rf, err := c.Refund(ctx, ch.ID, client.RefundRequest{Amount: &part})
	if err != nil {
		t.Fatal(err)
	}
	if rf.ChargeID != ch.ID || rf.Amount != part || rf.BalanceAfter != balance+part {
		t.Fatalf("refund = %+v", rf)
	}
	rest, err := c.Refund(ctx, ch.ID, client.RefundRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if rest.BalanceAfter != kassa.MustParseAmount("10") {
		t.Fatalf("after refunding the rest: balance %v, want 10", rest.BalanceAfter)
	}
}

func TestHolds(t *testing.T) {
	ts := startKassa(t)
	requirePlatform(t, ts)
	ctx := testCtx(t)
	c := serviceClient(ts)

	amount := kassa.MustParseAmount("2")
	h, err := c.Hold(ctx, client.HoldRequest{Account: testKey, Amount: &amount, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if h.ID == "" || h.State != "open" || h.Amount != amount || h.BalanceAfter != kassa.MustParseAmount("8") || h.ExpiresAt.IsZero() {
		t.Fatalf("hold = %+v", h)
	}
	got, err := c.GetHold(ctx, h.ID)
	if err != nil || got.ID != h.ID || got.State != "open" {
		t.Fatalf("get hold = %+v, %v", got, err)
	}
	cp, err := c.Capture(ctx, h.ID, kassa.MustParseAmount("0.3"))
	if err != nil {
		t.Fatal(err)
	}
	if cp.State != "captured" || cp.Captured != kassa.MustParseAmount("0.3") || cp.BalanceAfter != kassa.MustParseAmount("9.7") {
		t.Fatalf("capture = %+v, want 0.3 captured leaving 9.7", cp)
	}
	if _, err := c.Release(ctx, h.ID); kassaCode(t, err) != kassa.ECONFLICT {
		t.Fatalf("release after capture: %v, want conflict", err)
	}

	h2, err := c.Hold(ctx, client.HoldRequest{Account: testKey, Amount: &amount})
	if err != nil {
		t.Fatal(err)
	}
	rel, err := c.Release(ctx, h2.ID)
	if err != nil || rel.State != "released" || rel.BalanceAfter != kassa.MustParseAmount("9.7") {
		t.Fatalf("release = %+v, %v; want released, balance back to 9.7", rel, err)
	}
	if _, err := c.GetHold(ctx, "no-such-hold"); kassaCode(t, err) != kassa.ENOTFOUND {
		t.Fatalf("unknown hold: %v", err)
	}
	if _, err := client.New(ts.URL, client.WithServiceToken("wrong")).GetHold(ctx, h.ID); kassaCode(t, err) != kassa.EUNAUTHORIZED {
		t.Fatalf("wrong service token: %v", err)
	}
}
