package postgres

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// TestEntryTotalsCountOncePerLedgerChange checks that paging through an
// account's entries counts them once, and that any new entry of the
// account (on this node or another) makes the next listing count again.
func TestEntryTotalsCountOncePerLedgerChange(t *testing.T) {
	ctx := context.Background()
	schema := newSchema(t)
	a := openSchema(t, testkit.PostgresURL(t), schema, Options{})
	b := openSchema(t, testkit.PostgresURL(t), schema, Options{}) // a second node on the same database
	createAccount(t, a, "totals-a", 1000)
	createAccount(t, a, "totals-b", 1000)
	for i := range 9 {
		if err := debit(ctx, a, "totals-a", 1, fmt.Sprint("d", i)); err != nil {
			t.Fatal(err)
		}
	}
	list := func(f kassa.EntryFilter, want int) []*kassa.Entry {
		t.Helper()
		page, total, err := a.ListEntries(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if total != want {
			t.Fatalf("ListEntries(%+v) total = %d, want %d", f, total, want)
		}
		return page
	}
	counts := func() int64 { return a.totals.counted.Load() }

	first := list(kassa.EntryFilter{Account: "totals-a", Limit: 3}, 10)
	start := counts()
	list(kassa.EntryFilter{Account: "totals-a", Limit: 3, Before: first[2].ID}, 10)
	list(kassa.EntryFilter{Account: "totals-a", Limit: 3}, 10)
	if n := counts() - start; n != 0 {
		t.Fatalf("pages of an unchanged ledger counted %d times, want 0", n)
	}

	// Another account's entry leaves this one's total alone.
	if err := debit(ctx, a, "totals-b", 1, "other"); err != nil {
		t.Fatal(err)
	}
	list(kassa.EntryFilter{Account: "totals-a", Limit: 3}, 10)
	if n := counts() - start; n != 0 {
		t.Fatalf("another account's entry made this listing count %d times", n)
	}

	// A new entry on this node, then one on the other node: each is counted.
	if err := debit(ctx, a, "totals-a", 1, "more-a"); err != nil {
		t.Fatal(err)
	}
	list(kassa.EntryFilter{Account: "totals-a", Limit: 3}, 11)
	if err := debit(ctx, b, "totals-a", 1, "more-b"); err != nil {
		t.Fatal(err)
	}
	list(kassa.EntryFilter{Account: "totals-a", Limit: 3, Before: first[2].ID}, 12)
	if n := counts() - start; n != 2 {
		t.Fatalf("two ledger changes made %d counts, want 2", n)
	}

	// Filters are counted and kept on their own.
	list(kassa.EntryFilter{Account: "totals-a", Kinds: []kassa.EntryKind{kassa.KindCredit}}, 1)
	list(kassa.EntryFilter{Account: "totals-a", Kinds: []kassa.EntryKind{kassa.KindDebit}}, 11)
	list(kassa.EntryFilter{Account: "totals-a", Kinds: []kassa.EntryKind{kassa.KindCredit}}, 1)
	if n := counts() - start; n != 4 {
		t.Fatalf("two new filters made %d counts in all, want 4", n)
	}

	// An entry written straight into the table without its account row
	// (which kassa never does) is the one case the version cannot see;
	// a write to the row (here a no-op update) makes the next listing count.
	if _, err := a.pool.Exec(ctx, "UPDATE accounts SET balance = balance WHERE api_key = 'totals-a'"); err != nil {
		t.Fatal(err)
	}
	list(kassa.EntryFilter{Account: "totals-a", Limit: 3}, 12)
	if n := counts() - start; n != 5 {
		t.Fatalf("a write to the account row made %d counts in all, want 5", n)
	}
	// Filters that differ only in a time are kept apart.
	soon := time.Now().Add(time.Hour)
	list(kassa.EntryFilter{Account: "totals-a", Since: soon}, 0)
	list(kassa.EntryFilter{Account: "totals-a", Since: soon.Add(-2 * time.Hour)}, 12)
	list(kassa.EntryFilter{Account: "totals-a", Since: soon}, 0)
	start += 2

	// Listings without an account are counted every time.
	list(kassa.EntryFilter{Limit: 1}, 14)
	list(kassa.EntryFilter{Limit: 1}, 14)
	if n := counts() - start; n != 7 {
		t.Fatalf("listings without an account made %d counts in all, want 7", n)
	}
}
