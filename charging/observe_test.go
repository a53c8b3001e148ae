package charging_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// observed collects what a ledger's observers hear.
type observed struct {
	mu      sync.Mutex
	commits [][]string // per transaction: the accounts of its entries
	kinds   []kassa.EntryKind
	errs    []error
}

func (o *observed) commit(es []*kassa.Entry) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var accounts []string
	for _, e := range es {
		accounts = append(accounts, e.Account)
		o.kinds = append(o.kinds, e.Kind)
	}
	o.commits = append(o.commits, accounts)
}

func (o *observed) fail(err error) { o.mu.Lock(); o.errs = append(o.errs, err); o.mu.Unlock() }

func (o *observed) counts() (commits, entries, errs int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.commits), len(o.kinds), len(o.errs)
}

// TestObservers: OnCommit and a later Subscribe hear every committed
// transaction's entries (an account's opening credit included) before the
// callers get their answers; refusals (insufficient funds, a bad posting)
// are neither commits nor write failures; a store failure reaches
// OnWriteError and no commit observer.
func TestObservers(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	fs := &failingStore{LedgerStore: db}
	var first, later observed
	l := charging.New(fs, charging.Options{Now: c.Now, OnCommit: first.commit, OnWriteError: first.fail})
	t.Cleanup(l.Close)
	ctx := context.Background()

	a := &kassa.Account{APIKey: "obs00001", Currency: kassa.EUR, Limits: kassa.DefaultLimits}
	if err := l.OpenAccount(ctx, db, a, nil, &kassa.Entry{Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("3"), Reason: "opening"}); err != nil {
		t.Fatal(err)
	}
	if err := l.OpenAccount(ctx, db, &kassa.Account{APIKey: "obs00001", Currency: kassa.EUR}, nil, &kassa.Entry{Kind: kassa.KindCredit, Amount: 1}); kassa.ErrorCode(err) != kassa.ECONFLICT {
		t.Fatalf("second account with the key: %v, want a conflict", err)
	}
	l.Subscribe(later.commit)
	debit := func(amount string) error {
		_, _, err := l.Debit(ctx, charging.Posting{Account: "obs00001", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount(amount), Reason: "t"})
		return err
	}
	if err := debit("1"); err != nil {
		t.Fatal(err)
	}
	// The answer came after the observers ran.
	if n, _, _ := first.counts(); n != 2 {
		t.Fatalf("first observer heard %d commits by the time the debit answered, want 2", n)
	}
	wantCode(t, debit("100"), kassa.EINSUFFICIENT)
	wantCode(t, debit("-1"), kassa.EINVALID)
	fs.mu.Lock()
	fs.fail = func(*recordTx) bool { return true }
	fs.mu.Unlock()
	if err := debit("1"); !errors.Is(err, errDisk) {
		t.Fatalf("failing store: %v", err)
	}
	commits, entries, errs := first.counts()
	if commits != 2 || entries != 2 || errs != 1 {
		t.Errorf("first observer: %d commits, %d entries, %d write errors; want 2, 2, 1 (%v)", commits, entries, errs, first.errs)
	}
	if first.kinds[0] != kassa.KindCredit || first.kinds[1] != kassa.KindDebit {
		t.Errorf("kinds %v, want the opening credit then the debit", first.kinds)
	}
	if c, e, _ := later.counts(); c != 1 || e != 1 {
		t.Errorf("the later subscriber heard %d commits with %d entries, want the debit alone", c, e)
	}
}

// twiceStore runs every transaction's function twice, as PostgreSQL does
// after a serialization failure: the first run is rolled back.
type twiceStore struct {
	kassa.LedgerStore
}

var errTwice = errors.New("serialization failure (forced)")

func (s twiceStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	err := s.LedgerStore.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errTwice
	})
	if !errors.Is(err, errTwice) {
		return err
	}
	return s.LedgerStore.InLedgerTx(ctx, fn)
}

// TestObserversRerun: when the store reruns a transaction's function,
// only the run that committed is reported.
func TestObserversRerun(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "rerun001", "5", "0")
	var o observed
	l := charging.New(twiceStore{db}, charging.Options{Now: c.Now, OnCommit: o.commit, OnWriteError: o.fail})
	t.Cleanup(l.Close)
	if _, _, err := l.Debit(context.Background(), charging.Posting{Account: "rerun001", Kind: kassa.KindDebit, Amount: kassa.MustParseAmount("1"), Reason: "t"}); err != nil {
		t.Fatal(err)
	}
	if commits, entries, errs := o.counts(); commits != 1 || entries != 1 || errs != 0 {
		t.Errorf("%d commits, %d entries, %d errors; want 1, 1, 0", commits, entries, errs)
	}
	checkLedger(t, db, "rerun001")
}
