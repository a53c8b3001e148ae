package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testSubaccounts(t *testing.T) {
	t.Run("CreateAndList", h.testCreateSubaccount)
	t.Run("Limit", h.testSubaccountLimit)
	t.Run("ConcurrentLimit", h.testSubaccountLimitConcurrent)
	t.Run("UpdateTreeFields", h.testUpdateTreeFields)
	t.Run("BalanceRowTreeFields", h.testBalanceTreeFields)
	t.Run("EntriesOfSubaccount", h.testSubaccountEntries)
	t.Run("HoldSubaccount", h.testHoldSubaccount)
}

// MustCreateSubaccount stores NewAccount(key) as a subaccount of primary
// (sharing its balance when shared) with one secret and a generous limit;
// it fails the test on error.
func MustCreateSubaccount(t testing.TB, s kassa.Store, primary, key string, shared bool) *kassa.Account {
	t.Helper()
	a := NewAccount(key)
	a.Primary, a.SharedBalance, a.Name = primary, shared, "sub "+key
	if err := s.CreateSubaccount(t.Context(), a, NewSecret(key), 1000); err != nil {
		t.Fatalf("create subaccount %s of %s: %v", key, primary, err)
	}
	return a
}

func (h harness) testCreateSubaccount(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", amt("5"))
	clock.Advance(time.Minute)
	b := NewAccount("subb0002")
	b.Primary, b.SharedBalance, b.Name = "prim0001", true, "the second"
	sec := NewSecret("subb0002")
	noErr(t, s.CreateSubaccount(ctx, b, sec, 10), "create subb0002")
	sameTime(t, "CreatedAt", b.CreatedAt, Epoch.Add(time.Minute))
	if sec.AccountKey != "subb0002" || sec.CreatedAt.IsZero() {
		t.Errorf("first secret = %+v, want it filled", sec)
	}
	clock.Advance(time.Minute)
	MustCreateSubaccount(t, s, "prim0001", "suba0003", false) // later, though its key sorts first
	got, err := s.FindAccount(ctx, "subb0002")
	noErr(t, err, "find subb0002")
	if got.Primary != "prim0001" || !got.SharedBalance || got.Name != "the second" || got.Suspended || got.Balance != 0 {
		t.Errorf("stored subaccount = %+v", got)
	}
	secrets, err := s.Secrets(ctx, "subb0002")
	noErr(t, err, "secrets of subb0002")
	if len(secrets) != 1 || secrets[0].ID != sec.ID {
		t.Errorf("secrets = %+v, want the first one", secrets)
	}
	list, err := s.Subaccounts(ctx, "prim0001")
	noErr(t, err, "subaccounts")
	if len(list) != 2 || list[0].APIKey != "subb0002" || list[1].APIKey != "suba0003" {
		t.Errorf("subaccounts = %v, want subb0002 then suba0003 (oldest first)", keys(list))
	}
	for _, k := range []string{"subb0002", "nobody00", ""} {
		list, err := s.Subaccounts(ctx, k)
		noErr(t, err, "subaccounts of %q", k)
		if list == nil || len(list) != 0 {
			t.Errorf("subaccounts of %q = %v, want an empty list", k, list)
		}
	}
	// A taken key, a missing primary.
	dup := NewAccount("suba0003")
	dup.Primary = "prim0001"
	wantCode(t, s.CreateSubaccount(ctx, dup, NewSecret("suba0003"), 10), kassa.ECONFLICT)
	orphan := NewAccount("orph0001")
	orphan.Primary = "nobody00"
	wantCode(t, s.CreateSubaccount(ctx, orphan, NewSecret("orph0001"), 10), kassa.ENOTFOUND)
	if _, err := s.FindAccount(ctx, "orph0001"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("orphan stored: %v", err)
	}
	MustVerify(t, s)
}

func (h harness) testSubaccountLimit(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", 0)
	for i := range 3 {
		a := NewAccount(fmt.Sprintf("sub%05d", i))
		a.Primary = "prim0001"
		noErr(t, s.CreateSubaccount(ctx, a, NewSecret(a.APIKey), 3), "create %d", i)
	}
	a := NewAccount("sub99999")
	a.Primary = "prim0001"
	wantCode(t, s.CreateSubaccount(ctx, a, NewSecret(a.APIKey), 3), kassa.ELIMIT)
	if _, err := s.FindAccount(ctx, "sub99999"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("the subaccount over the limit was stored: %v", err)
	}
	if _, err := s.Secrets(ctx, "sub99999"); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Errorf("its secret was stored: %v", err)
	}
	// Another primary has its own count.
	MustCreateAccount(t, s, "prim0002", 0)
	b := NewAccount("sub99999")
	b.Primary = "prim0002"
	noErr(t, s.CreateSubaccount(ctx, b, NewSecret(b.APIKey), 3), "create under prim0002")
}

// testSubaccountLimitConcurrent creates 16 subaccounts at once under a
// limit of 5: exactly 5 exist afterwards, the others got ELIMIT.
func (h harness) testSubaccountLimitConcurrent(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", 0)
	const workers, max = 16, 5
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			a := NewAccount(fmt.Sprintf("conc%04d", i))
			a.Primary = "prim0001"
			errs[i] = s.CreateSubaccount(ctx, a, NewSecret(a.APIKey), max)
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch kassa.ErrorCode(err) {
		case "":
			ok++
		case kassa.ELIMIT:
		default:
			t.Errorf("creation %d: %v", i, err)
		}
	}
	list, err := s.Subaccounts(ctx, "prim0001")
	noErr(t, err, "subaccounts")
	if ok != max || len(list) != max {
		t.Errorf("%d creations succeeded and %d subaccounts exist, want %d and %d", ok, len(list), max, max)
	}
}

func (h harness) testUpdateTreeFields(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", 0)
	MustCreateSubaccount(t, s, "prim0001", "sub00001", true)
	name, yes, no, max := "renamed", true, false, 7
	got, err := s.UpdateAccount(ctx, "sub00001", kassa.AccountUpdate{Name: &name, Suspended: &yes, SharedBalance: &no})
	noErr(t, err, "update subaccount")
	if got.Name != "renamed" || !got.Suspended || got.SharedBalance || got.Primary != "prim0001" {
		t.Errorf("updated = %+v", got)
	}
	again, err := s.FindAccount(ctx, "sub00001")
	noErr(t, err, "find")
	if again.Name != "renamed" || !again.Suspended || again.SharedBalance {
		t.Errorf("stored = %+v", again)
	}
	p, err := s.UpdateAccount(ctx, "prim0001", kassa.AccountUpdate{SubaccountsDisabled: &yes, MaxSubaccounts: &max})
	noErr(t, err, "update primary")
	if !p.SubaccountsDisabled || p.MaxSubaccounts != 7 || p.Suspended {
		t.Errorf("primary = %+v", p)
	}
	// Fields not given keep their values.
	p, err = s.UpdateAccount(ctx, "prim0001", kassa.AccountUpdate{Suspended: &yes})
	noErr(t, err, "suspend primary")
	if !p.SubaccountsDisabled || p.MaxSubaccounts != 7 || !p.Suspended {
		t.Errorf("primary after suspension = %+v", p)
	}
}

func (h harness) testBalanceTreeFields(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", 0)
	MustCreateSubaccount(t, s, "prim0001", "sub00001", true)
	yes := true
	_, err := s.UpdateAccount(ctx, "sub00001", kassa.AccountUpdate{Suspended: &yes})
	noErr(t, err, "suspend")
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts("prim0001", "sub00001"); err != nil {
			return err
		}
		b, err := tx.Balance("sub00001")
		if err != nil {
			return err
		}
		if b.Primary != "prim0001" || !b.SharedBalance || !b.Suspended {
			t.Errorf("subaccount balance row = %+v", b)
		}
		p, err := tx.Balance("prim0001")
		if err != nil {
			return err
		}
		if p.Primary != "" || p.SharedBalance || p.Suspended {
			t.Errorf("primary balance row = %+v", p)
		}
		return nil
	})
	noErr(t, err, "ledger tx")
}

// testSubaccountEntries writes entries on a primary's ledger on behalf of
// a subaccount: idempotency keys are unique per account and subaccount.
func (h harness) testSubaccountEntries(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", amt("10"))
	MustCreateSubaccount(t, s, "prim0001", "sub00001", true)
	MustCreateSubaccount(t, s, "prim0001", "sub00002", true)
	write := func(sub, key string) (*kassa.Entry, error) {
		e := &kassa.Entry{Account: "prim0001", Subaccount: sub, Kind: kassa.KindCharge, Amount: amt("-1"), IdempotencyKey: key}
		err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			if err := tx.LockAccounts("prim0001"); err != nil {
				return err
			}
			return tx.Append(e)
		})
		return e, err
	}
	own, err := write("", "k1")
	noErr(t, err, "primary's own k1")
	first, err := write("sub00001", "k1")
	noErr(t, err, "sub00001's k1")
	_, err = write("sub00002", "k1")
	noErr(t, err, "sub00002's k1")
	_, err = write("sub00001", "k1")
	wantCode(t, err, kassa.ECONFLICT)
	if first.Subaccount != "sub00001" || first.BalanceAfter != amt("8") {
		t.Errorf("entry = %+v", first)
	}
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		got, err := tx.EntryByIdempotencyKey("prim0001", "sub00001", "k1")
		if err != nil {
			return err
		}
		if got.ID != first.ID || got.Subaccount != "sub00001" {
			t.Errorf("sub00001's k1 = %+v, want entry %d", got, first.ID)
		}
		got, err = tx.EntryByIdempotencyKey("prim0001", "", "k1")
		if err != nil {
			return err
		}
		if got.ID != own.ID {
			t.Errorf("the primary's k1 = entry %d, want %d", got.ID, own.ID)
		}
		_, err = tx.EntryByIdempotencyKey("sub00001", "", "k1")
		wantCode(t, err, kassa.ENOTFOUND)
		return nil
	})
	noErr(t, err, "lookups")
	list, total, err := s.ListEntries(ctx, kassa.EntryFilter{Subaccount: "sub00001"})
	noErr(t, err, "entries of sub00001")
	if total != 1 || len(list) != 1 || list[0].ID != first.ID || list[0].Account != "prim0001" {
		t.Errorf("entries of sub00001 = %d %+v", total, list)
	}
	if b := MustBalance(t, s, "prim0001"); b != amt("7") {
		t.Errorf("primary balance = %s, want 7", b)
	}
	if b := MustBalance(t, s, "sub00001"); b != 0 {
		t.Errorf("shared subaccount balance = %s, want 0", b)
	}
	MustVerify(t, s)
}

func (h harness) testHoldSubaccount(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "prim0001", amt("10"))
	MustCreateSubaccount(t, s, "prim0001", "sub00001", true)
	err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		return tx.CreateHold(&kassa.Hold{ID: "hld_sub", Account: "prim0001", Subaccount: "sub00001", Amount: amt("1"),
			ExpiresAt: clock.Now().Add(time.Hour)})
	})
	noErr(t, err, "create hold")
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		h, err := tx.Hold("hld_sub")
		if err != nil {
			return err
		}
		if h.Account != "prim0001" || h.Subaccount != "sub00001" {
			t.Errorf("hold = %+v", h)
		}
		return nil
	})
	noErr(t, err, "read hold")
	expired, err := s.ExpiredHolds(ctx, clock.Advance(2*time.Hour), 10)
	noErr(t, err, "expired holds")
	if len(expired) != 1 || expired[0].Subaccount != "sub00001" {
		t.Errorf("expired holds = %+v", expired)
	}
}

// keys lists the api keys of accounts.
func keys(list []*kassa.Account) []string {
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.APIKey
	}
	return out
}
