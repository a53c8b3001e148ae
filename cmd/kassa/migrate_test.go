package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/sqlite"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

// runCmd runs a kassa command line and returns its exit code, stdout and stderr.
func runCmd(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, getenv, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

// pgSchemaURL returns a URL of the test database whose connections use a
// fresh, empty schema (dropped when the test ends). It skips without
// KASSA_TEST_POSTGRES_URL unless KASSA_TEST_POSTGRES_REQUIRED=1.
func pgSchemaURL(t *testing.T) string {
	t.Helper()
	base := testkit.PostgresURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "kassa_cmd_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, base); err == nil {
			conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
			conn.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "4") // a pool parameter: kassa migrate must accept it too
	u.RawQuery = q.Encode()
	return u.String()
}

// TestMigrateSQLite: serve --no-migrate refuses a new data directory and
// says to run kassa migrate; migrate reports 0 → latest; then serve
// --no-migrate starts; a second migrate changes nothing.
func TestMigrateSQLite(t *testing.T) {
	data := t.TempDir()
	code, _, stderr := runCmd(t, noEnv, "serve", "--no-migrate", "--data", data, "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "run `kassa migrate` first") {
		t.Fatalf("serve --no-migrate on an empty store: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCmd(t, noEnv, "migrate", "--data", data)
	want := "schema version 0 before, " + itoa(sqlite.LatestSchema) + " now"
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("migrate: exit %d, out %q, err %q; want %q", code, out, stderr, want)
	}
	_, _, stop := startServe(t, data, "--no-migrate")
	if code := stop(); code != 0 {
		t.Fatalf("serve --no-migrate on a migrated store: exit %d", code)
	}
	code, out, _ = runCmd(t, noEnv, "migrate", "--data", data)
	if code != 0 || !strings.Contains(out, "before, "+itoa(sqlite.LatestSchema)) || !strings.Contains(out, "version "+itoa(sqlite.LatestSchema)+" before") {
		t.Fatalf("second migrate: exit %d: %s", code, out)
	}
}

// TestServePostgres: --store selects PostgreSQL (here through KASSA_STORE),
// --no-migrate refuses the empty schema, migrate brings it up, and serve
// answers the demo account's balance from PostgreSQL; verify reads it back.
func TestServePostgres(t *testing.T) {
	u := pgSchemaURL(t)
	getenv := func(k string) string {
		if k == "KASSA_STORE" {
			return u
		}
		return ""
	}
	code, _, stderr := runCmd(t, getenv, "serve", "--no-migrate", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	if code == 0 || !strings.Contains(stderr, "kassa migrate") {
		t.Fatalf("serve --no-migrate on an empty schema: exit %d: %s", code, stderr)
	}
	code, out, stderr := runCmd(t, getenv, "migrate")
	if code != 0 || !strings.Contains(out, "postgres ") || !strings.Contains(out, "version 0 before, "+itoa(postgres.LatestSchema)+" now") {
		t.Fatalf("migrate: exit %d: %s %s", code, out, stderr)
	}
	base, _, stop := startServe(t, t.TempDir(), "--store", u, "--no-migrate", "--demo-key", "pgdemo01", "--demo-secret", "PgDemo0001")
	if code, body := httpGet(t, base+"/account/get-balance", "pgdemo01", "PgDemo0001"); code != 200 {
		t.Errorf("get-balance on PostgreSQL: %d %s", code, body)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	code, out, stderr = runCmd(t, noEnv, "verify", "--store", u)
	if code != 0 || !strings.Contains(out, "ok: 1 accounts") {
		t.Errorf("verify on PostgreSQL: exit %d: %s %s", code, out, stderr)
	}
}

func TestStoreURLRefused(t *testing.T) {
	code, _, stderr := runCmd(t, noEnv, "serve", "--store", "mysql://u:hunter2@h/db", "--data", t.TempDir(), "--addr", "127.0.0.1:0")
	if code != exitUsage || !strings.Contains(stderr, "--store") || strings.Contains(stderr, "hunter2") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestNewerSchemaRefused: a store whose schema is newer than the binary is
// refused by serve (with or without --no-migrate) and by migrate.
func TestNewerSchemaRefused(t *testing.T) {
	data := t.TempDir()
	if code, _, stderr := runCmd(t, noEnv, "migrate", "--data", data); code != 0 {
		t.Fatalf("migrate: %s", stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(data, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, '0999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, args := range [][]string{
		{"serve", "--data", data, "--addr", "127.0.0.1:0"},
		{"serve", "--data", data, "--addr", "127.0.0.1:0", "--no-migrate"},
		{"migrate", "--data", data},
	} {
		code, _, stderr := runCmd(t, noEnv, args...)
		if code == 0 || !strings.Contains(stderr, "999") || !strings.Contains(stderr, "upgrade kassa") {
			t.Errorf("%v on a newer schema: exit %d: %s", args, code, stderr)
		}
	}
}
