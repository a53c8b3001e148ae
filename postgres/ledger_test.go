package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// 64 goroutines debit one account through two separate pools (two kassa
// nodes): exactly as many debits succeed as the balance pays for, the
// balance never goes below zero, and the ledger verifies clean.
func TestConcurrentDebitsTwoNodes(t *testing.T) {
	base, schema := testkit.PostgresURL(t), newSchema(t)
	nodeA := openSchema(t, base, schema, Options{MaxConns: 8})
	nodeB := openSchema(t, base, schema, Options{MaxConns: 8})
	const (
		workers = 64
		paidFor = 40
	)
	price := kassa.MustParseAmount("0.0333")
	createAccount(t, nodeA, "hot", price*paidFor)

	var ok, insufficient atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for i := range workers {
		node := nodeA
		if i%2 == 1 {
			node = nodeB
		}
		wg.Go(func() {
			err := debit(context.Background(), node, "hot", price, fmt.Sprintf("debit-%d", i))
			switch kassa.ErrorCode(err) {
			case "":
				ok.Add(1)
			case kassa.EINSUFFICIENT:
				insufficient.Add(1)
			default:
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("debit: %v", err)
	}
	if ok.Load() != paidFor || insufficient.Load() != workers-paidFor {
		t.Fatalf("%d debits succeeded and %d were refused; want %d and %d", ok.Load(), insufficient.Load(), paidFor, workers-paidFor)
	}
	a, err := nodeB.FindAccount(context.Background(), "hot")
	if err != nil || a.Balance != 0 {
		t.Fatalf("balance = %v, %v; want 0", a, err)
	}
	entries, total, err := nodeA.ListEntries(context.Background(), kassa.EntryFilter{Account: "hot", Kinds: []kassa.EntryKind{kassa.KindDebit}})
	if err != nil || total != paidFor || len(entries) != paidFor {
		t.Fatalf("debit entries: %d listed, total %d, %v; want %d", len(entries), total, err, paidFor)
	}
	for _, e := range entries {
		if e.BalanceAfter < 0 {
			t.Fatalf("entry %d left the balance at %s", e.ID, e.BalanceAfter)
		}
	}
	verifyClean(t, nodeA)
}

// Transfers between two accounts in both directions at once, locking in
// sorted order, neither deadlock nor lose money.
func TestConcurrentTransfersKeepTotal(t *testing.T) {
	base, schema := testkit.PostgresURL(t), newSchema(t)
	nodes := []*DB{openSchema(t, base, schema, Options{}), openSchema(t, base, schema, Options{})}
	createAccount(t, nodes[0], "acc-a", 1000)
	createAccount(t, nodes[0], "acc-b", 1000)
	var wg sync.WaitGroup
	for i := range 32 {
		from, to := "acc-a", "acc-b"
		if i%2 == 1 {
			from, to = to, from
		}
		wg.Go(func() {
			err := nodes[i%2].InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
				if err := tx.LockAccounts("acc-a", "acc-b"); err != nil {
					return err
				}
				if err := tx.Append(&kassa.Entry{Account: from, Kind: kassa.KindAdjustment, Amount: -7}); err != nil {
					return err
				}
				return tx.Append(&kassa.Entry{Account: to, Kind: kassa.KindAdjustment, Amount: 7})
			})
			if err != nil {
				t.Errorf("transfer %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	a, _ := nodes[0].FindAccount(context.Background(), "acc-a")
	b, _ := nodes[1].FindAccount(context.Background(), "acc-b")
	if a.Balance+b.Balance != 2000 || a.Balance != 1000 {
		t.Fatalf("balances %s and %s; want 1000 each", a.Balance, b.Balance)
	}
	verifyClean(t, nodes[1])
}

// A deadlock between two transactions that lock in opposite orders is
// detected by the server and the loser runs again: both complete.
func TestDeadlockIsRetried(t *testing.T) {
	db := openTestDB(t, nil)
	createAccount(t, db, "acc-x", 100)
	createAccount(t, db, "acc-y", 100)
	var attempts atomic.Int64
	var bothLocked sync.WaitGroup
	bothLocked.Add(2)
	var wg sync.WaitGroup
	for _, order := range [][]string{{"acc-x", "acc-y"}, {"acc-y", "acc-x"}} {
		wg.Go(func() {
			first := true
			err := db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
				attempts.Add(1)
				if err := tx.LockAccounts(order[0]); err != nil {
					return err
				}
				if first {
					// Both transactions hold their first lock before either
					// asks for its second: a certain deadlock.
					first = false
					bothLocked.Done()
					bothLocked.Wait()
				}
				if err := tx.LockAccounts(order[1]); err != nil {
					return err
				}
				return tx.Append(&kassa.Entry{Account: order[0], Kind: kassa.KindDebit, Amount: -1})
			})
			if err != nil {
				t.Errorf("order %v: %v", order, err)
			}
		})
	}
	wg.Wait()
	if attempts.Load() < 3 {
		t.Fatalf("%d attempts in all; a deadlock should have made one transaction run again", attempts.Load())
	}
	x, _ := db.FindAccount(context.Background(), "acc-x")
	y, _ := db.FindAccount(context.Background(), "acc-y")
	if x.Balance != 99 || y.Balance != 99 {
		t.Fatalf("balances %s, %s; want 99 each (each debit applied exactly once)", x.Balance, y.Balance)
	}
	verifyClean(t, db)
}

// A taken idempotency key is ECONFLICT and leaves the transaction usable:
// the entry written before it still commits.
func TestAppendTakenKeyKeepsTransaction(t *testing.T) {
	db := openTestDB(t, nil)
	createAccount(t, db, "acc-i", 100)
	err := db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
		if err := tx.Append(&kassa.Entry{Account: "acc-i", Kind: kassa.KindDebit, Amount: -10, IdempotencyKey: "k1"}); err != nil {
			return err
		}
		err := tx.Append(&kassa.Entry{Account: "acc-i", Kind: kassa.KindDebit, Amount: -10, IdempotencyKey: "k1"})
		wantCode(t, err, kassa.ECONFLICT)
		e, err := tx.EntryByIdempotencyKey("acc-i", "", "k1")
		if err != nil || e.Amount != -10 {
			t.Fatalf("EntryByIdempotencyKey after conflict = %+v, %v", e, err)
		}
		b, err := tx.Balance("acc-i")
		if err != nil || b.Balance != 90 {
			t.Fatalf("balance after conflict = %+v, %v; want 90", b, err)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("InLedgerTx: %v", err)
	}
	if a, _ := db.FindAccount(context.Background(), "acc-i"); a.Balance != 90 {
		t.Fatalf("balance = %s, want 90", a.Balance)
	}
	err = db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
		return tx.Append(&kassa.Entry{Account: "missing", Kind: kassa.KindDebit, Amount: -1})
	})
	wantCode(t, err, kassa.ENOTFOUND)
	verifyClean(t, db)
}

// An append that would take the balance outside an Amount is EINVALID,
// writes nothing and leaves the transaction usable.
func TestAppendOverflowIsInvalid(t *testing.T) {
	db := openTestDB(t, nil)
	createAccount(t, db, "acc-o", kassa.MaxAmount)
	err := db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
		return tx.Append(&kassa.Entry{Account: "acc-o", Kind: kassa.KindCredit, Amount: 1})
	})
	wantCode(t, err, kassa.EINVALID)
	err = db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
		wantCode(t, tx.Append(&kassa.Entry{Account: "acc-o", Kind: kassa.KindCredit, Amount: kassa.MaxAmount}), kassa.EINVALID)
		// The transaction is still usable after the refusal.
		return tx.Append(&kassa.Entry{Account: "acc-o", Kind: kassa.KindDebit, Amount: -5})
	})
	if err != nil {
		t.Fatalf("debit after a refused overflow in the same transaction: %v", err)
	}
	if a, _ := db.FindAccount(context.Background(), "acc-o"); a.Balance != kassa.MaxAmount-5 {
		t.Fatalf("balance = %s after a refused overflow and a debit of 5", a.Balance)
	}
	verifyClean(t, db)
}

func verifyClean(t *testing.T, db *DB) {
	t.Helper()
	d, err := db.Verify(context.Background())
	if err != nil || len(d) != 0 {
		t.Fatalf("Verify = %+v, %v; want clean", d, err)
	}
}

// A panic inside InLedgerTx rolls the transaction back and releases its
// locks: the account can be debited right after.
func TestPanicRollsBack(t *testing.T) {
	db := openTestDB(t, nil)
	createAccount(t, db, "acc-p", 100)
	func() {
		defer func() {
			if recover() == nil {
				t.Fatal("the panic did not propagate")
			}
		}()
		_ = db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
			if err := tx.LockAccounts("acc-p"); err != nil {
				return err
			}
			if err := tx.Append(&kassa.Entry{Account: "acc-p", Kind: kassa.KindDebit, Amount: -50}); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := debit(ctx, db, "acc-p", 1, ""); err != nil {
		t.Fatalf("debit after a panicking transaction: %v (its lock was not released?)", err)
	}
	if a, _ := db.FindAccount(ctx, "acc-p"); a.Balance != 99 {
		t.Fatalf("balance = %s, want 99 (the panicking debit must not commit)", a.Balance)
	}
}

// LockAccounts with several keys really locks every row (another session
// cannot lock them) and reports the first missing key.
func TestLockAccountsLocksEveryRow(t *testing.T) {
	db := openTestDB(t, nil)
	keys := []string{"lock-a", "lock-b", "lock-c"}
	for _, k := range keys {
		createAccount(t, db, k, 10)
	}
	ctx := context.Background()
	err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		wantCode(t, tx.LockAccounts("lock-a", "lock-nope", "lock-c"), kassa.ENOTFOUND)
		if err := tx.LockAccounts(keys...); err != nil {
			return err
		}
		for _, k := range keys {
			var one int
			err := db.pool.QueryRow(ctx, "SELECT 1 FROM accounts WHERE api_key = $1 FOR UPDATE NOWAIT", k).Scan(&one)
			if code := pgCode(err); code != "55P03" {
				t.Errorf("another session locked %s (err %v); want lock_not_available", k, err)
			}
		}
		b, err := tx.Balance("lock-b")
		if err != nil || b.Balance != 10 {
			t.Errorf("Balance(lock-b) = %+v, %v", b, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Verify finds a balance changed behind the ledger's back, and an entry
// deleted behind it, and reports both accounts exactly.
func TestVerifyFindsTampering(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t, nil)
	createAccount(t, db, "tamper-a", 100)
	createAccount(t, db, "tamper-b", 50)
	createAccount(t, db, "tamper-c", 70)
	if err := debit(ctx, db, "tamper-b", 20, "d1"); err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
	if _, err := db.pool.Exec(ctx, "UPDATE accounts SET balance = balance + 5 WHERE api_key = 'tamper-a'"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.pool.Exec(ctx, "DELETE FROM entries WHERE account = 'tamper-b' AND idempotency_key = 'd1'"); err != nil {
		t.Fatal(err)
	}
	got, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []kassa.Discrepancy{
		{Account: "tamper-a", Balance: 105, EntriesSum: 100, Entries: 1},
		{Account: "tamper-b", Balance: 30, EntriesSum: 50, Entries: 1},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Verify = %+v, want %+v", got, want)
	}
}
