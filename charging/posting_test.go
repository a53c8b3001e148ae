package charging_test

import (
	"context"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

func TestCreditReplaysAndConflicts(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "0", "0")

	p := charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("5.00"), Reason: "welcome", IdempotencyKey: "k1"}
	e, replayed, err := l.Credit(ctx, p)
	if err != nil || replayed {
		t.Fatalf("credit: %v, replayed %v", err, replayed)
	}
	if e.Amount != kassa.MustParseAmount("5") || e.BalanceAfter != kassa.MustParseAmount("5") || e.ID == 0 {
		t.Fatalf("credit entry %+v", e)
	}
	again, replayed, err := l.Credit(ctx, p)
	if err != nil || !replayed || again.ID != e.ID || again.BalanceAfter != e.BalanceAfter {
		t.Fatalf("replay: %+v, replayed %v, %v", again, replayed, err)
	}
	p.Amount = kassa.MustParseAmount("6.00")
	_, _, err = l.Credit(ctx, p)
	wantCode(t, err, kassa.EIDEMPOTENCY)
	// The key is unique per account across kinds.
	_, _, err = l.Debit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: 1, IdempotencyKey: "k1"})
	wantCode(t, err, kassa.EIDEMPOTENCY)
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("5") {
		t.Fatalf("balance %s after replays, want 5", b)
	}
	checkLedger(t, db, "acct1")
}

func TestPostingValidation(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "1", "0")
	for name, tc := range map[string]struct {
		debit bool
		p     charging.Posting
		code  string
	}{
		"credit with debit kind":  {false, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: 1}, kassa.EINVALID},
		"debit with credit kind":  {true, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1}, kassa.EINVALID},
		"zero amount":             {false, charging.Posting{Account: "acct1", Kind: kassa.KindCredit}, kassa.EINVALID},
		"negative amount":         {true, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: -1}, kassa.EINVALID},
		"no account":              {false, charging.Posting{Kind: kassa.KindCredit, Amount: 1}, kassa.EINVALID},
		"unknown account":         {false, charging.Posting{Account: "nobody", Kind: kassa.KindCredit, Amount: 1}, kassa.ENOTFOUND},
		"reserved key":            {false, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1, IdempotencyKey: "kassa:x"}, kassa.EINVALID},
		"key with a space":        {false, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1, IdempotencyKey: "a b"}, kassa.EINVALID},
		"balance would overflow":  {false, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: kassa.MaxAmount}, kassa.EINVALID},
		"debit below zero":        {true, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("1.00000001")}, kassa.EINSUFFICIENT},
		"negative adjustment low": {true, charging.Posting{Account: "acct1", Kind: kassa.KindAdjustment, Amount: kassa.MustParseAmount("2")}, kassa.EINSUFFICIENT},
	} {
		t.Run(name, func(t *testing.T) {
			var err error
			if tc.debit {
				_, _, err = l.Debit(ctx, tc.p)
			} else {
				_, _, err = l.Credit(ctx, tc.p)
			}
			wantCode(t, err, tc.code)
		})
	}
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("1") {
		t.Fatalf("balance %s after refused postings, want 1", b)
	}
	if n := len(entriesOf(t, db, "acct1")); n != 1 {
		t.Fatalf("%d entries after refused postings, want 1", n)
	}
}

func TestDebitHonoursCreditLimit(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	createAccount(t, db, "acct1", "1", "-2.5")

	e, _, err := l.Debit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("3.5")})
	if err != nil {
		t.Fatalf("debit to exactly the floor: %v", err)
	}
	if e.BalanceAfter != kassa.MustParseAmount("-2.5") || e.Amount != kassa.MustParseAmount("-3.5") {
		t.Fatalf("entry %+v", e)
	}
	_, _, err = l.Debit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindDebit, Amount: 1})
	wantCode(t, err, kassa.EINSUFFICIENT)
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("-2.5") {
		t.Fatalf("balance %s, want -2.5", b)
	}
	checkLedger(t, db, "acct1")
}

func TestCloseDrainsAndRefuses(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	l := charging.New(db, charging.Options{Now: c.Now})
	ctx := context.Background()
	createAccount(t, db, "acct1", "0", "0")

	const n = 50
	errs := make(chan error, n)
	for range n {
		go func() {
			_, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1})
			errs <- err
		}()
	}
	ok := 0
	for range n {
		if err := <-errs; err == nil {
			ok++
		} else {
			wantCode(t, err, kassa.EUNAVAILABLE)
		}
		if ok == 10 {
			l.Close()
		}
	}
	l.Close() // twice is fine
	_, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1})
	wantCode(t, err, kassa.EUNAVAILABLE)
	// Every credit that was answered without error is in the ledger, and
	// nothing else.
	if b := balanceOf(t, db, "acct1"); b != kassa.Amount(ok) {
		t.Fatalf("balance %d units, %d credits acknowledged", int64(b), ok)
	}
	checkLedger(t, db, "acct1")
}
