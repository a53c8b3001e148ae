package charging_test

import (
	"context"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

func TestHoldCaptureRefund(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "1", "0")

	h, replayed, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.60"), IdempotencyKey: "call-1"})
	if err != nil || replayed {
		t.Fatalf("hold: %v, %v", err, replayed)
	}
	if h.State != kassa.HoldOpen || h.BalanceAfter != kassa.MustParseAmount("0.40") || h.Currency != kassa.EUR ||
		!h.ExpiresAt.Equal(c.Now().Add(charging.DefaultHoldTTL)) {
		t.Fatalf("hold %+v", h)
	}
	again, replayed, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.60"), IdempotencyKey: "call-1"})
	if err != nil || !replayed || again.ID != h.ID {
		t.Fatalf("hold replay: %+v, %v, %v", again, replayed, err)
	}
	// The held amount is not available to charges.
	_, _, err = l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "44", Units: 1, Rating: eurRating("0.41")})
	wantCode(t, err, kassa.EINSUFFICIENT)
	_, _, err = l.Capture(ctx, h.ID, kassa.MustParseAmount("0.61"))
	wantCode(t, err, kassa.EINVALID)

	cap1, replayed, err := l.Capture(ctx, h.ID, kassa.MustParseAmount("0.25"))
	if err != nil || replayed || cap1.State != kassa.HoldCaptured || cap1.Captured != kassa.MustParseAmount("0.25") ||
		cap1.BalanceAfter != kassa.MustParseAmount("0.75") || cap1.CaptureEntryID == 0 {
		t.Fatalf("capture: %+v, %v, %v", cap1, replayed, err)
	}
	cap2, replayed, err := l.Capture(ctx, h.ID, kassa.MustParseAmount("0.25"))
	if err != nil || !replayed || cap2.BalanceAfter != cap1.BalanceAfter || cap2.CaptureEntryID != cap1.CaptureEntryID {
		t.Fatalf("capture replay: %+v, %v, %v", cap2, replayed, err)
	}
	_, _, err = l.Capture(ctx, h.ID, kassa.MustParseAmount("0.30"))
	wantCode(t, err, kassa.ECONFLICT)
	_, _, err = l.Release(ctx, h.ID)
	wantCode(t, err, kassa.ECONFLICT)
	got, err := l.GetHold(ctx, h.ID)
	if err != nil || got.State != kassa.HoldCaptured || got.BalanceAfter != cap1.BalanceAfter || got.CaptureEntryID != cap1.CaptureEntryID {
		t.Fatalf("get hold: %+v, %v", got, err)
	}
	// The captured amount is the charge: refunds stop at it.
	_, _, err = l.Refund(ctx, cap1.CaptureEntryID, kassa.MustParseAmount("0.26"), "")
	wantCode(t, err, kassa.EINVALID)
	r, _, err := l.Refund(ctx, cap1.CaptureEntryID, 0, "")
	if err != nil || r.Amount != kassa.MustParseAmount("0.25") || r.BalanceAfter != kassa.MustParseAmount("1") {
		t.Fatalf("refund of a capture: %+v, %v", r, err)
	}
	_, err = l.GetHold(ctx, "hld_nope")
	wantCode(t, err, kassa.ENOTFOUND)
	checkLedger(t, db, "acct1")
}

func TestHoldReleaseAndExpiry(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "1", "0")

	_, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("1.01")})
	wantCode(t, err, kassa.EINSUFFICIENT)
	_, _, err = l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: 1, TTL: charging.MaxHoldTTL + time.Second})
	wantCode(t, err, kassa.EINVALID)

	a, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.3")})
	if err != nil {
		t.Fatal(err)
	}
	rel, replayed, err := l.Release(ctx, a.ID)
	if err != nil || replayed || rel.State != kassa.HoldReleased || rel.BalanceAfter != kassa.MustParseAmount("1") {
		t.Fatalf("release: %+v, %v, %v", rel, replayed, err)
	}
	if _, replayed, err := l.Release(ctx, a.ID); err != nil || !replayed {
		t.Fatalf("release replay: %v, %v", replayed, err)
	}
	_, _, err = l.Capture(ctx, a.ID, 0)
	wantCode(t, err, kassa.ECONFLICT)

	short, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.2"), TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	long, _, err := l.Hold(ctx, charging.HoldRequest{Account: "acct1", Amount: kassa.MustParseAmount("0.3"), TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := l.ExpireHolds(ctx); err != nil || n != 0 {
		t.Fatalf("expire before the time: %d, %v", n, err)
	}
	c.Advance(2 * time.Minute)
	_, _, err = l.Capture(ctx, short.ID, 1)
	wantCode(t, err, kassa.ECONFLICT)
	if n, err := l.ExpireHolds(ctx); err != nil || n != 1 {
		t.Fatalf("expire: %d, %v", n, err)
	}
	got, err := l.GetHold(ctx, short.ID)
	if err != nil || got.State != kassa.HoldExpired || got.BalanceAfter != kassa.MustParseAmount("0.7") {
		t.Fatalf("expired hold: %+v, %v", got, err)
	}
	if got, err := l.GetHold(ctx, long.ID); err != nil || got.State != kassa.HoldOpen {
		t.Fatalf("long hold: %+v, %v", got, err)
	}
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("0.7") {
		t.Fatalf("balance %s, want 0.7 (one hold of 0.3 open)", b)
	}
	checkLedger(t, db, "acct1")
}
