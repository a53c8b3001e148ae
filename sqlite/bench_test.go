package sqlite_test

import (
	"fmt"
	"strconv"
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
	benchOps(b, perTx, func(tx kassa.LedgerTx, _ int, price kassa.Amount) error { return debit(tx, "bench001", price) })
}

// benchOps runs b.N operations, perTx of them in each write transaction.
func benchOps(b *testing.B, perTx int, op func(tx kassa.LedgerTx, i int, price kassa.Amount) error) {
	db := openTemp(b, time.Now)
	price := kassa.MustParseAmount("0.0333")
	storetest.MustCreateAccount(b, db, "bench001", kassa.MaxAmount/2)
	ctx := b.Context()
	b.ResetTimer()
	for done := 0; done < b.N; {
		n := min(perTx, b.N-done)
		err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
			for i := range n {
				if err := op(tx, done+i, price); err != nil {
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

// idempotentCharge is what a platform charge does: look the idempotency key
// up, read the balance, append an entry with key, reference and meta.
func idempotentCharge(tx kassa.LedgerTx, i int, price kassa.Amount) error {
	key := "msg-" + strconv.Itoa(i)
	if _, err := tx.EntryByIdempotencyKey("bench001", "", key); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		return fmt.Errorf("key %s: %v", key, err)
	}
	b, err := tx.Balance("bench001")
	if err != nil {
		return err
	}
	if b.Balance < price {
		return kassa.Errorf(kassa.EINSUFFICIENT, "balance too low")
	}
	return tx.Append(&kassa.Entry{Account: "bench001", Kind: kassa.KindCharge, Amount: -price,
		IdempotencyKey: key, Reference: key, RequestHash: "0123456789abcdef0123456789abcdef",
		Meta: `{"to":"447700900000","parts":1,"network":"23410"}`})
}

// BenchmarkChargeSingleTx is one idempotent charge per transaction.
func BenchmarkChargeSingleTx(b *testing.B) { benchOps(b, 1, idempotentCharge) }

// BenchmarkChargeBatch64 is 64 idempotent charges per transaction.
func BenchmarkChargeBatch64(b *testing.B) { benchOps(b, 64, idempotentCharge) }

// BenchmarkUsageMonth: a month's usage of one account grouped by day and
// country at 10,000 and at 1,000,000 charges (see storetest.BenchUsageMonth
// and bench/USAGE.md).
func BenchmarkUsageMonth(b *testing.B) {
	storetest.BenchUsageMonth(b, func(b *testing.B, now func() time.Time) kassa.Store { return openTemp(b, now) })
}
