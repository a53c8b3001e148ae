package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/storetest"
)

// benchAccounts is how many accounts the spread benchmarks debit.
const benchAccounts = 1000

// openBenchDB opens a fresh schema with benchAccounts funded accounts
// ("bench0000" …), written in bulk.
func openBenchDB(b *testing.B) *DB {
	b.Helper()
	db := openTestDB(b, nil)
	ctx := context.Background()
	const fund = `
		WITH a AS (
			INSERT INTO accounts (api_key, currency, balance, created_at, updated_at)
			SELECT 'bench' || lpad(i::text, 4, '0'), 'EUR', 1000000000000000, now(), now()
			FROM generate_series(0, $1 - 1) AS i
			RETURNING api_key, balance)
		INSERT INTO entries (account, kind, amount, balance_after, reason, created_at)
		SELECT api_key, 'credit', balance, balance, 'bench funding', now() FROM a`
	if _, err := db.pool.Exec(ctx, fund, benchAccounts); err != nil {
		b.Fatalf("fund accounts: %v", err)
	}
	return db
}

func benchKey(i int64) string { return fmt.Sprintf("bench%04d", i%benchAccounts) }

// BenchmarkRawDebit is the baseline: one hand-written pgx transaction per
// debit (update the balance, insert the entry, commit), with no locking
// read, no floor check and no retry loop, spread over benchAccounts
// accounts, from 1, 8 and 64 goroutines.
func BenchmarkRawDebit(b *testing.B) {
	for _, workers := range []int{1, 8, 64} {
		b.Run(fmt.Sprintf("goroutines=%d", workers), func(b *testing.B) {
			db := openBenchDB(b)
			ctx := context.Background()
			testkit.RunConcurrent(b, workers, func(i int64) error {
				tx, err := db.pool.Begin(ctx)
				if err != nil {
					return err
				}
				defer tx.Rollback(ctx)
				var balance int64
				key := benchKey(i)
				if err := tx.QueryRow(ctx, "UPDATE accounts SET balance = balance - 1 WHERE api_key = $1 RETURNING balance", key).Scan(&balance); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO entries (account, kind, amount, balance_after, created_at)
					VALUES ($1, 'debit', -1, $2, now())`, key, balance); err != nil {
					return err
				}
				return tx.Commit(ctx)
			})
			verifyBench(b, db)
		})
	}
}

// BenchmarkLedgerDebit debits through InLedgerTx as the ledger engine does
// (lock, read the balance, check the floor, append with an idempotency
// key), with 8 and 64 goroutines, over benchAccounts accounts and over one
// hot account.
func BenchmarkLedgerDebit(b *testing.B) {
	for _, spread := range []bool{true, false} {
		for _, workers := range []int{8, 64} {
			name := fmt.Sprintf("accounts=%d/goroutines=%d", benchAccounts, workers)
			if !spread {
				name = fmt.Sprintf("accounts=1/goroutines=%d", workers)
			}
			b.Run(name, func(b *testing.B) {
				db := openBenchDB(b)
				ctx := context.Background()
				testkit.RunConcurrent(b, workers, func(i int64) error {
					key := benchKey(0)
					if spread {
						key = benchKey(i)
					}
					return debit(ctx, db, key, 1, fmt.Sprintf("bench-%d", i))
				})
				verifyBench(b, db)
			})
		}
	}
}

func verifyBench(b *testing.B, db *DB) {
	b.Helper()
	d, err := db.Verify(context.Background())
	if err != nil || len(d) != 0 {
		b.Fatalf("Verify = %+v, %v; want clean", d, err)
	}
}

// BenchmarkChargingDebit debits through the group-committing ledger engine
// (charging.Ledger) on this store, 64 goroutines, spread and hot: what the
// platform API gets.
func BenchmarkChargingDebit(b *testing.B) {
	for _, spread := range []bool{true, false} {
		name := fmt.Sprintf("accounts=%d/goroutines=64", benchAccounts)
		if !spread {
			name = "accounts=1/goroutines=64"
		}
		b.Run(name, func(b *testing.B) {
			db := openBenchDB(b)
			l := charging.New(db, charging.Options{})
			defer l.Close()
			ctx := context.Background()
			testkit.RunConcurrent(b, 64, func(i int64) error {
				key := benchKey(0)
				if spread {
					key = benchKey(i)
				}
				_, _, err := l.Debit(ctx, charging.Posting{Account: key, Kind: kassa.KindDebit, Amount: 1,
					Reason: "bench", IdempotencyKey: fmt.Sprintf("bench-%d", i)})
				return err
			})
			verifyBench(b, db)
		})
	}
}

// BenchmarkUsageMonth: a month's usage of one account grouped by day and
// country at 10,000 and at 1,000,000 charges (see storetest.BenchUsageMonth
// and bench/USAGE.md).
func BenchmarkUsageMonth(b *testing.B) {
	storetest.BenchUsageMonth(b, func(b *testing.B, now func() time.Time) kassa.Store { return openTestDB(b, now) })
}
