package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// testListEntries writes a known ledger and checks every filter.
func (h harness) testListEntries(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "list0001", 0)
	MustCreateAccount(t, s, "list0002", 0)
	// 12 entries on list0001, one per minute, alternating credit and charge;
	// 3 on list0002.
	var ids []int64 // list0001's, oldest first
	for i := range 12 {
		clock.Set(Epoch.Add(time.Duration(i+1) * time.Minute))
		kind, a := kassa.KindCredit, amt("2")
		if i%2 == 1 {
			kind, a = kassa.KindCharge, amt("-1")
		}
		e := &kassa.Entry{Account: "list0001", Kind: kind, Amount: a, Reference: fmt.Sprintf("ref-%d", i%3)}
		noErr(t, s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return tx.Append(e) }), "append %d", i)
		ids = append(ids, e.ID)
		if i%4 == 0 {
			MustAppend(t, s, "list0002", kassa.KindTopUp, amt("1"))
		}
	}
	at := func(i int) time.Time { return Epoch.Add(time.Duration(i+1) * time.Minute) }
	rev := func(idx ...int) []int64 { // ids of list0001 entries by index, given newest first
		var out []int64
		for _, i := range idx {
			out = append(out, ids[i])
		}
		return out
	}
	cases := []struct {
		name  string
		f     kassa.EntryFilter
		want  []int64 // nil: only check the total
		total int
	}{
		{"account", kassa.EntryFilter{Account: "list0001", Limit: 3}, rev(11, 10, 9), 12},
		{"all accounts", kassa.EntryFilter{}, nil, 15},
		{"offset", kassa.EntryFilter{Account: "list0001", Offset: 3, Limit: 2}, rev(8, 7), 12},
		// The total does not depend on the page: before, offset and limit
		// narrow the page only (#13.10).
		{"before", kassa.EntryFilter{Account: "list0001", Before: ids[5], Limit: 2}, rev(4, 3), 12},
		{"before and a filter", kassa.EntryFilter{Account: "list0001", Kinds: []kassa.EntryKind{kassa.KindCharge}, Before: ids[5], Limit: 1}, rev(3), 6},
		{"kinds", kassa.EntryFilter{Account: "list0001", Kinds: []kassa.EntryKind{kassa.KindCharge}, Limit: 2}, rev(11, 9), 6},
		{"two kinds", kassa.EntryFilter{Kinds: []kassa.EntryKind{kassa.KindCharge, kassa.KindTopUp}}, nil, 9},
		{"since", kassa.EntryFilter{Account: "list0001", Since: at(9)}, rev(11, 10, 9), 3},
		{"until", kassa.EntryFilter{Account: "list0001", Until: at(2)}, rev(1, 0), 2},
		{"since and until", kassa.EntryFilter{Account: "list0001", Since: at(3), Until: at(5)}, rev(4, 3), 2},
		{"reference", kassa.EntryFilter{Account: "list0001", Reference: "ref-1"}, rev(10, 7, 4, 1), 4},
		{"nothing", kassa.EntryFilter{Account: "list0001", Reference: "none"}, []int64{}, 0},
		{"past the end", kassa.EntryFilter{Account: "list0001", Offset: 50}, []int64{}, 12},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, total, err := s.ListEntries(ctx, c.f)
			noErr(t, err, "list entries")
			if total != c.total {
				t.Errorf("total = %d, want %d", total, c.total)
			}
			for i := 1; i < len(list); i++ {
				if list[i].ID >= list[i-1].ID {
					t.Errorf("entries not newest first: %d then %d", list[i-1].ID, list[i].ID)
				}
			}
			if c.want == nil {
				if len(list) != c.total {
					t.Errorf("got %d entries, want %d", len(list), c.total)
				}
				return
			}
			var got []int64
			for _, e := range list {
				got = append(got, e.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) && !(len(got) == 0 && len(c.want) == 0) {
				t.Errorf("ids = %v, want %v", got, c.want)
			}
		})
	}
	t.Run("before, all accounts", func(t *testing.T) {
		// Below ids[5]: list0001's first five and list0002's first two.
		list, total, err := s.ListEntries(ctx, kassa.EntryFilter{Before: ids[5]})
		noErr(t, err, "list entries")
		if total != 15 || len(list) != 7 {
			t.Errorf("total %d and %d entries, want 15 (every entry) and 7 on the page", total, len(list))
		}
	})
	t.Run("default page", func(t *testing.T) {
		list, _, err := s.ListEntries(ctx, kassa.EntryFilter{})
		noErr(t, err, "list entries")
		if len(list) != 15 {
			t.Errorf("default page holds %d entries, want all 15", len(list))
		}
	})
	t.Run("negative offset", func(t *testing.T) {
		_, _, err := s.ListEntries(ctx, kassa.EntryFilter{Offset: -1})
		wantCode(t, err, kassa.EINVALID)
	})
}
