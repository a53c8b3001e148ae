package testkit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Database is a PostgreSQL database of a test's own on the test server,
// which the test may make refuse connections without touching anyone
// else's: the shared server itself is never stopped.
type Database struct {
	// URL connects to the database as its owner, a role of its own.
	URL string
	// Name is the database's (and its owner role's) name.
	Name  string
	admin string // the test server's URL, for the ALTER and DROP statements
}

// ThrowawayDatabase creates an empty database owned by a fresh login role
// (not a superuser, so that connection limits apply to it) and drops both
// when the test ends. It skips like PostgresURL without a test server.
func ThrowawayDatabase(tb testing.TB) *Database {
	tb.Helper()
	base := PostgresURL(tb)
	var b [6]byte
	rand.Read(b[:])
	d := &Database{Name: "kassa_t_" + hex.EncodeToString(b[:]), admin: base}
	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		tb.Fatalf("KASSA_TEST_POSTGRES_URL must be a postgres:// URL for a throw-away database")
	}
	ident := pgx.Identifier{d.Name}.Sanitize()
	d.exec(tb, "CREATE ROLE "+ident+" LOGIN")
	tb.Cleanup(func() { d.exec(tb, "DROP ROLE IF EXISTS "+ident) })
	d.exec(tb, "CREATE DATABASE "+ident+" OWNER "+ident)
	tb.Cleanup(func() { d.exec(tb, "DROP DATABASE IF EXISTS "+ident+" WITH (FORCE)") })
	u.User = url.User(d.Name)
	u.Path = "/" + d.Name
	d.URL = u.String()
	return d
}

// RefuseConnections makes the database refuse every new connection, as a
// database being taken down does (SQLSTATE 55000 on connect), and ends its
// open ones (57P01 on their next statement).
func (d *Database) RefuseConnections(tb testing.TB) {
	tb.Helper()
	d.exec(tb, "ALTER DATABASE "+pgx.Identifier{d.Name}.Sanitize()+" ALLOW_CONNECTIONS false")
	d.Terminate(tb)
}

// LimitConnections sets the database's connection limit (0: every new
// connection of its owner fails with 53300 "too many connections"; -1: no
// limit) and ends its open connections.
func (d *Database) LimitConnections(tb testing.TB, n int) {
	tb.Helper()
	d.exec(tb, "ALTER DATABASE "+pgx.Identifier{d.Name}.Sanitize()+" CONNECTION LIMIT "+strconv.Itoa(n))
	d.Terminate(tb)
}

// AllowConnections undoes RefuseConnections and LimitConnections.
func (d *Database) AllowConnections(tb testing.TB) {
	tb.Helper()
	ident := pgx.Identifier{d.Name}.Sanitize()
	d.exec(tb, "ALTER DATABASE "+ident+" ALLOW_CONNECTIONS true")
	d.exec(tb, "ALTER DATABASE "+ident+" CONNECTION LIMIT -1")
}

// Terminate ends every open connection to the database (its sessions get
// 57P01, "terminating connection due to administrator command").
func (d *Database) Terminate(tb testing.TB) {
	tb.Helper()
	d.exec(tb, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"+d.Name+"' AND pid <> pg_backend_pid()")
}

// exec runs one statement on the test server's own database.
func (d *Database) exec(tb testing.TB, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, d.admin)
	if err != nil {
		tb.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}
