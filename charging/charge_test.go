package charging_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

func TestChargeReplaysIdenticalAnswer(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "1", "0")

	req := charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "447700900123", Units: 3,
		Rating: eurRating("0.0333"), IdempotencyKey: "msg-1", Reference: "m1"}
	first, replayed, err := l.Charge(ctx, req)
	if err != nil || replayed {
		t.Fatalf("charge: %v, replayed %v", err, replayed)
	}
	want := &charging.Charge{ID: first.ID, Account: "acct1", BalanceAccount: "acct1", Type: kassa.SMS, To: "447700900123", Country: "GB",
		NetworkCode: "23410", NetworkName: "O2", NetworkType: kassa.Mobile, UnitPrice: kassa.MustParseAmount("0.0333"),
		Units: 3, Amount: kassa.MustParseAmount("0.0999"), Currency: kassa.EUR,
		BalanceAfter: kassa.MustParseAmount("0.9001"), Reference: "m1", CreatedAt: first.CreatedAt}
	if diff := cmp.Diff(want, first); diff != "" {
		t.Fatalf("charge (-want +got):\n%s", diff)
	}
	// A retry after the price changed and time passed is still a replay.
	c.Advance(time.Minute)
	req.Rating = eurRating("0.05")
	again, replayed, err := l.Charge(ctx, req)
	if err != nil || !replayed {
		t.Fatalf("replay: %v, replayed %v", err, replayed)
	}
	if diff := cmp.Diff(first, again); diff != "" {
		t.Fatalf("replay differs (-first +replay):\n%s", diff)
	}
	req.Units = 4
	_, _, err = l.Charge(ctx, req)
	wantCode(t, err, kassa.EIDEMPOTENCY)
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("0.9001") {
		t.Fatalf("balance %s, want 0.9001", b)
	}
	checkLedger(t, db, "acct1")
}

func TestChargeRefusals(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "0.10", "0")
	base := charging.ChargeRequest{Account: "acct1", Type: kassa.Voice, To: "4420", Units: 1, Rating: eurRating("0.10")}
	usd := eurRating("0.01")
	usd.Currency = kassa.USD
	for name, tc := range map[string]struct {
		edit func(*charging.ChargeRequest)
		code string
	}{
		"other currency":    {func(r *charging.ChargeRequest) { r.Rating = usd }, kassa.EINVALID},
		"negative price":    {func(r *charging.ChargeRequest) { r.Rating.UnitPrice = -1 }, kassa.EINVALID},
		"price overflow":    {func(r *charging.ChargeRequest) { r.Rating.UnitPrice = kassa.MaxAmount / 2; r.Units = 3 }, kassa.EINVALID},
		"insufficient":      {func(r *charging.ChargeRequest) { r.Units = 2 }, kassa.EINSUFFICIENT},
		"unknown account":   {func(r *charging.ChargeRequest) { r.Account = "nobody" }, kassa.ENOTFOUND},
		"key too long":      {func(r *charging.ChargeRequest) { r.IdempotencyKey = string(make([]byte, 256)) }, kassa.EINVALID},
		"balance one short": {func(r *charging.ChargeRequest) { r.Rating.UnitPrice = kassa.MustParseAmount("0.10000001") }, kassa.EINSUFFICIENT},
	} {
		t.Run(name, func(t *testing.T) {
			req := base
			tc.edit(&req)
			_, _, err := l.Charge(ctx, req)
			wantCode(t, err, tc.code)
		})
	}
	if _, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1, IdempotencyKey: "credit-1"}); err != nil {
		t.Fatal(err)
	}
	req := base
	req.IdempotencyKey = "credit-1"
	_, _, err := l.Charge(ctx, req)
	wantCode(t, err, kassa.EIDEMPOTENCY)
	// Exactly the balance can be charged.
	ch, _, err := l.Charge(ctx, base)
	if err != nil || ch.BalanceAfter != 1 {
		t.Fatalf("charge of the whole balance: %+v, %v", ch, err)
	}
	checkLedger(t, db, "acct1")
}

func TestRefunds(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "10", "0")
	ch, _, err := l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "447700900123", Units: 4, Rating: eurRating("0.5")})
	if err != nil {
		t.Fatal(err)
	}
	r1, replayed, err := l.Refund(ctx, ch.ID, kassa.MustParseAmount("0.5"), "r1")
	if err != nil || replayed || r1.ChargeID != ch.ID || r1.Amount != kassa.MustParseAmount("0.5") || r1.BalanceAfter != kassa.MustParseAmount("8.5") {
		t.Fatalf("refund: %+v, %v, %v", r1, replayed, err)
	}
	again, replayed, err := l.Refund(ctx, ch.ID, kassa.MustParseAmount("0.5"), "r1")
	if err != nil || !replayed || again.ID != r1.ID {
		t.Fatalf("refund replay: %+v, %v, %v", again, replayed, err)
	}
	_, _, err = l.Refund(ctx, ch.ID, kassa.MustParseAmount("0.6"), "r1")
	wantCode(t, err, kassa.EIDEMPOTENCY)
	_, _, err = l.Refund(ctx, ch.ID, kassa.MustParseAmount("1.50000001"), "r2")
	wantCode(t, err, kassa.EINVALID)
	rest, _, err := l.Refund(ctx, ch.ID, 0, "r3")
	if err != nil || rest.Amount != kassa.MustParseAmount("1.5") || rest.BalanceAfter != kassa.MustParseAmount("10") {
		t.Fatalf("refund of the rest: %+v, %v", rest, err)
	}
	_, _, err = l.Refund(ctx, ch.ID, 0, "r4")
	wantCode(t, err, kassa.ECONFLICT)
	_, _, err = l.Refund(ctx, ch.ID, -1, "r5")
	wantCode(t, err, kassa.EINVALID)
	_, _, err = l.Refund(ctx, 999999, 0, "r6")
	wantCode(t, err, kassa.ENOTFOUND)
	credit := entriesOf(t, db, "acct1")[len(entriesOf(t, db, "acct1"))-1]
	_, _, err = l.Refund(ctx, credit.ID, 0, "r7")
	wantCode(t, err, kassa.ENOTFOUND)
	checkLedger(t, db, "acct1")
}
