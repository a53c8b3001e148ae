package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testLedger(t *testing.T) {
	t.Run("AppendUpdatesBalance", h.testAppend)
	t.Run("ManyAppendsInOneTransaction", h.testAppendBatch)
	t.Run("Idempotency", h.testIdempotency)
	t.Run("Lookups", h.testLedgerLookups)
	t.Run("RollbackOnError", h.testRollback)
	t.Run("UnknownAccount", h.testLedgerUnknownAccount)
	t.Run("Verify", h.testVerify)
}

func (h harness) testAppend(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "led00001", 0)
	clock.Advance(time.Minute)
	e1 := MustAppend(t, s, "led00001", kassa.KindCredit, amt("10"))
	clock.Advance(time.Minute)
	e2 := MustAppend(t, s, "led00001", kassa.KindDebit, amt("-3.33333333"))
	if e1.ID == 0 || e2.ID <= e1.ID {
		t.Errorf("entry ids %d, %d: want increasing", e1.ID, e2.ID)
	}
	if e1.BalanceAfter != amt("10") || e2.BalanceAfter != amt("6.66666667") {
		t.Errorf("balance after = %s, %s; want 10, 6.66666667", e1.BalanceAfter, e2.BalanceAfter)
	}
	sameTime(t, "e1.CreatedAt", e1.CreatedAt, Epoch.Add(time.Minute))
	sameTime(t, "e2.CreatedAt", e2.CreatedAt, Epoch.Add(2*time.Minute))
	if b := MustBalance(t, s, "led00001"); b != amt("6.66666667") {
		t.Errorf("balance = %s, want 6.66666667", b)
	}
	var got *kassa.Entry
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		var err error
		got, err = tx.Entry(e2.ID)
		return err
	})
	noErr(t, err, "read entry")
	want := *e2
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	if *got != want {
		t.Errorf("stored entry %+v, want %+v", *got, want)
	}
	MustVerify(t, s)
}

// testAppendBatch appends several entries in one transaction, as group
// commit does: every row gets the transaction's time, the balances chain,
// and Balance inside the transaction sees the transaction's own writes.
func (h harness) testAppendBatch(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "bat00001", amt("1"))
	MustCreateAccount(t, s, "bat00002", amt("2"))
	txTime := clock.Advance(time.Hour)
	var entries []*kassa.Entry
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if !tx.Now().Equal(txTime) {
			t.Errorf("tx.Now() = %v, want %v", tx.Now(), txTime)
		}
		if err := tx.LockAccounts("bat00001", "bat00002"); err != nil {
			return err
		}
		for i := range 10 {
			acct := "bat00001"
			if i%2 == 1 {
				acct = "bat00002"
			}
			clock.Advance(time.Second) // the transaction must not read it again
			e := &kassa.Entry{Account: acct, Kind: kassa.KindCharge, Amount: amt("-0.1")}
			if err := tx.Append(e); err != nil {
				return err
			}
			entries = append(entries, e)
		}
		b, err := tx.Balance("bat00001")
		if err != nil {
			return err
		}
		if b.Balance != amt("0.5") {
			t.Errorf("Balance inside the transaction = %s, want 0.5", b.Balance)
		}
		return nil
	})
	noErr(t, err, "batch")
	for i, e := range entries {
		sameTime(t, "CreatedAt", e.CreatedAt, txTime)
		base := amt("1")
		if i%2 == 1 {
			base = amt("2")
		}
		want := base - kassa.Amount(i/2+1)*amt("0.1")
		if e.BalanceAfter != want {
			t.Errorf("entry %d balance after = %s, want %s", i, e.BalanceAfter, want)
		}
	}
	if b := MustBalance(t, s, "bat00002"); b != amt("1.5") {
		t.Errorf("bat00002 balance = %s, want 1.5", b)
	}
	MustVerify(t, s)
}

func (h harness) testIdempotency(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "idem0001", amt("10"))
	MustCreateAccount(t, s, "idem0002", amt("10"))
	first := &kassa.Entry{Account: "idem0001", Kind: kassa.KindCharge, Amount: amt("-1"), IdempotencyKey: "msg-1", RequestHash: "h1", Meta: `{"a":1}`}
	noErr(t, s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.Append(first) }), "first")

	dup := &kassa.Entry{Account: "idem0001", Kind: kassa.KindCharge, Amount: amt("-1"), IdempotencyKey: "msg-1"}
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.Append(dup) })
	wantCode(t, err, kassa.ECONFLICT)

	other := &kassa.Entry{Account: "idem0002", Kind: kassa.KindCharge, Amount: amt("-1"), IdempotencyKey: "msg-1"}
	noErr(t, s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.Append(other) }), "same key, other account")

	// Empty keys are never unique.
	MustAppend(t, s, "idem0001", kassa.KindDebit, amt("-1"))
	MustAppend(t, s, "idem0001", kassa.KindDebit, amt("-1"))

	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		got, err := tx.EntryByIdempotencyKey("idem0001", "", "msg-1")
		if err != nil {
			return err
		}
		if got.ID != first.ID || got.RequestHash != "h1" || got.Meta != `{"a":1}` {
			t.Errorf("EntryByIdempotencyKey = %+v, want the first entry", got)
		}
		_, err = tx.EntryByIdempotencyKey("idem0001", "", "msg-2")
		wantCode(t, err, kassa.ENOTFOUND)
		_, err = tx.EntryByIdempotencyKey("idem0003", "", "msg-1")
		wantCode(t, err, kassa.ENOTFOUND)
		return nil
	})
	noErr(t, err, "lookups")
	if b := MustBalance(t, s, "idem0001"); b != amt("7") {
		t.Errorf("balance = %s, want 7 (the duplicate must not count)", b)
	}
	MustVerify(t, s)
}

func (h harness) testLedgerLookups(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "look0001", amt("100"))
	charge := MustAppend(t, s, "look0001", kassa.KindCharge, amt("-10"))
	since := clock.Advance(time.Hour)
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		for _, a := range []kassa.Amount{amt("2"), amt("3.5")} {
			if err := tx.Append(&kassa.Entry{Account: "look0001", Kind: kassa.KindRefund, Amount: a, RelatedID: charge.ID}); err != nil {
				return err
			}
		}
		return tx.Append(&kassa.Entry{Account: "look0001", Kind: kassa.KindCredit, Amount: amt("1"), RelatedID: charge.ID})
	})
	noErr(t, err, "refunds")
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		total, err := tx.RelatedTotal(charge.ID, kassa.KindRefund)
		if err != nil {
			return err
		}
		if total != amt("5.5") {
			t.Errorf("RelatedTotal = %s, want 5.5", total)
		}
		if total, err = tx.RelatedTotal(charge.ID+1000, kassa.KindRefund); err != nil || total != 0 {
			t.Errorf("RelatedTotal of nothing = %s, %v; want 0", total, err)
		}
		for _, c := range []struct {
			kind  kassa.EntryKind
			since time.Time
			want  int
		}{
			{kassa.KindRefund, Epoch, 2},
			{kassa.KindCharge, Epoch, 1},
			{kassa.KindCharge, since, 0},
			{kassa.KindRefund, since, 2},
			{kassa.KindRefund, since.Add(time.Microsecond), 0},
			{kassa.KindCredit, Epoch, 2}, // the opening credit and the one above
		} {
			n, err := tx.CountEntries("look0001", c.kind, c.since)
			if err != nil {
				return err
			}
			if n != c.want {
				t.Errorf("CountEntries(%s, since %v) = %d, want %d", c.kind, c.since, n, c.want)
			}
		}
		got, err := tx.Entry(charge.ID)
		if err != nil {
			return err
		}
		if got.Amount != amt("-10") || got.Kind != kassa.KindCharge || got.Account != "look0001" {
			t.Errorf("Entry = %+v", got)
		}
		_, err = tx.Entry(charge.ID + 1000)
		wantCode(t, err, kassa.ENOTFOUND)
		return nil
	})
	noErr(t, err, "lookups")
}

var errStop = errors.New("stop here")

func (h harness) testRollback(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "roll0001", amt("10"))
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		for _, key := range []string{"k", "k2", ""} {
			if err := tx.Append(&kassa.Entry{Account: "roll0001", Kind: kassa.KindDebit, Amount: amt("-1"), IdempotencyKey: key}); err != nil {
				return err
			}
		}
		if err := tx.CreateHold(&kassa.Hold{ID: "hold-rolled-back", Account: "roll0001", Amount: amt("1"), ExpiresAt: Epoch.Add(time.Hour)}); err != nil {
			return err
		}
		return errStop
	})
	if !errors.Is(err, errStop) {
		t.Fatalf("InLedgerTx returned %v, want fn's error", err)
	}
	if b := MustBalance(t, s, "roll0001"); b != amt("10") {
		t.Errorf("balance after rollback = %s, want 10", b)
	}
	_, total, err := s.ListEntries(ctx, kassa.EntryFilter{Account: "roll0001"})
	noErr(t, err, "list")
	if total != 1 {
		t.Errorf("%d entries after rollback, want only the opening one", total)
	}
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		_, err := tx.Hold("hold-rolled-back")
		wantCode(t, err, kassa.ENOTFOUND)
		// The key is free again.
		return tx.Append(&kassa.Entry{Account: "roll0001", Kind: kassa.KindDebit, Amount: amt("-1"), IdempotencyKey: "k"})
	})
	noErr(t, err, "after rollback")
	MustVerify(t, s)
}

func (h harness) testLedgerUnknownAccount(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		b, err := tx.Balance("nobody00")
		if b != nil {
			t.Errorf("Balance of nobody = %+v", b)
		}
		return err
	})
	wantCode(t, err, kassa.ENOTFOUND)
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		return tx.Append(&kassa.Entry{Account: "nobody00", Kind: kassa.KindCredit, Amount: amt("1")})
	})
	wantCode(t, err, kassa.ENOTFOUND)
	MustVerify(t, s)
}

func (h harness) testVerify(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	d, err := s.Verify(ctx)
	noErr(t, err, "verify an empty store")
	if len(d) != 0 {
		t.Errorf("empty store: %+v", d)
	}
	MustCreateAccount(t, s, "ver00001", amt("5"))
	MustCreateAccount(t, s, "ver00002", 0) // no entries at all
	for range 5 {
		MustAppend(t, s, "ver00001", kassa.KindDebit, amt("-0.5"))
	}
	MustVerify(t, s)
	if b := MustBalance(t, s, "ver00001"); b != amt("2.5") {
		t.Errorf("balance = %s, want 2.5", b)
	}
	// A cancelled context is refused rather than ignored.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Verify(cctx); err == nil {
		t.Error("Verify with a cancelled context succeeded")
	}
}
