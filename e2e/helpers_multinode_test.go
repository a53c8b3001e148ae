package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa/internal/testkit"
)

// Tokens the multi-node servers start with (passed in the environment, as
// an operator would, so that they do not show in ps).
const (
	mnAdminToken   = "e2e-multinode-admin-token"
	mnServiceToken = "e2e-multinode-service-token"
)

// mnNewDatabase creates a fresh database kassa_e2e_<random> on the test
// server and returns its URL; the database is dropped (with whatever
// sessions still use it) when the test ends. kassa serve takes no schema
// option, so a database of its own is how a test gets a clean store.
func mnNewDatabase(tb testing.TB) string {
	tb.Helper()
	base := testkit.PostgresURL(tb)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatal("KASSA_TEST_POSTGRES_URL must be a postgres:// URL for the e2e tests (kassa serve --store takes only URLs)")
	}
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	name := "kassa_e2e_" + hex.EncodeToString(b[:])
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		tb.Fatalf("create database %s: %v", name, err)
	}
	tb.Cleanup(func() { mnDropDatabase(tb, base, name) })
	u.Path = "/" + name
	return u.String()
}

// mnDropDatabase drops a test database, ending the sessions still in it
// (a node killed with SIGKILL leaves none, but a slow one might).
func mnDropDatabase(tb testing.TB, base, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Errorf("drop database %s: %v", name, err)
		return
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		tb.Errorf("drop database %s: %v", name, err)
	}
}

// mnWithParam returns the URL with one query parameter set.
func mnWithParam(tb testing.TB, raw, key, value string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("parse store URL: %v", err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// mnWithHost returns the URL with its host:port replaced (to go through a
// proxy).
func mnWithHost(tb testing.TB, raw, hostport string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("parse store URL: %v", err)
	}
	u.Host = hostport
	return u.String()
}

// mnHostPort is the host:port a postgres URL points at (5432 by default).
func mnHostPort(tb testing.TB, raw string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("parse store URL: %v", err)
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		host = "127.0.0.1"
	}
	if port == "" {
		port = "5432"
	}
	return host + ":" + port
}

// mnConnect opens a direct connection to a test database for the test's
// own checks; it is closed when the test ends.
func mnConnect(tb testing.TB, dbURL string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		tb.Fatalf("connect to %s: %v", mnRedact(dbURL), err)
	}
	tb.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// mnRedact hides a URL's password for messages.
func mnRedact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(URL)"
	}
	return u.Redacted()
}

// mnPepperFile writes the secret-hash pepper that every node of one test
// shares (nodes on one database must hash secrets with the same key).
func mnPepperFile(tb testing.TB) string {
	tb.Helper()
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "pepper")
	if err := os.WriteFile(path, []byte(hex.EncodeToString(b[:])+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// mnNode is one `kassa serve` child process on a PostgreSQL store.
type mnNode struct {
	*process
	tb   testing.TB
	name string
	base string // http://127.0.0.1:port once listening
}

// mnStartNode runs `kassa serve --store storeURL` on a free loopback port,
// with a data directory of its own, the shared pepper and the pinned
// tokens, and waits until it listens. extra flags are appended. The node is
// killed when the test ends; its log is printed if the test failed.
func mnStartNode(tb testing.TB, name, storeURL, pepper string, extra ...string) *mnNode {
	tb.Helper()
	n := mnLaunchNode(tb, name, storeURL, pepper, extra...)
	n.waitListening()
	return n
}

// mnLaunchNode starts the process of mnStartNode without waiting for it to
// listen (waitListening does), so that several nodes can start at once.
func mnLaunchNode(tb testing.TB, name, storeURL, pepper string, extra ...string) *mnNode {
	tb.Helper()
	args := append([]string{"serve", "--store", storeURL, "--data", tb.TempDir(),
		"--addr", "127.0.0.1:0", "--pepper-file", pepper, "--log-level", "info"}, extra...)
	cmd := exec.Command(kassaBinary(tb), args...)
	cmd.Env = append(mnCleanEnv(), "KASSA_ADMIN_TOKEN="+mnAdminToken, "KASSA_SERVICE_TOKEN="+mnServiceToken)
	n := &mnNode{process: startProcess(tb, "node "+name, cmd), tb: tb, name: name}
	tb.Cleanup(func() {
		n.kill()
		if tb.Failed() {
			tb.Logf("log of node %s:\n%s", name, n.logs)
		}
	})
	return n
}

// waitListening waits until the node prints its address.
func (n *mnNode) waitListening() {
	n.tb.Helper()
	n.base = n.process.waitListening(n.tb)
}

// mnCleanEnv is the test's environment without KASSA_* variables, so that
// nothing from the caller's shell configures the nodes.
func mnCleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KASSA_") {
			env = append(env, kv)
		}
	}
	return env
}

// mnAnswer is an HTTP answer; body is the decoded JSON object when the
// answer is one.
type mnAnswer struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// mnDo sends a request with a bearer token (when not empty), a JSON body
// (when not empty) and an Idempotency-Key (when not empty). Transport
// errors are returned, not fatal.
func mnDo(ctx context.Context, client *http.Client, method, url, token, key, body string) (*mnAnswer, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	a := &mnAnswer{status: resp.StatusCode, header: resp.Header, raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	_ = dec.Decode(&a.body) // not every answer is JSON (/readyz is text)
	return a, nil
}

// must sends a request to the node and fails the test on a transport error
// or another status than want.
func (n *mnNode) must(method, path, token, key, body string, want int) *mnAnswer {
	n.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	a, err := mnDo(ctx, http.DefaultClient, method, n.base+path, token, key, body)
	if err != nil {
		n.tb.Fatalf("node %s: %s %s: %v", n.name, method, path, err)
	}
	if a.status != want {
		n.tb.Fatalf("node %s: %s %s: status %d, want %d: %s", n.name, method, path, a.status, want, a.raw)
	}
	return a
}

// mnString reads a JSON string or number field as text.
func mnString(v any) string {
	switch x := v.(type) {
	case json.Number:
		return x.String()
	case string:
		return x
	}
	return ""
}

// mnLimits are per-account rate limits high enough that the tests measure
// the ledger, not the limiter (the defaults are 30 messages and 1 pricing
// request per second, per node).
const mnLimits = `{"max_outbound_request":1000000,"max_inbound_request":1000000,"max_calls_per_second":1000000,"pricing_per_second":1000000}`

// mnCreateAccount creates an EUR account through the admin API of n, with
// the given secret (generated when empty).
func mnCreateAccount(tb testing.TB, n *mnNode, key, secret string) {
	tb.Helper()
	body := fmt.Sprintf(`{"api_key":%q,"currency":"EUR","limits":%s}`, key, mnLimits)
	if secret != "" {
		body = fmt.Sprintf(`{"api_key":%q,"api_secret":%q,"currency":"EUR","limits":%s}`, key, secret, mnLimits)
	}
	n.must(http.MethodPost, "/admin/v1/accounts", mnAdminToken, "", body, http.StatusCreated)
}

// mnChargeEntry is a charge as the ledger holds it.
type mnChargeEntry struct {
	id     int64
	amount int64
}

// mnLedgerCharges reads every charge entry of an account straight from
// the database, by idempotency key. A key can appear only once (unique
// index), so a doubled charge would show as two keys' worth of amount or as
// a count above the successes.
func mnLedgerCharges(tb testing.TB, conn *pgx.Conn, account string) map[string]mnChargeEntry {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := conn.Query(ctx, "SELECT idempotency_key, id, amount FROM entries WHERE account = $1 AND kind = 'charge'", account)
	if err != nil {
		tb.Fatalf("read charges of %s: %v", account, err)
	}
	out := map[string]mnChargeEntry{}
	for rows.Next() {
		var key string
		var e mnChargeEntry
		if err := rows.Scan(&key, &e.id, &e.amount); err != nil {
			tb.Fatalf("read charges of %s: %v", account, err)
		}
		if _, dup := out[key]; dup {
			tb.Fatalf("account %s: idempotency key %s charged twice", account, key)
		}
		out[key] = e
	}
	if err := rows.Err(); err != nil {
		tb.Fatalf("read charges of %s: %v", account, err)
	}
	return out
}

// mnBalance reads an account's balance (in 10^-8 units) from the database.
func mnBalance(tb testing.TB, conn *pgx.Conn, account string) int64 {
	tb.Helper()
	var b int64
	if err := conn.QueryRow(context.Background(), "SELECT balance FROM accounts WHERE api_key = $1", account).Scan(&b); err != nil {
		tb.Fatalf("read balance of %s: %v", account, err)
	}
	return b
}

// mnVerify runs `kassa verify --store URL` and fails the test unless it
// reports a clean ledger.
func mnVerify(tb testing.TB, storeURL string) {
	tb.Helper()
	cmd := exec.Command(kassaBinary(tb), "verify", "--store", storeURL)
	cmd.Env = mnCleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "ok:") {
		tb.Fatalf("kassa verify --store: %v\n%s", err, out)
	}
	tb.Logf("kassa verify: %s", strings.TrimSpace(string(out)))
}

// mnMigrate runs `kassa migrate --store URL`.
func mnMigrate(tb testing.TB, storeURL string) {
	tb.Helper()
	cmd := exec.Command(kassaBinary(tb), "migrate", "--store", storeURL)
	cmd.Env = mnCleanEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("kassa migrate --store: %v\n%s", err, out)
	}
}

// mnEventually polls cond every interval until it reports true, failing
// the test after limit. The limit is a guard against a hang, never a speed
// requirement: callers log how long it took.
func mnEventually(tb testing.TB, limit, interval time.Duration, what string, cond func() bool) time.Duration {
	tb.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start)
		}
		if time.Since(start) > limit {
			tb.Fatalf("%s: not after %s", what, limit)
		}
		time.Sleep(interval)
	}
}
