package charging_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

var errSerialization = errors.New("could not serialize access (forced)")

// rerunStore runs its second transaction's fn twice, as the PostgreSQL
// store does after a serialization failure at commit: the first run
// completes and is rolled back, the second fails with a store error before
// it writes (a lost connection). Its first transaction waits at gate, so
// that the operations queued meanwhile share the second one.
type rerunStore struct {
	kassa.LedgerStore
	mu      sync.Mutex
	calls   int
	started chan struct{}
	gate    chan struct{}
}

func (s *rerunStore) InLedgerTx(ctx context.Context, fn func(kassa.LedgerTx) error) error {
	s.mu.Lock()
	s.calls++
	call := s.calls
	s.mu.Unlock()
	switch call {
	case 1:
		close(s.started)
		<-s.gate
	case 2:
		err := s.LedgerStore.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			if err := fn(tx); err != nil {
				return err
			}
			return errSerialization // the commit lost a race: nothing is written
		})
		if !errors.Is(err, errSerialization) {
			return err
		}
		return s.LedgerStore.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return fn(lostTx{tx}) })
	}
	return s.LedgerStore.InLedgerTx(ctx, fn)
}

// lostTx fails as a connection lost in the middle of a transaction does.
type lostTx struct{ kassa.LedgerTx }

func (lostTx) LockAccounts(...string) error {
	return kassa.Errorf(kassa.EUNAVAILABLE, "connection lost (forced)")
}

// TestRerunBatchFailingBeforeCommit: when the store reruns a batch's
// transaction (a serialization retry) and the rerun fails before the
// commit, nothing was written, so every operation of the batch runs again
// alone, those without an idempotency key too (#13.12: applied stayed true
// from the first run and the batch was taken for a failed commit, so an
// unkeyed credit failed).
func TestRerunBatchFailingBeforeCommit(t *testing.T) {
	c := newClock()
	db := openStore(t, c.Now)
	createAccount(t, db, "acct1", "10", "0")
	rs := &rerunStore{LedgerStore: db, started: make(chan struct{}), gate: make(chan struct{})}
	l := newLedger(t, rs, c.Now)
	ctx := context.Background()
	errs := make(chan error, 3)
	go func() {
		_, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: 1, IdempotencyKey: "opener"})
		errs <- err
	}()
	<-rs.started
	go func() {
		_, _, err := l.Credit(ctx, charging.Posting{Account: "acct1", Kind: kassa.KindCredit, Amount: kassa.MustParseAmount("1")})
		errs <- err
	}()
	go func() {
		_, _, err := l.Charge(ctx, charging.ChargeRequest{Account: "acct1", Type: kassa.SMS, To: "44", Units: 1,
			Rating: eurRating("0.1"), IdempotencyKey: "charge-1"})
		errs <- err
	}()
	waitQueued(t, l, 2)
	close(rs.gate)
	for range 3 {
		if err := <-errs; err != nil {
			t.Errorf("operation: %v, want it run alone after the failed rerun", err)
		}
	}
	if got := len(entriesOf(t, db, "acct1")); got != 4 { // opening, opener, credit, charge
		t.Fatalf("%d entries, want 4: each operation exactly once", got)
	}
	if b := balanceOf(t, db, "acct1"); b != kassa.MustParseAmount("10.90000001") {
		t.Fatalf("balance %s, want 10.90000001", b)
	}
	checkLedger(t, db, "acct1")
}
