package charging_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestFailedBatchRetriesEachAlone forces the store to fail every
// transaction that writes to one poisoned account. The batch that holds the
// poisoned charge fails; every other charge of it is retried alone and
// commits exactly once.
func TestFailedBatchRetriesEachAlone(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "good", "10", "0")
	createAccount(t, db, "poison", "10", "0")
	fs := &failingStore{
		LedgerStore: db,
		fail:        func(tx *recordTx) bool { return slices.Contains(tx.appends, "poison") },
		started:     make(chan struct{}),
		gate:        make(chan struct{}),
	}
	l := newLedger(t, fs, c.Now)
	ctx := context.Background()

	charge := func(account, key string) error {
		_, _, err := l.Charge(ctx, charging.ChargeRequest{Account: account, Type: kassa.SMS, To: "44", Units: 1,
			Rating: eurRating("0.1"), IdempotencyKey: key})
		return err
	}
	// The first charge holds the writer at the gate while the others queue
	// behind it, so that they share the next transaction.
	var wg sync.WaitGroup
	errs := make(map[string]error)
	var mu sync.Mutex
	run := func(account, key string) {
		wg.Go(func() {
			err := charge(account, key)
			mu.Lock()
			errs[key] = err
			mu.Unlock()
		})
	}
	run("good", "first")
	<-fs.started
	const n = 20
	for i := range n {
		run("good", fmt.Sprintf("k%d", i))
		if i == n/2 {
			run("poison", "bad")
		}
	}
	waitQueued(t, l, n+1)
	close(fs.gate)
	wg.Wait()

	for key, err := range errs {
		if key == "bad" {
			wantCode(t, err, kassa.EINTERNAL)
		} else if err != nil {
			t.Errorf("charge %s: %v", key, err)
		}
	}
	if fs.failed < 2 {
		t.Fatalf("%d failed transactions: the batch and the poisoned charge alone should both fail", fs.failed)
	}
	if got := len(entriesOf(t, db, "good")); got != n+2 {
		t.Fatalf("%d entries on good, want %d: each charge exactly once", got, n+2)
	}
	if b := balanceOf(t, db, "good"); b != kassa.MustParseAmount("7.9") {
		t.Fatalf("good balance %s, want 7.9", b)
	}
	if b := balanceOf(t, db, "poison"); b != kassa.MustParseAmount("10") {
		t.Fatalf("poison balance %s, want it untouched", b)
	}
	checkLedger(t, db, "good")
	checkLedger(t, db, "poison")
}

// TestOwnFailureDoesNotFailTheBatch puts refused operations (insufficient
// funds, a missing account, a replay conflict) into one batch with good
// ones: they fail alone, the batch commits.
func TestOwnFailureDoesNotFailTheBatch(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "good", "1", "0")
	createAccount(t, db, "poor", "0", "0")
	fs := &failingStore{LedgerStore: db}
	l := newLedger(t, fs, c.Now)
	ctx := context.Background()
	if _, _, err := l.Credit(ctx, charging.Posting{Account: "good", Kind: kassa.KindCredit, Amount: 1, IdempotencyKey: "taken"}); err != nil {
		t.Fatal(err)
	}
	// Gate the next transaction.
	fs.mu.Lock()
	fs.txs = 0
	fs.started, fs.gate = make(chan struct{}), make(chan struct{})
	fs.mu.Unlock()

	type outcome struct {
		name string
		err  error
	}
	out := make(chan outcome, 10)
	do := func(name, account, key string) {
		go func() {
			_, _, err := l.Charge(ctx, charging.ChargeRequest{Account: account, Type: kassa.SMS, To: "44", Units: 1,
				Rating: eurRating("0.1"), IdempotencyKey: key})
			out <- outcome{name, err}
		}()
	}
	do("opener", "good", "o")
	<-fs.started
	do("ok1", "good", "a")
	do("poor", "poor", "b")
	do("missing", "nobody", "c")
	do("conflict", "good", "taken")
	do("ok2", "good", "d")
	waitQueued(t, l, 5)
	txsBefore := 1
	close(fs.gate)
	want := map[string]string{"opener": "", "ok1": "", "ok2": "", "poor": kassa.EINSUFFICIENT, "missing": kassa.ENOTFOUND, "conflict": kassa.EIDEMPOTENCY}
	for range want {
		o := <-out
		if got := kassa.ErrorCode(o.err); got != want[o.name] {
			t.Errorf("%s: %v, want code %q", o.name, o.err, want[o.name])
		}
	}
	fs.mu.Lock()
	txs, failed := fs.txs, fs.failed
	fs.mu.Unlock()
	if failed != 0 || txs != txsBefore+1 {
		t.Fatalf("%d transactions (%d failed), want the gated one and one batch", txs, failed)
	}
	if b := balanceOf(t, db, "good"); b != kassa.MustParseAmount("0.70000001") {
		t.Fatalf("good balance %s, want 0.70000001", b)
	}
	checkLedger(t, db, "good")
}

// TestLostCommitRetriesOnlyWhatCannotApplyTwice makes the store commit a
// batch and then report an error, as a connection lost during COMMIT
// would. The keyed charges of the batch run again and replay; the credit
// without a key is not run again (it would be applied twice) and gets the
// error. Every operation is in the ledger exactly once.
func TestLostCommitRetriesOnlyWhatCannotApplyTwice(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "acct1", "10", "0")
	fs := &failingStore{
		LedgerStore: db,
		loseCommit:  func(tx *recordTx) bool { return len(tx.appends) > 1 },
		started:     make(chan struct{}),
		gate:        make(chan struct{}),
	}
	l := newLedger(t, fs, c.Now)
	ctx := context.Background()
	type outcome struct {
		key      string
		replayed bool
		err      error
	}
	out := make(chan outcome, 16)
	charge := func(key string) {
		go func() {
			_, replayed, err := l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "44", Units: 1,
				Rating: eurRating("0.1"), IdempotencyKey: key})
			out <- outcome{key, replayed, err}
		}()
	}
	charge("opener")
	<-fs.started
	const n = 8
	for i := range n {
		charge(fmt.Sprintf("k%d", i))
	}
	go func() {
		_, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("1")})
		out <- outcome{"credit", false, err}
	}()
	waitQueued(t, l, n+1)
	close(fs.gate)
	for range n + 2 {
		o := <-out
		switch {
		case o.key == "credit":
			if !errors.Is(o.err, errCommitLost) {
				t.Errorf("credit without a key: %v, want the commit error", o.err)
			}
		case o.key == "opener":
			if o.err != nil || o.replayed {
				t.Errorf("opener: %v, replayed %v", o.err, o.replayed)
			}
		case o.err != nil || !o.replayed:
			t.Errorf("charge %s: %v, replayed %v; want a replay of the committed charge", o.key, o.err, o.replayed)
		}
	}
	entries := entriesOf(t, db, "acct1")
	if len(entries) != n+3 { // opening, opener, n charges, the credit
		t.Fatalf("%d entries, want %d: each operation exactly once", len(entries), n+3)
	}
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("10.1") {
		t.Fatalf("balance %s, want 10 − 0.9 + 1 = 10.1", b)
	}
	checkLedger(t, db, "acct1")
}

// TestPanickingOperationFailsAlone checks that an operation that panics (a
// bug) fails with an internal error while the writer and the operations
// batched with it carry on.
func TestPanickingOperationFailsAlone(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "acct1", "1", "0")
	l := newLedger(t, db, c.Now)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if i == 7 {
				_, _, err := l.SubmitApply(ctx, "acct1", func(kassa.LedgerTx) (any, bool, error) { panic("boom") })
				if kassa.ErrorCode(err) != kassa.EINTERNAL {
					t.Errorf("panicking operation: %v, want an internal error", err)
				}
				return
			}
			if _, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1}); err != nil {
				t.Errorf("credit: %v", err)
			}
		})
	}
	wg.Wait()
	if _, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1}); err != nil {
		t.Fatalf("the writer did not survive: %v", err)
	}
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("1.00000016") {
		t.Fatalf("balance %s, want 1.00000016", b)
	}
	checkLedger(t, db, "acct1")
}
