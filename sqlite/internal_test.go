package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/internal/schema"
	"github.com/kassa-dev/kassa/storetest"
)

func openInternal(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"), Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestPragmas reads the durability settings back from the write connection
// and from several read connections at once.
func TestPragmas(t *testing.T) {
	db := openInternal(t)
	ctx := t.Context()
	check := func(name string, conn *sql.Conn) {
		t.Helper()
		want := map[string]string{
			"journal_mode": "wal",
			"synchronous":  "2", // FULL
			"foreign_keys": "1",
			"busy_timeout": "5000",
			// The checkpointer checkpoints (checkpoint.go).
			"wal_autocheckpoint": "0",
		}
		for pragma, w := range want {
			var got string
			if err := conn.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
				t.Fatalf("%s: PRAGMA %s: %v", name, pragma, err)
			}
			if strings.ToLower(got) != w {
				t.Errorf("%s: PRAGMA %s = %s, want %s", name, pragma, got, w)
			}
		}
	}
	w, err := db.write.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("write connection", w)
	w.Close()
	var conns []*sql.Conn
	for range 3 { // hold them, so that each is a different connection
		c, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		check("read connection", c)
	}
	for _, c := range conns {
		c.Close()
	}
	if n := db.write.Stats().MaxOpenConnections; n != 1 {
		t.Errorf("write pool allows %d connections, want 1", n)
	}
}

// TestLatestSchemaMatchesFiles keeps LatestSchema in step with
// migrations/ (numbers are unique; gaps are allowed, as features land in
// any order) and with the PostgreSQL store's numbering.
func TestLatestSchemaMatchesFiles(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	if last := all[len(all)-1].Version; last != LatestSchema {
		t.Errorf("LatestSchema = %d, but the last migration is %d", LatestSchema, last)
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"ab", "ac", true},
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		got, ok := prefixEnd(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// TestUsageBackfill: migration 0010 fills the usage rollups from the
// entries exactly as the ledger keeps them.
func TestUsageBackfill(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"), Options{Now: clock.Now})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.CheckUsageBackfill(t, db, clock, func() error {
		all, err := migrations()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(m schema.Migration) bool { return m.Version == 10 })
		if i < 0 {
			return errors.New("no migration 10")
		}
		m := all[i]
		fill := m.SQL[strings.Index(m.SQL, "INSERT INTO usage_rollups"):]
		_, err = db.write.ExecContext(t.Context(), "DELETE FROM usage_rollups; "+fill)
		return err
	})
}
