package sqlite_test

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/storetest"
)

// debit is what one charge does in the ledger: read the balance, check it,
// append the entry.
func debit(tx kassa.LedgerTx, account string, price kassa.Amount) error {
	b, err := tx.Balance(account)
	if err != nil {
		return err
	}
	if b.Balance < price {
		return kassa.Errorf(kassa.EINSUFFICIENT, "balance too low")
	}
	return tx.Append(&kassa.Entry{Account: account, Kind: kassa.KindCharge, Amount: -price, IdempotencyKey: ""})
}

// benchDebits runs b.N debits, perTx of them in each write transaction, on
// a real file with synchronous=FULL. ns/op is per debit in every variant,
// so the numbers compare directly.
func benchDebits(b *testing.B, perTx int) {
	db := openTemp(b, time.Now)
	price := kassa.MustParseAmount("0.0333")
	storetest.MustCreateAccount(b, db, "bench001", kassa.MaxAmount/2)
	ctx := b.Context()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(perTx, b.N-done)
		err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			for range n {
				if err := debit(tx, "bench001", price); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		done += n
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "debits/s")
}

// BenchmarkAppendSingleTx is the raw single-transaction debit rate: one
// debit per committed (fsynced) transaction. It is the baseline that group
// commit is measured against.
func BenchmarkAppendSingleTx(b *testing.B) { benchDebits(b, 1) }

// BenchmarkAppendBatch64 commits 64 debits per transaction, as group
// commit does under load.
func BenchmarkAppendBatch64(b *testing.B) { benchDebits(b, 64) }
