package storetest

import (
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// testConcurrency runs many read-check-debit transactions at once on one
// account funded for exactly n debits: exactly n must succeed, the balance
// must end at zero and the ledger must verify.
func (h harness) testConcurrency(t *testing.T) {
	t.Run("DebitsNeverOverdraw", h.testConcurrentDebits)
	t.Run("IdempotencyKeyWinsOnce", h.testConcurrentIdempotency)
}

func (h harness) testConcurrentDebits(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	const workers, funded = 64, 40
	price := amt("0.0333")
	MustCreateAccount(t, s, "conc0001", price*funded)
	var wg sync.WaitGroup
	codes := make([]string, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
				if err := tx.LockAccounts("conc0001"); err != nil {
					return err
				}
				b, err := tx.Balance("conc0001")
				if err != nil {
					return err
				}
				if b.Balance < price {
					return kassa.Errorf(kassa.EINSUFFICIENT, "balance %s does not cover %s", b.Balance, price)
				}
				return tx.Append(&kassa.Entry{Account: "conc0001", Kind: kassa.KindDebit, Amount: -price})
			})
			codes[i] = kassa.ErrorCode(err)
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case "":
			ok++
		case kassa.EINSUFFICIENT:
		default:
			t.Errorf("a debit failed with %q", c)
		}
	}
	if ok != funded {
		t.Errorf("%d debits succeeded, want exactly %d", ok, funded)
	}
	if b := MustBalance(t, s, "conc0001"); b != 0 {
		t.Errorf("balance = %s, want 0", b)
	}
	_, total, err := s.ListEntries(ctx, kassa.EntryFilter{Account: "conc0001", Kinds: []kassa.EntryKind{kassa.KindDebit}})
	noErr(t, err, "list")
	if total != funded {
		t.Errorf("%d debit entries, want %d", total, funded)
	}
	MustVerify(t, s)
}

func (h harness) testConcurrentIdempotency(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "conc0002", amt("100"))
	const workers = 16
	var wg sync.WaitGroup
	codes := make([]string, workers)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = kassa.ErrorCode(s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
				return tx.Append(&kassa.Entry{Account: "conc0002", Kind: kassa.KindCharge, Amount: amt("-1"), IdempotencyKey: "same"})
			}))
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case "":
			ok++
		case kassa.ECONFLICT:
		default:
			t.Errorf("an append failed with %q", c)
		}
	}
	if ok != 1 {
		t.Errorf("%d appends with one key succeeded, want 1", ok)
	}
	if b := MustBalance(t, s, "conc0002"); b != amt("99") {
		t.Errorf("balance = %s, want 99", b)
	}
	MustVerify(t, s)
}
