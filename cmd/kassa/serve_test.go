package main

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// lineWatcher is a concurrency-safe writer that remembers what was written.
type lineWatcher struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *lineWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *lineWatcher) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

var listeningLine = regexp.MustCompile(`kassa listening on (http://[0-9.:]+)`)

// startServe runs `kassa serve` in-process on 127.0.0.1:0 and returns its
// base URL, its stdout, and a stop function that cancels it and returns the
// exit code.
func startServe(t *testing.T, data string, extra ...string) (string, *lineWatcher, func() int) {
	t.Helper()
	args := append([]string{"--addr", "127.0.0.1:0", "--data", data}, extra...)
	base, stdout, _, stop := startServeFull(t, func(string) string { return "" }, args...)
	return base, stdout, stop
}

func httpGet(t *testing.T, url, user, pass string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestServeEndToEnd starts kassa serve with pinned demo credentials, reads
// the balance, stops it by cancelling (as SIGTERM does), restarts it on the
// same data and checks that nothing is created or printed twice.
func TestServeEndToEnd(t *testing.T) {
	data := t.TempDir()
	base, out, stop := startServe(t, data, "--demo-key", "smoke001", "--demo-secret", "Smoke001Secret", "--admin-token", "adm-token")
	if code, body := httpGet(t, base+"/healthz", "", ""); code != 200 || body != "ok\n" {
		t.Errorf("healthz %d %q", code, body)
	}
	code, body := httpGet(t, base+"/account/get-balance", "smoke001", "Smoke001Secret")
	if code != 200 || strings.TrimSpace(body) != `{"value":10.00,"autoReload":true}` {
		t.Errorf("get-balance %d %s", code, body)
	}
	if code, _ := httpGet(t, base+"/account/get-balance", "smoke001", "wrong"); code != 401 {
		t.Errorf("wrong secret: %d", code)
	}
	req, _ := http.NewRequest("GET", base+"/admin/v1/accounts/smoke001", nil)
	req.Header.Set("Authorization", "Bearer adm-token")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Errorf("admin get: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	printed := out.String()
	for _, want := range []string{"api key     smoke001", "api secret  Smoke001Secret", "platform API token (generated"} {
		if !strings.Contains(printed, want) {
			t.Errorf("startup output lacks %q:\n%s", want, printed)
		}
	}
	if strings.Contains(printed, "admin API token (generated") {
		t.Errorf("printed a generated admin token although one was given")
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d after cancel", code)
	}
	serviceToken, err := os.ReadFile(filepath.Join(data, serviceTokenFile))
	if err != nil || len(strings.TrimSpace(string(serviceToken))) != 64 {
		t.Errorf("service token file: %q %v", serviceToken, err)
	}

	base, out, stop = startServe(t, data, "--demo-key", "smoke001", "--demo-secret", "Smoke001Secret", "--admin-token", "adm-token")
	if code, _ := httpGet(t, base+"/account/get-balance", "smoke001", "Smoke001Secret"); code != 200 {
		t.Errorf("after restart: %d", code)
	}
	if p := out.String(); strings.Contains(p, "Smoke001Secret") || strings.Contains(p, "token (generated") {
		t.Errorf("second start printed credentials again:\n%s", p)
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit code %d", code)
	}
}

// TestServeGeneratedDemo: without pinned credentials the first start makes
// a demo account with generated ones, and they work.
func TestServeGeneratedDemo(t *testing.T) {
	base, out, stop := startServe(t, t.TempDir())
	defer stop()
	m := regexp.MustCompile(`api key +(\S+)\n +api secret +(\S+)`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no demo credentials in:\n%s", out.String())
	}
	if code, body := httpGet(t, base+"/account/get-balance", m[1], m[2]); code != 200 {
		t.Errorf("get-balance %d %s", code, body)
	}
}

func TestServeBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--log-format", "yaml", "--data", t.TempDir()},
		{"serve", "--log-level", "loud", "--data", t.TempDir()},
		{"serve", "--demo-key", "bad key!", "--data", t.TempDir(), "--addr", "127.0.0.1:0"},
		{"serve", "--demo-key", "good0001", "--demo-secret", "weak", "--data", t.TempDir(), "--addr", "127.0.0.1:0"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, func(string) string { return "" }, strings.NewReader(""), io.Discard, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d (%s), want %d", args, code, stderr.String(), exitUsage)
		}
	}
}

// TestVerifyCommand: verify passes on a fresh store and fails once a
// balance is tampered with behind the ledger's back.
func TestVerifyCommand(t *testing.T) {
	data := t.TempDir()
	_, _, stop := startServe(t, data, "--demo-key", "verify01", "--demo-secret", "Verify0001")
	stop()
	var out bytes.Buffer
	if code := run(context.Background(), []string{"verify", "--data", data}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); code != 0 {
		t.Fatalf("verify on a sound ledger: exit %d: %s", code, out.String())
	}
	db, err := sql.Open("sqlite", filepath.Join(data, dbFile))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE accounts SET balance = balance + 1 WHERE api_key = 'verify01'`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out.Reset()
	if code := run(context.Background(), []string{"verify", "--data", data}, func(string) string { return "" }, strings.NewReader(""), &out, io.Discard); code == 0 || !strings.Contains(out.String(), "DISCREPANCY account verify01") {
		t.Fatalf("verify on a tampered ledger: exit %d: %s", code, out.String())
	}
	if code := run(context.Background(), []string{"verify", "--data", filepath.Join(data, "nope")}, func(string) string { return "" }, strings.NewReader(""), io.Discard, io.Discard); code == 0 {
		t.Error("verify on a missing directory succeeded")
	}
}

// TestServePepperFile: with --pepper-file the key lives there (not in the
// data directory) and a restart with the same file still verifies secrets.
func TestServePepperFile(t *testing.T) {
	pepper := filepath.Join(t.TempDir(), "pepper")
	data := t.TempDir()
	_, _, stop := startServe(t, data, "--pepper-file", pepper, "--demo-key", "pepper01", "--demo-secret", "Pepper0001")
	stop()
	if _, err := os.Stat(filepath.Join(data, pepperFile)); err == nil {
		t.Error("a pepper was created in the data directory although --pepper-file was given")
	}
	base, _, stop := startServe(t, data, "--pepper-file", pepper)
	defer stop()
	if code, _ := httpGet(t, base+"/account/get-balance", "pepper01", "Pepper0001"); code != 200 {
		t.Errorf("get-balance with the shared pepper: %d", code)
	}
}
