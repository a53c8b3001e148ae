package charging_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// benchParallelism gives RunParallel 64 goroutines on any GOMAXPROCS up to 64.
func benchParallelism(b *testing.B) {
	b.SetParallelism(max(1, goroutines/runtime.GOMAXPROCS(0)))
}

// BenchmarkGroupCommitCharges measures durable charges per second through
// the ledger with 64 concurrent callers on SQLite (synchronous=FULL). Compare
// it with BenchmarkRawDebitTx, measured in the same run on the same kind of
// file: one transaction (one fsync) per debit.
func BenchmarkGroupCommitCharges(b *testing.B) {
	db := openStore(b, time.Now)
	benchGroupCommit(b, db, func() { createAccount(b, db, "bench", "1000000", "0") })
}

// BenchmarkRawDebitTx is the baseline: the same 64 callers, each debit in
// its own store transaction (balance read, idempotency lookup, one Append).
func BenchmarkRawDebitTx(b *testing.B) {
	db := openStore(b, time.Now)
	benchRawDebit(b, db, func() { createAccount(b, db, "bench", "1000000", "0") })
}

// benchGroupCommit charges the account "bench" from 64 goroutines through
// a ledger over store.
func benchGroupCommit(b *testing.B, store kassa.LedgerStore, setup func()) {
	setup()
	l := newLedger(b, store, time.Now)
	var seq atomic.Int64
	benchParallelism(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			_, _, err := l.Charge(context.Background(), charging.ChargeRequest{Account: "bench", Type: kassa.SMS, To: "447700900123",
				Units: 1, Rating: eurRating("0.0333"), IdempotencyKey: fmt.Sprintf("b%d", seq.Add(1))})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "charges/s")
}

// benchRawDebit debits the account "bench" from 64 goroutines, one store
// transaction per debit.
func benchRawDebit(b *testing.B, store kassa.LedgerStore, setup func()) {
	setup()
	var seq atomic.Int64
	price := kassa.MustParseAmount("0.0333")
	benchParallelism(b)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			key := fmt.Sprintf("b%d", seq.Add(1))
			err := store.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
				if err := tx.LockAccounts("bench"); err != nil {
					return err
				}
				if _, err := tx.EntryByIdempotencyKey("bench", "", key); kassa.ErrorCode(err) != kassa.ENOTFOUND {
					return fmt.Errorf("key lookup: %v", err)
				}
				if _, err := tx.Balance("bench"); err != nil {
					return err
				}
				return tx.Append(&kassa.Entry{Account: "bench", Kind: kassa.KindCharge, Amount: price.Neg(), IdempotencyKey: key})
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "debits/s")
}
