package storetest

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testTransfers(t *testing.T) {
	t.Run("RecordAndList", h.testTransferRecords)
	t.Run("Idempotency", h.testTransferIdempotency)
	t.Run("SetCreditLimit", h.testSetCreditLimit)
}

// mustTransfer records one transfer in its own ledger transaction.
func mustTransfer(t testing.TB, s kassa.Store, tr *kassa.Transfer) *kassa.Transfer {
	t.Helper()
	err := s.InLedgerTx(t.Context(), func(tx kassa.LedgerTx) error { return tx.CreateTransfer(tr) })
	noErr(t, err, "record transfer %s", tr.ID)
	return tr
}

func (h harness) testTransferRecords(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", 0)
	MustCreateSubaccount(t, s, "prim0001", "sub00001", false)
	MustCreateSubaccount(t, s, "prim0001", "sub00002", false)
	MustCreateAccount(t, s, "prim0002", 0)
	MustCreateSubaccount(t, s, "prim0002", "sub00003", false)
	t0 := clock.Advance(time.Hour)
	a := mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferBalance, Primary: "prim0001", From: "prim0001", To: "sub00001", Amount: amt("1.5"), Reference: "first"})
	sameTime(t, "CreatedAt", a.CreatedAt, t0)
	t1 := clock.Advance(time.Hour)
	b := mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferCredit, Primary: "prim0001", From: "prim0001", To: "sub00002", Amount: amt("2")})
	c := mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferBalance, Primary: "prim0001", From: "sub00002", To: "prim0001", Amount: amt("0.00000001")})
	t2 := clock.Advance(time.Hour)
	d := mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferBalance, Primary: "prim0001", From: "prim0001", To: "sub00002", Amount: amt("3")})
	mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferBalance, Primary: "prim0002", From: "prim0002", To: "sub00003", Amount: amt("9")})

	ids := func(list []*kassa.Transfer) []string {
		out := make([]string, len(list))
		for i, tr := range list {
			out[i] = tr.ID
		}
		return out
	}
	cases := []struct {
		name string
		f    kassa.TransferFilter
		want []*kassa.Transfer
	}{
		{"balance, newest first", kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferBalance}, []*kassa.Transfer{d, c, a}},
		{"credit", kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferCredit}, []*kassa.Transfer{b}},
		{"all kinds", kassa.TransferFilter{Primary: "prim0001"}, []*kassa.Transfer{d, c, b, a}},
		{"since is inclusive", kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferBalance, Since: t1}, []*kassa.Transfer{d, c}},
		{"until is inclusive", kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferBalance, Until: t1}, []*kassa.Transfer{c, a}},
		{"a window", kassa.TransferFilter{Primary: "prim0001", Since: t1, Until: t1}, []*kassa.Transfer{c, b}},
		{"to or from an account", kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferBalance, Accounts: []string{"sub00002"}}, []*kassa.Transfer{d, c}},
		{"several accounts", kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferBalance, Accounts: []string{"sub00001", "sub00002"}}, []*kassa.Transfer{d, c, a}},
		{"after the last", kassa.TransferFilter{Primary: "prim0001", Since: t2.Add(time.Second)}, nil},
		{"limit", kassa.TransferFilter{Primary: "prim0001", Limit: 2}, []*kassa.Transfer{d, c}},
		{"no such primary", kassa.TransferFilter{Primary: "nobody00"}, nil},
	}
	for _, tc := range cases {
		got, err := s.ListTransfers(ctx, tc.f)
		noErr(t, err, "%s", tc.name)
		if got == nil {
			t.Errorf("%s: nil list, want an empty one", tc.name)
		}
		if g, w := ids(got), ids(tc.want); len(g) != len(w) || (len(g) > 0 && !equalStrings(g, w)) {
			t.Errorf("%s: %v, want %v", tc.name, g, w)
		}
	}
	got, err := s.ListTransfers(ctx, kassa.TransferFilter{Primary: "prim0001", Kind: kassa.TransferBalance, Accounts: []string{"sub00001"}})
	noErr(t, err, "one transfer")
	if len(got) != 1 {
		t.Fatalf("got %d transfers", len(got))
	}
	want := *a
	if g := *got[0]; !g.CreatedAt.Equal(want.CreatedAt) || g.ID != want.ID || g.Kind != want.Kind || g.From != want.From ||
		g.To != want.To || g.Amount != want.Amount || g.Reference != want.Reference || g.Primary != want.Primary {
		t.Errorf("stored transfer = %+v, want %+v", g, want)
	}
}

func (h harness) testTransferIdempotency(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", 0)
	MustCreateSubaccount(t, s, "prim0001", "sub00001", false)
	MustCreateAccount(t, s, "prim0002", 0)
	MustCreateSubaccount(t, s, "prim0002", "sub00002", false)
	first := mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferBalance, Primary: "prim0001", From: "prim0001", To: "sub00001",
		Amount: amt("1"), IdempotencyKey: "tr-1", RequestHash: "h1"})
	// Another primary may use the same key.
	mustTransfer(t, s, &kassa.Transfer{ID: NewID(), Kind: kassa.TransferBalance, Primary: "prim0002", From: "prim0002", To: "sub00002",
		Amount: amt("1"), IdempotencyKey: "tr-1"})
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		dup := &kassa.Transfer{ID: NewID(), Kind: kassa.TransferCredit, Primary: "prim0001", From: "prim0001", To: "sub00001", Amount: amt("2"), IdempotencyKey: "tr-1"}
		wantCode(t, tx.CreateTransfer(dup), kassa.ECONFLICT)
		sameID := &kassa.Transfer{ID: first.ID, Kind: kassa.TransferCredit, Primary: "prim0001", From: "prim0001", To: "sub00001", Amount: amt("2")}
		wantCode(t, tx.CreateTransfer(sameID), kassa.ECONFLICT)
		// The transaction is still usable after the refusals.
		got, err := tx.TransferByIdempotencyKey("prim0001", "tr-1")
		if err != nil {
			return err
		}
		if got.ID != first.ID || got.RequestHash != "h1" || got.Amount != amt("1") {
			t.Errorf("by key = %+v, want %+v", got, first)
		}
		_, err = tx.TransferByIdempotencyKey("prim0001", "tr-2")
		wantCode(t, err, kassa.ENOTFOUND)
		_, err = tx.TransferByIdempotencyKey("prim0001", "")
		wantCode(t, err, kassa.ENOTFOUND)
		return nil
	})
	noErr(t, err, "refusals")
	list, err := s.ListTransfers(ctx, kassa.TransferFilter{Primary: "prim0001"})
	noErr(t, err, "list")
	if len(list) != 1 {
		t.Errorf("%d transfers of prim0001, want 1", len(list))
	}
}

func (h harness) testSetCreditLimit(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", amt("1"))
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts("prim0001"); err != nil {
			return err
		}
		if err := tx.SetCreditLimit("prim0001", amt("-12.5")); err != nil {
			return err
		}
		b, err := tx.Balance("prim0001")
		if err != nil {
			return err
		}
		if b.CreditLimit != amt("-12.5") || b.Balance != amt("1") {
			t.Errorf("balance row in the transaction = %+v", b)
		}
		wantCode(t, tx.SetCreditLimit("nobody00", amt("-1")), kassa.ENOTFOUND)
		return nil
	})
	noErr(t, err, "set credit limit")
	a, err := s.FindAccount(ctx, "prim0001")
	noErr(t, err, "find")
	if a.CreditLimit != amt("-12.5") {
		t.Errorf("credit limit = %s, want -12.5", a.CreditLimit)
	}
}
