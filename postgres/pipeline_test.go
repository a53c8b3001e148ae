package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestPipelinedAppends runs a ledger transaction as the charging engine's
// batches do (lock, then per operation an idempotency lookup and an
// append) with appends that are queued and appends that are sent at once
// mixed: every append reports the id and balance it has once committed,
// ids are unique and increase, a lookup sees the appends queued before it,
// a taken key and an out-of-range balance fail alone while the
// transaction goes on, and the ledger verifies.
func TestPipelinedAppends(t *testing.T) {
	db := openTestDB(t, nil)
	ctx := context.Background()
	createAccount(t, db, "pipe0001", kassa.MustParseAmount("100"))
	createAccount(t, db, "pipe0002", kassa.MustParseAmount("5"))
	var written []*kassa.Entry
	err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		written = written[:0]
		if err := tx.LockAccounts("pipe0001", "pipe0002"); err != nil {
			return err
		}
		for i := range 40 {
			key := fmt.Sprintf("k%d", i)
			if i%7 != 3 { // some keys are appended without a lookup first
				if _, err := tx.EntryByIdempotencyKey("pipe0001", "", key); kassa.ErrorCode(err) != kassa.ENOTFOUND {
					return fmt.Errorf("lookup %s: %v", key, err)
				}
			}
			e := &kassa.Entry{Account: "pipe0001", Kind: kassa.KindCharge, Amount: kassa.MustParseAmount("-1"), IdempotencyKey: key}
			if i%5 == 4 {
				e.IdempotencyKey = ""
			}
			if err := tx.Append(e); err != nil {
				return fmt.Errorf("append %d: %w", i, err)
			}
			written = append(written, e)
			if want := kassa.MustParseAmount("100") - kassa.Amount(i+1)*kassa.MustParseAmount("1"); e.BalanceAfter != want {
				return fmt.Errorf("append %d: balance after %s, want %s", i, e.BalanceAfter, want)
			}
			if i%9 == 8 { // another account, in between
				o := &kassa.Entry{Account: "pipe0002", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("1")}
				if err := tx.Append(o); err != nil {
					return err
				}
				written = append(written, o)
			}
		}
		// A lookup finds an entry that may still have been queued.
		got, err := tx.EntryByIdempotencyKey("pipe0001", "", "k38")
		if err != nil || got.ID != written[len(written)-2].ID && got.ID != written[len(written)-1].ID {
			return fmt.Errorf("lookup of a just appended key: %+v, %v", got, err)
		}
		// A taken key fails alone, queued or not.
		dup := &kassa.Entry{Account: "pipe0001", Kind: kassa.KindCharge, Amount: kassa.MustParseAmount("-1"), IdempotencyKey: "k1"}
		if err := tx.Append(dup); kassa.ErrorCode(err) != kassa.ECONFLICT {
			return fmt.Errorf("append with a taken key: %v, want conflict", err)
		}
		// So does a balance out of range.
		huge := &kassa.Entry{Account: "pipe0002", Kind: kassa.KindCredit, Amount: kassa.Amount(math.MaxInt64)}
		if err := tx.Append(huge); kassa.ErrorCode(err) != kassa.EINVALID {
			return fmt.Errorf("append out of range: %v, want invalid", err)
		}
		last := &kassa.Entry{Account: "pipe0001", Kind: kassa.KindCharge, Amount: kassa.MustParseAmount("-1")}
		if err := tx.Append(last); err != nil {
			return err
		}
		written = append(written, last)
		b, err := tx.Balance("pipe0001")
		if err != nil || b.Balance != last.BalanceAfter {
			return fmt.Errorf("balance in the transaction: %+v, %v; want %s", b, err, last.BalanceAfter)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]*kassa.Entry{}
	for _, key := range []string{"pipe0001", "pipe0002"} {
		list, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: key, Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			stored[e.ID] = e
		}
	}
	if len(stored) != len(written)+2 { // and the two opening credits
		t.Errorf("%d entries stored, want %d", len(stored), len(written)+2)
	}
	seen := map[int64]bool{}
	var prev int64
	for _, e := range written {
		if seen[e.ID] || e.ID <= prev {
			t.Errorf("entry id %d after %d: ids must be unique and increase", e.ID, prev)
		}
		seen[e.ID], prev = true, e.ID
		stored := stored[e.ID]
		if stored == nil {
			t.Fatalf("entry %d was not stored", e.ID)
		}
		if stored.Account != e.Account || stored.Amount != e.Amount || stored.BalanceAfter != e.BalanceAfter || stored.IdempotencyKey != e.IdempotencyKey {
			t.Errorf("entry %d stored as %+v, appended as %+v", e.ID, stored, e)
		}
	}
	checkBalance(t, db, "pipe0001", kassa.MustParseAmount("59"))
	checkBalance(t, db, "pipe0002", kassa.MustParseAmount("9"))
	if d, err := db.Verify(ctx); err != nil || len(d) != 0 {
		t.Fatalf("verify: %v %+v", err, d)
	}
}

// TestPipelinedAppendsRollBack: appends still queued when the transaction
// fails are never written.
func TestPipelinedAppendsRollBack(t *testing.T) {
	db := openTestDB(t, nil)
	ctx := context.Background()
	createAccount(t, db, "pipe0003", kassa.MustParseAmount("10"))
	boom := errors.New("boom")
	err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := tx.LockAccounts("pipe0003"); err != nil {
			return err
		}
		for range 10 {
			if err := tx.Append(&kassa.Entry{Account: "pipe0003", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("-1")}); err != nil {
				return err
			}
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InLedgerTx = %v, want boom", err)
	}
	checkBalance(t, db, "pipe0003", kassa.MustParseAmount("10"))
	entries, _, err := db.ListEntries(ctx, kassa.EntryFilter{Account: "pipe0003", Limit: 100})
	if err != nil || len(entries) != 1 {
		t.Errorf("entries after the rollback: %d, %v; want the opening one", len(entries), err)
	}
}

// checkBalance fails the test unless key's stored balance is want.
func checkBalance(t *testing.T, db *DB, key string, want kassa.Amount) {
	t.Helper()
	a, err := db.FindAccount(context.Background(), key)
	if err != nil || a.Balance != want {
		t.Errorf("%s: balance %v, %v; want %s", key, a, err, want)
	}
}
