package sqlite_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
)

// BenchmarkListEntriesPage measures one page of an account's entries (50,
// keyset cursor in the middle) with its total, which counts every entry of
// the account on every page (#13.10), against accounts of growing size.
// Compare the sizes within one run: the count is the part that grows.
func BenchmarkListEntriesPage(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		b.Run(fmt.Sprint(n, "-entries"), func(b *testing.B) {
			db := testkit.OpenSQLite(b, sqlite.Options{})
			ctx := context.Background()
			if err := db.CreateAccount(ctx, &kassa.Account{APIKey: "big00001", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, nil, nil); err != nil {
				b.Fatal(err)
			}
			for done := 0; done < n; done += 1000 {
				err := db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
					for range 1000 {
						if err := tx.Append(&kassa.Entry{Account: "big00001", Kind: kassa.KindCredit, Amount: 1, Reason: "fill"}); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			f := kassa.EntryFilter{Account: "big00001", Before: int64(n / 2), Limit: 50}
			for b.Loop() {
				list, total, err := db.ListEntries(ctx, f)
				if err != nil || len(list) != 50 || total != n {
					b.Fatalf("%d entries, total %d, %v", len(list), total, err)
				}
			}
		})
	}
}
