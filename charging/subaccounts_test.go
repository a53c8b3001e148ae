package charging_test

import (
	"context"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// createSubaccount creates an EUR subaccount of primary, sharing its
// balance or with its own (starting at 0 with no credit).
func createSubaccount(t testing.TB, db kassa.Store, primary, key string, shared bool) {
	t.Helper()
	a := &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DefaultLimits, Primary: primary, SharedBalance: shared}
	if err := db.CreateSubaccount(context.Background(), a, nil, 100); err != nil {
		t.Fatalf("create subaccount %s: %v", key, err)
	}
}

// setSuspended suspends or resumes an account in the store.
func setSuspended(t testing.TB, db kassa.Store, key string, suspended bool) {
	t.Helper()
	if _, err := db.UpdateAccount(context.Background(), key, kassa.AccountUpdate{Suspended: &suspended}); err != nil {
		t.Fatalf("suspend %s: %v", key, err)
	}
}

func amount(s string) kassa.Amount { return kassa.MustParseAmount(s) }

func TestSharedBalanceChargeTakesFromThePrimary(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "prim", "10", "0")
	createSubaccount(t, db, "prim", "shrd", true)

	req := charging.ChargeRequest{Account: "shrd", Primary: "prim", Type: kassa.SMS, To: "447700900123", Units: 2,
		Rating: eurRating("0.5"), IdempotencyKey: "msg-1"}
	ch, replayed, err := l.Charge(ctx, req)
	if err != nil || replayed {
		t.Fatalf("charge: %v, replayed %v", err, replayed)
	}
	if ch.Account != "shrd" || ch.BalanceAccount != "prim" || ch.BalanceAfter != amount("9") {
		t.Errorf("charge = %+v, want it for shrd paid by prim, balance 9", ch)
	}
	if b := balanceOf(t, db, "prim"); b != amount("9") {
		t.Errorf("primary balance %s, want 9", b)
	}
	if b := balanceOf(t, db, "shrd"); b != 0 {
		t.Errorf("shared subaccount balance %s, want 0", b)
	}
	entries := entriesOf(t, db, "prim")
	if entries[0].Kind != kassa.KindCharge || entries[0].Subaccount != "shrd" {
		t.Errorf("latest entry of prim = %+v, want the charge naming shrd", entries[0])
	}
	// A retry replays; the same key for the primary's own charge is
	// another charge (keys are per account and subaccount).
	again, replayed, err := l.Charge(ctx, req)
	if err != nil || !replayed || again.ID != ch.ID || again.Account != "shrd" {
		t.Errorf("retry: %+v, %v, %v", again, replayed, err)
	}
	own, replayed, err := l.Charge(ctx, charging.ChargeRequest{Account: "prim", Type: kassa.SMS, To: "447700900123", Units: 1,
		Rating: eurRating("0.5"), IdempotencyKey: "msg-1"})
	if err != nil || replayed || own.ID == ch.ID || own.Account != "prim" {
		t.Errorf("primary's own msg-1: %+v, %v, %v", own, replayed, err)
	}
	// The floor is the primary's.
	_, _, err = l.Charge(ctx, charging.ChargeRequest{Account: "shrd", Primary: "prim", Type: kassa.SMS, To: "447700900123", Units: 1000,
		Rating: eurRating("0.5"), IdempotencyKey: "msg-big"})
	wantCode(t, err, kassa.EINSUFFICIENT)
	// A caller that did not lock the primary is refused, never served.
	_, _, err = l.Charge(ctx, charging.ChargeRequest{Account: "shrd", Type: kassa.SMS, To: "447700900123", Units: 1,
		Rating: eurRating("0.5"), IdempotencyKey: "msg-2"})
	wantCode(t, err, kassa.EINTERNAL)
	// Refunding it returns the money to the primary, naming the subaccount.
	ref, _, err := l.Refund(ctx, ch.ID, 0, "ref-1")
	if err != nil || ref.Account != "shrd" || ref.BalanceAfter != amount("9.5") {
		t.Fatalf("refund: %+v, %v", ref, err)
	}
	if e := entriesOf(t, db, "prim")[0]; e.Kind != kassa.KindRefund || e.Subaccount != "shrd" {
		t.Errorf("refund entry = %+v", e)
	}
	checkLedger(t, db, "prim")
}

func TestOwnBalanceSubaccountChargesItself(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "prim", "10", "0")
	createSubaccount(t, db, "prim", "ownb", false)
	req := charging.ChargeRequest{Account: "ownb", Primary: "prim", Type: kassa.SMS, To: "447700900123", Units: 1,
		Rating: eurRating("0.5"), IdempotencyKey: "m"}
	_, _, err := l.Charge(ctx, req)
	wantCode(t, err, kassa.EINSUFFICIENT) // it starts at 0, no credit
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "ownb", Amount: amount("2")}); err != nil {
		t.Fatalf("fund: %v", err)
	}
	ch, _, err := l.Charge(ctx, req)
	if err != nil || ch.BalanceAccount != "ownb" || ch.BalanceAfter != amount("1.5") {
		t.Fatalf("charge: %+v, %v", ch, err)
	}
	if b := balanceOf(t, db, "prim"); b != amount("8") {
		t.Errorf("primary %s, want 8", b)
	}
	checkLedger(t, db, "ownb")
	checkLedger(t, db, "prim")
}

func TestSharedBalanceHold(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "prim", "10", "0")
	createSubaccount(t, db, "prim", "shrd", true)
	h, _, err := l.Hold(ctx, charging.HoldRequest{Account: "shrd", Primary: "prim", Amount: amount("3"), IdempotencyKey: "h1"})
	if err != nil {
		t.Fatal(err)
	}
	if h.Account != "prim" || h.Subaccount != "shrd" || h.BalanceAfter != amount("7") {
		t.Errorf("hold = %+v", h)
	}
	again, replayed, err := l.Hold(ctx, charging.HoldRequest{Account: "shrd", Primary: "prim", Amount: amount("3"), IdempotencyKey: "h1"})
	if err != nil || !replayed || again.ID != h.ID {
		t.Errorf("replay: %+v %v %v", again, replayed, err)
	}
	got, replayed, err := l.Capture(ctx, h.ID, amount("1"))
	if err != nil || replayed || got.BalanceAfter != amount("9") || got.Subaccount != "shrd" {
		t.Fatalf("capture: %+v %v %v", got, replayed, err)
	}
	// The replayed capture finds its entry in the subaccount's scope.
	again, replayed, err = l.Capture(ctx, h.ID, amount("1"))
	if err != nil || !replayed || again.CaptureEntryID != got.CaptureEntryID {
		t.Errorf("capture replay: %+v %v %v", again, replayed, err)
	}
	for _, e := range entriesOf(t, db, "prim")[:2] {
		if e.Subaccount != "shrd" {
			t.Errorf("entry %d (%s) does not name the subaccount", e.ID, e.Kind)
		}
	}
	checkLedger(t, db, "prim")
}

func TestSuspensionRefusesChargesAndHolds(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "prim", "10", "0")
	createSubaccount(t, db, "prim", "shrd", true)
	createSubaccount(t, db, "prim", "ownb", false)
	charge := func(account, primary, key string) error {
		_, _, err := l.Charge(ctx, charging.ChargeRequest{Account: account, Primary: primary, Type: kassa.SMS, To: "447700900123",
			Units: 1, Rating: eurRating("0.1"), IdempotencyKey: key})
		return err
	}
	hold := func(account, primary, key string) error {
		_, _, err := l.Hold(ctx, charging.HoldRequest{Account: account, Primary: primary, Amount: amount("0.1"), IdempotencyKey: key})
		return err
	}
	if err := charge("shrd", "prim", "before"); err != nil {
		t.Fatal(err)
	}
	setSuspended(t, db, "shrd", true)
	wantCode(t, charge("shrd", "prim", "k1"), kassa.ESUSPENDED)
	wantCode(t, hold("shrd", "prim", "k2"), kassa.ESUSPENDED)
	// A retry of a charge made before the suspension still replays.
	if err := charge("shrd", "prim", "before"); err != nil {
		t.Errorf("replay after suspension: %v", err)
	}
	if err := charge("prim", "", "k3"); err != nil {
		t.Errorf("the primary is not suspended: %v", err)
	}
	// A suspended primary suspends its family's spending.
	setSuspended(t, db, "shrd", false)
	setSuspended(t, db, "prim", true)
	wantCode(t, charge("prim", "", "k4"), kassa.ESUSPENDED)
	wantCode(t, charge("shrd", "prim", "k5"), kassa.ESUSPENDED)
	wantCode(t, hold("ownb", "prim", "k6"), kassa.ESUSPENDED)
	// Credits still work, and transfers back to the primary.
	if _, _, err := l.Credit(ctx, charging.Posting{Account: "prim", Kind: kassa.KindTopUp, Amount: amount("1")}); err != nil {
		t.Errorf("top-up of a suspended account: %v", err)
	}
	_, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "ownb", Amount: amount("1")})
	wantCode(t, err, kassa.ESUSPENDED)
	setSuspended(t, db, "prim", false)
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "ownb", Amount: amount("1")}); err != nil {
		t.Fatal(err)
	}
	setSuspended(t, db, "ownb", true)
	setSuspended(t, db, "prim", true)
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "ownb", To: "prim", Amount: amount("1")}); err != nil {
		t.Errorf("money back from a suspended subaccount to a suspended primary: %v", err)
	}
	setSuspended(t, db, "prim", false)
	if err := charge("shrd", "prim", "k7"); err != nil {
		t.Errorf("after resume: %v", err)
	}
	checkLedger(t, db, "prim")
}

func TestBalanceTransferFormulas(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	// DOCS-OV: the primary at −20 with a credit limit of −100 has 80 to
	// transfer; transferring 20 leaves it at −40.
	createAccount(t, db, "prim", "0", "-100")
	createSubaccount(t, db, "prim", "sub1", false)
	if _, _, err := l.Debit(ctx, charging.Posting{Account: "prim", Kind: kassa.KindDebit, Amount: amount("20")}); err != nil {
		t.Fatal(err)
	}
	if got := charging.TransferableBalance(amount("-20"), amount("-100")); got != amount("80") {
		t.Errorf("transferable = %s, want 80", got)
	}
	tr, replayed, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "sub1",
		Amount: amount("20"), Reference: "fund", IdempotencyKey: "t1"})
	if err != nil || replayed {
		t.Fatalf("transfer: %v %v", err, replayed)
	}
	if tr.ID == "" || len(tr.ID) != 36 || tr.From != "prim" || tr.To != "sub1" || tr.Amount != amount("20") || tr.Reference != "fund" || tr.CreatedAt.IsZero() {
		t.Errorf("transfer = %+v", tr)
	}
	if b := balanceOf(t, db, "prim"); b != amount("-40") {
		t.Errorf("primary %s, want -40", b)
	}
	if b := balanceOf(t, db, "sub1"); b != amount("20") {
		t.Errorf("subaccount %s, want 20", b)
	}
	out, in := entriesOf(t, db, "prim")[0], entriesOf(t, db, "sub1")[0]
	if out.Kind != kassa.KindTransferOut || out.Amount != amount("-20") || in.Kind != kassa.KindTransferIn || in.Amount != amount("20") ||
		out.Reference != "fund" || out.Meta != in.Meta || out.Meta == "" {
		t.Errorf("entries = %+v / %+v", out, in)
	}
	// The same key replays; with another amount it is a conflict.
	again, replayed, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "sub1",
		Amount: amount("20"), Reference: "fund", IdempotencyKey: "t1"})
	if err != nil || !replayed || again.ID != tr.ID {
		t.Errorf("replay: %+v %v %v", again, replayed, err)
	}
	_, _, err = l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "sub1",
		Amount: amount("21"), IdempotencyKey: "t1"})
	wantCode(t, err, kassa.EIDEMPOTENCY)
	// 60 is left to transfer: 60.00000001 is refused, 60 is not.
	_, _, err = l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "sub1", Amount: amount("60.00000001")})
	wantCode(t, err, kassa.EINSUFFICIENT)
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "prim", To: "sub1", Amount: amount("60")}); err != nil {
		t.Fatalf("transfer to the floor: %v", err)
	}
	if b := balanceOf(t, db, "prim"); b != amount("-100") {
		t.Errorf("primary %s, want -100 (its floor)", b)
	}
	// Back from the subaccount: all of its 80 and no more.
	_, _, err = l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "sub1", To: "prim", Amount: amount("80.00000001")})
	wantCode(t, err, kassa.EINSUFFICIENT)
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "prim", From: "sub1", To: "prim", Amount: amount("80")}); err != nil {
		t.Fatal(err)
	}
	checkLedger(t, db, "prim")
	checkLedger(t, db, "sub1")
}

func TestCreditTransferFormulas(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	// DOCS-OV: c = −100 and b = −40 give 60 to allocate; allocating 35
	// leaves the primary at |c| = 65.
	createAccount(t, db, "prim", "0", "-100")
	createSubaccount(t, db, "prim", "sub1", false)
	if _, _, err := l.Debit(ctx, charging.Posting{Account: "prim", Kind: kassa.KindDebit, Amount: amount("40")}); err != nil {
		t.Fatal(err)
	}
	if got := charging.AllocatableCredit(amount("-40"), amount("-100")); got != amount("60") {
		t.Errorf("allocatable = %s, want 60", got)
	}
	if got := charging.AllocatableCredit(amount("5"), amount("-100")); got != amount("100") {
		t.Errorf("allocatable with a positive balance = %s, want 100", got)
	}
	if got := charging.AllocatableCredit(amount("-120"), amount("-100")); got != 0 {
		t.Errorf("allocatable beyond the limit = %s, want 0", got)
	}
	_, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferCredit, Primary: "prim", From: "prim", To: "sub1", Amount: amount("60.00000001")})
	wantCode(t, err, kassa.EINSUFFICIENT)
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferCredit, Primary: "prim", From: "prim", To: "sub1", Amount: amount("35")}); err != nil {
		t.Fatal(err)
	}
	limitOf := func(key string) kassa.Amount {
		a, err := db.FindAccount(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		return a.CreditLimit
	}
	if p, s := limitOf("prim"), limitOf("sub1"); p != amount("-65") || s != amount("-35") {
		t.Errorf("credit limits %s and %s, want -65 and -35", p, s)
	}
	if b := balanceOf(t, db, "prim"); b != amount("-40") {
		t.Errorf("a credit transfer moved balance: %s", b)
	}
	// The subaccount spends on its credit, then gives back what it did not use.
	if _, _, err := l.Debit(ctx, charging.Posting{Account: "sub1", Kind: kassa.KindDebit, Amount: amount("10")}); err != nil {
		t.Fatal(err)
	}
	_, _, err = l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferCredit, Primary: "prim", From: "sub1", To: "prim", Amount: amount("25.00000001")})
	wantCode(t, err, kassa.EINSUFFICIENT)
	if _, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferCredit, Primary: "prim", From: "sub1", To: "prim", Amount: amount("25")}); err != nil {
		t.Fatal(err)
	}
	if p, s := limitOf("prim"), limitOf("sub1"); p != amount("-90") || s != amount("-10") {
		t.Errorf("credit limits %s and %s, want -90 and -10", p, s)
	}
	list, err := db.ListTransfers(ctx, kassa.TransferFilter{Primary: "prim", Kind: kassa.TransferCredit})
	if err != nil || len(list) != 2 || list[0].From != "sub1" {
		t.Errorf("credit transfers = %+v, %v", list, err)
	}
}

func TestTransferRefusals(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "prim", "10", "0")
	createAccount(t, db, "othr", "10", "0")
	createSubaccount(t, db, "prim", "sub1", false)
	createSubaccount(t, db, "prim", "sub2", false)
	createSubaccount(t, db, "prim", "shrd", true)
	createSubaccount(t, db, "othr", "osub", false)
	cases := []struct {
		name string
		req  charging.TransferRequest
		code string
	}{
		{"same account", charging.TransferRequest{From: "sub1", To: "sub1"}, kassa.EINVALID},
		{"between subaccounts", charging.TransferRequest{From: "sub1", To: "sub2"}, kassa.EFORBIDDEN},
		{"to another primary's subaccount", charging.TransferRequest{From: "prim", To: "osub"}, kassa.EFORBIDDEN},
		{"to another primary", charging.TransferRequest{From: "prim", To: "othr"}, kassa.EFORBIDDEN},
		{"to a shared-balance subaccount", charging.TransferRequest{From: "prim", To: "shrd"}, kassa.EFORBIDDEN},
		{"from a shared-balance subaccount", charging.TransferRequest{From: "shrd", To: "prim"}, kassa.EFORBIDDEN},
		{"to an unknown account", charging.TransferRequest{From: "prim", To: "nobody"}, kassa.ENOTFOUND},
		{"zero", charging.TransferRequest{From: "prim", To: "sub1", Amount: -1}, kassa.EINVALID},
	}
	for _, kind := range []kassa.TransferKind{kassa.TransferBalance, kassa.TransferCredit} {
		for _, tc := range cases {
			req := tc.req
			req.Kind, req.Primary = kind, "prim"
			if req.Amount == 0 {
				req.Amount = amount("1")
			} else {
				req.Amount = 0
			}
			_, _, err := l.Transfer(ctx, req)
			if kassa.ErrorCode(err) != tc.code {
				t.Errorf("%s %s: %v, want %s", kind, tc.name, err, tc.code)
			}
		}
	}
	// A primary that is itself a subaccount is refused too.
	_, _, err := l.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: "sub1", From: "sub1", To: "prim", Amount: amount("1")})
	wantCode(t, err, kassa.EFORBIDDEN)
	for _, k := range []string{"prim", "othr", "sub1", "sub2"} {
		checkLedger(t, db, k)
	}
	if b := balanceOf(t, db, "prim"); b != amount("10") {
		t.Errorf("a refused transfer moved money: %s", b)
	}
}
