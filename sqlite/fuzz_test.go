package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// FuzzAccountSearch checks the prefix search of ListAccounts against
// strings.HasPrefix for arbitrary search text, including bytes that sort
// at the edges (0x00, 0xff) and invalid UTF-8.
func FuzzAccountSearch(f *testing.F) {
	keys := []string{"abcd1234", "abce0000", "abcd", "ABCD1234", "ab_-0001", "zzzz9999", "a\xffb0", "a\xff\xff1", "\xff\xff\xff\xff", "a\x00bc"}
	for _, k := range []string{"", "a", "ab", "abcd", "abcd1", "ABC", "a\xff", "a\xff\xff", "\xff", "\xff\xff\xff\xff\xff", "a\x00", "_", "zzzz99990"} {
		f.Add(k)
	}
	path := filepath.Join(f.TempDir(), "kassa.db")
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	for _, k := range keys {
		storetest.MustCreateAccount(f, db, k, 0)
	}
	f.Fuzz(func(t *testing.T, search string) {
		list, total, err := db.ListAccounts(context.Background(), kassa.AccountFilter{Search: search, Limit: 100})
		if err != nil {
			t.Fatalf("ListAccounts(%q): %v", search, err)
		}
		want := 0
		for _, k := range keys {
			if strings.HasPrefix(k, search) {
				want++
			}
		}
		if total != want || len(list) != want {
			t.Fatalf("search %q: %d listed, total %d; want %d", search, len(list), total, want)
		}
		for i, a := range list {
			if !strings.HasPrefix(a.APIKey, search) {
				t.Fatalf("search %q returned %q", search, a.APIKey)
			}
			if i > 0 && list[i-1].APIKey >= a.APIKey {
				t.Fatalf("not ordered by key: %q then %q", list[i-1].APIKey, a.APIKey)
			}
		}
	})
}
