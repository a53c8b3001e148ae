package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// statements counts the statements (and BEGINs) run through the
// "sqlite-counting" driver, which wraps the real one.
var statements atomic.Int64

var registerCounting sync.Once

// openCounting opens a store whose connections count their statements.
func openCounting(t *testing.T) *DB {
	t.Helper()
	registerCounting.Do(func() {
		plain, err := sql.Open("sqlite", "")
		if err != nil {
			t.Fatal(err)
		}
		sql.Register("sqlite-counting", countingDriver{plain.Driver()})
		plain.Close()
	})
	driverName = "sqlite-counting"
	defer func() { driverName = "sqlite" }()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "kassa.db"), Options{})
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

type countingDriver struct{ driver.Driver }

func (d countingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

// countingConn counts every statement it runs; prepared statements count
// at each execution.
type countingConn struct{ driver.Conn }

func (c countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	statements.Add(1)
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	statements.Add(1)
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	statements.Add(1)
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return countingStmt{s}, nil
}

type countingStmt struct{ driver.Stmt }

func (s countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	statements.Add(1)
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}

func (s countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	statements.Add(1)
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

// TestSecretsSameStatementsForUnknownKeys: reading the secrets of an
// unknown key runs exactly the statements that a known key's read runs, so
// that authentication does not tell an unknown key from a known one by
// time (#13.5: the unknown-key path skipped the secrets query).
func TestSecretsSameStatementsForUnknownKeys(t *testing.T) {
	db := openCounting(t)
	ctx := context.Background()
	for _, key := range []string{"known001", "known002"} {
		sec := &kassa.Secret{ID: "s-" + key, AccountKey: key, Salt: []byte("salt"), Hash: []byte("hash"), CreatedAt: time.Unix(1, 0)}
		if err := db.CreateAccount(ctx, &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DefaultLimits}, sec, nil); err != nil {
			t.Fatal(err)
		}
	}
	second := &kassa.Secret{ID: "s-2", AccountKey: "known002", Salt: []byte("salt"), Hash: []byte("hash")}
	if err := db.CreateSecret(ctx, second); err != nil {
		t.Fatal(err)
	}
	count := func(key string) (int64, error) {
		before := statements.Load()
		_, err := db.Secrets(ctx, key)
		return statements.Load() - before, err
	}
	known, err := count("known001")
	if err != nil {
		t.Fatal(err)
	}
	two, err := count("known002")
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := count("nosuch00")
	if kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Fatalf("unknown key: %v, want ENOTFOUND", err)
	}
	if known != unknown || two != unknown || known == 0 {
		t.Fatalf("statements: known key %d, known key with two secrets %d, unknown key %d; want the same", known, two, unknown)
	}
	list, err := db.Secrets(ctx, "known002")
	if err != nil || len(list) != 2 || list[0].ID != "s-known002" || list[1].ID != "s-2" || string(list[0].Salt) != "salt" {
		t.Fatalf("secrets %+v, %v", list, err)
	}
}
