package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
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
	// A data directory that does not exist yet is created, as serve
	// creates it.
	fresh := filepath.Join(t.TempDir(), "new", "data")
	if code, out, stderr := runCmd(t, noEnv, "migrate", "--data", fresh); code != 0 || !strings.Contains(out, want) {
		t.Fatalf("migrate into a new directory: exit %d, out %q, err %q", code, out, stderr)
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

// writeConfig writes a config file (the systemd environment file format)
// and returns its path.
func writeConfig(t *testing.T, lines ...string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kassa.env")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStoreCommandsReadConfig: migrate, verify, backup and restore take
// --config (or KASSA_CONFIG) with kassa serve's file, other keys and all;
// a flag still wins over the file.
func TestStoreCommandsReadConfig(t *testing.T) {
	data := t.TempDir()
	cfg := writeConfig(t, "# the node's file", "KASSA_DATA="+data, "KASSA_ADDR=127.0.0.1:0", "KASSA_LOG_FORMAT=json", "KASSA_DEMO=off")
	code, out, stderr := runCmd(t, noEnv, "migrate", "--config", cfg)
	if code != 0 || !strings.Contains(out, "sqlite "+filepath.Join(data, dbFile)) {
		t.Fatalf("migrate --config: exit %d: %s %s", code, out, stderr)
	}
	viaEnv := func(k string) string {
		if k == "KASSA_CONFIG" {
			return cfg
		}
		return ""
	}
	if code, out, stderr := runCmd(t, viaEnv, "verify"); code != 0 || !strings.Contains(out, "ok: 0 accounts") {
		t.Fatalf("verify with KASSA_CONFIG: exit %d: %s %s", code, out, stderr)
	}
	backupFile := filepath.Join(t.TempDir(), "b.db")
	if code, _, stderr := runCmd(t, noEnv, "backup", "--config", cfg, backupFile); code != 0 {
		t.Fatalf("backup --config: exit %d: %s", code, stderr)
	}
	target := filepath.Join(t.TempDir(), "restored")
	restoreCfg := writeConfig(t, "KASSA_DATA="+target, "KASSA_PEPPER_FILE="+filepath.Join(t.TempDir(), "pepper"))
	if code, out, stderr := runCmd(t, noEnv, "restore", "--config", restoreCfg, backupFile); code != 0 || !strings.Contains(out, "restored") {
		t.Fatalf("restore --config: exit %d: %s %s", code, out, stderr)
	}
	other := t.TempDir()
	if code, out, _ := runCmd(t, noEnv, "migrate", "--config", cfg, "--data", other); code != 0 || !strings.Contains(out, other) {
		t.Errorf("--data did not win over the file: exit %d: %s", code, out)
	}
	bad := writeConfig(t, "KASSA_DATTA=/x")
	if code, _, stderr := runCmd(t, noEnv, "verify", "--config", bad); code != exitUsage || !strings.Contains(stderr, `unknown setting "KASSA_DATTA"`) {
		t.Errorf("a typo in the file: exit %d: %s", code, stderr)
	}
}

// keyValueURL turns a postgres:// test URL into the equivalent libpq
// key=value connection string, with a password (ignored by the test
// server's trust authentication) that must never be printed.
func keyValueURL(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	parts := []string{"host=" + u.Hostname(), "port=" + u.Port(), "user=" + u.User.Username(), "password='kv secret 42'",
		"dbname=" + strings.TrimPrefix(u.Path, "/")}
	for k, vs := range u.Query() {
		parts = append(parts, k+"="+vs[0])
	}
	return strings.Join(parts, " ")
}

// TestStoreKeyValue: --store takes a key=value connection string (pgx
// parses both forms): migrate and serve use it, and neither the log nor
// the output shows its password.
func TestStoreKeyValue(t *testing.T) {
	kv := keyValueURL(t, pgSchemaURL(t))
	code, out, stderr := runCmd(t, noEnv, "migrate", "--store", kv)
	if code != 0 || !strings.Contains(out, "now") || !strings.Contains(out, "password=<redacted>") {
		t.Fatalf("migrate --store key=value: exit %d: %s %s", code, out, stderr)
	}
	base, _, logs, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--store", kv,
		"--no-migrate", "--demo-key", "kvdemo01", "--demo-secret", "KvDemo0001Secret")
	if code, body := httpGet(t, base+"/account/get-balance", "kvdemo01", "KvDemo0001Secret"); code != 200 {
		t.Errorf("get-balance: %d %s", code, body)
	}
	stop()
	for what, text := range map[string]string{"migrate output": out + stderr, "serve log": logs.String()} {
		if strings.Contains(text, "kv secret 42") {
			t.Errorf("the %s shows the password:\n%s", what, text)
		}
	}
	if !strings.Contains(logs.String(), "password=<redacted>") {
		t.Errorf("the startup log does not name the store:\n%s", logs.String())
	}
	code, out, _ = runCmd(t, noEnv, "serve", "--print-config", "--store", kv)
	if code != 0 || strings.Contains(out, "kv secret 42") {
		t.Errorf("--print-config: exit %d: %s", code, out)
	}
}
