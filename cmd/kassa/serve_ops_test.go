package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// startServeFull runs `kassa serve` in-process with args and an environment
// and returns its base URL once it listens, its stdout and stderr (the
// logs), and a stop function that cancels it and returns the exit code.
func startServeFull(t *testing.T, getenv func(string) string, args ...string) (base string, stdout, stderr *lineWatcher, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lineWatcher{}, &lineWatcher{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), getenv, strings.NewReader(""), stdout, stderr)
	}()
	deadline := time.After(30 * time.Second)
	for {
		if m := listeningLine.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stderr, func() int {
				cancel()
				select {
				case code := <-done:
					return code
				case <-time.After(30 * time.Second):
					t.Fatal("kassa serve did not stop after cancel")
					return -1
				}
			}
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("kassa serve exited with %d: %s", code, stderr.String())
		case <-deadline:
			cancel()
			t.Fatalf("kassa serve did not start: %s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// do sends a request and returns the response with its body read.
func do(t *testing.T, method, url string, header map[string]string, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestRequestIDAndAccessLog: a sane X-Request-Id is echoed, an insane one
// is replaced by a generated id, a missing one is generated; each request
// has one access-log line with its id, route pattern and status, and the
// api_secret of a query string never reaches the log.
func TestRequestIDAndAccessLog(t *testing.T) {
	const secret = "AccessLog0001Secret"
	base, _, logs, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--demo-key", "acclog01", "--demo-secret", secret)
	defer stop()

	resp, _ := do(t, "GET", base+"/account/get-balance?api_key=acclog01&api_secret="+secret, map[string]string{"X-Request-Id": "client-id_1.2:3"}, "")
	if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") != "client-id_1.2:3" {
		t.Errorf("sane id: status %d, echoed %q", resp.StatusCode, resp.Header.Get("X-Request-Id"))
	}
	resp, _ = do(t, "GET", base+"/account/get-balance?api_key=acclog01&api_secret=wrong"+secret, map[string]string{"X-Request-Id": "bad id\twith spaces"}, "")
	generated := resp.Header.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(generated) {
		t.Errorf("insane id replaced by %q, want 32 hex digits", generated)
	}
	resp, _ = do(t, "GET", base+"/healthz", nil, "")
	other := resp.Header.Get("X-Request-Id")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(other) || other == generated {
		t.Errorf("missing id: generated %q (previous %q)", other, generated)
	}
	resp, _ = do(t, "GET", base+"/healthz", map[string]string{"X-Request-Id": strings.Repeat("a", 129)}, "")
	if got := resp.Header.Get("X-Request-Id"); len(got) != 32 {
		t.Errorf("an over-long id was kept: %q", got)
	}

	waitFor(t, func() bool { return strings.Contains(logs.String(), "request_id="+other) })
	out := logs.String()
	if strings.Contains(out, secret) || strings.Contains(out, "api_secret") {
		t.Fatalf("the log holds the api secret:\n%s", out)
	}
	for _, want := range []string{
		`msg=request method=GET route=/account/get-balance path=/account/get-balance status=200`,
		`request_id=client-id_1.2:3`,
		`status=401`,
		`request_id=` + generated,
		`route="GET /healthz"`,
		`remote=127.0.0.1:`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "request_id=client-id_1.2:3"); n < 1 {
		t.Errorf("request id in %d lines", n)
	}
}

// waitFor polls cond (log lines are written after the answer is sent).
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met in 10s")
}

// TestMetrics: after some requests, /metrics shows the request counter by
// route pattern and status (never the raw path), the latency histogram,
// the active price-book version, committed ledger entries by kind, and the
// decline counter; with --ops-addr, /metrics moves to that listener.
func TestMetrics(t *testing.T) {
	data := t.TempDir()
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", data,
		"--demo-key", "metric01", "--demo-secret", "Metric0001Secret", "--admin-token", "adm-token", "--service-token", "svc-token", "--reload-gateway", "ledger-only")
	for range 3 {
		httpGet(t, base+"/account/get-balance", "metric01", "Metric0001Secret")
	}
	httpGet(t, base+"/accounts/metric01/secrets/zzz-raw-path-id", "metric01", "Metric0001Secret")
	resp, body := do(t, "POST", base+"/account/top-up", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"api_key=metric01&api_secret=Metric0001Secret&trx=demo-trx")
	if resp.StatusCode != 200 {
		t.Fatalf("top-up with the ledger-only gateway: %d %s", resp.StatusCode, body)
	}
	// The opening credits of the demo account and of this one count.
	if resp, body := do(t, "POST", base+"/admin/v1/accounts", map[string]string{"Authorization": "Bearer adm-token"},
		`{"api_key":"metric02","api_secret":"Metric0002Secret","currency":"EUR","credit":"7.50"}`); resp.StatusCode != 201 {
		t.Fatalf("create account: %d %s", resp.StatusCode, body)
	}
	platform := map[string]string{"Authorization": "Bearer svc-token", "Content-Type": "application/json"}
	platform["Idempotency-Key"] = "m-1"
	if resp, body := do(t, "POST", base+"/platform/v1/charges", platform, `{"account":"metric01","type":"sms","to":"447700900123","units":1}`); resp.StatusCode != 201 {
		t.Fatalf("charge: %d %s", resp.StatusCode, body)
	}
	platform["Idempotency-Key"] = "m-2"
	if resp, body := do(t, "POST", base+"/platform/v1/charges", platform, `{"account":"metric01","type":"voice","to":"447700900123","units":1000}`); resp.StatusCode != 402 {
		t.Fatalf("charge beyond the balance: %d %s", resp.StatusCode, body)
	}
	// Requests no route matches are "unmatched", whatever catch-all
	// answered them; a dashboard page keeps its pattern.
	for _, p := range []string{"/nope", "/account/nope", "/accounts/nope", "/admin/v1/nope", "/platform/v1/nope", "/ui/nope"} {
		do(t, "GET", base+p, map[string]string{"Authorization": "Bearer adm-token"}, "")
	}
	do(t, "GET", base+"/ui/signin", nil, "")
	_, metrics := do(t, "GET", base+"/metrics", nil, "")
	for _, catchAll := range []string{`route="/"`, `route="/account/"`, `route="/accounts/"`, `route="/admin/"`, `route="/platform/"`, `route="/ui/"`} {
		if strings.Contains(metrics, catchAll) {
			t.Errorf("/metrics labels an unmatched request %s", catchAll)
		}
	}
	if n := sumMetric(t, metrics, `kassa_http_requests_total{method="GET",route="unmatched",`); n != 6 {
		t.Errorf("%d unmatched requests counted, want 6\n%s", n, grepKassa(metrics))
	}
	for _, want := range []string{
		`kassa_http_requests_total{method="GET",route="GET /ui/signin",status="200"} 1`,
		`kassa_http_requests_total{method="GET",route="/account/get-balance",status="200"} 3`,
		`kassa_http_request_duration_seconds_bucket{route="/account/get-balance",le="+Inf"} 3`,
		`kassa_http_request_duration_seconds_count{route="/account/get-balance"} 3`,
		`kassa_http_requests_total{method="GET",route="/accounts/{api_key}/secrets/{secret_id}",status="404"} 1`,
		`kassa_http_requests_total{method="POST",route="/platform/v1/charges",status="201"} 1`,
		`kassa_http_requests_total{method="POST",route="/platform/v1/charges",status="402"} 1`,
		`kassa_declines_total{route="/platform/v1/charges"} 1`,
		`kassa_ledger_entries_total{kind="top-up"} 1`,
		`kassa_ledger_entries_total{kind="charge"} 1`,
		`kassa_ledger_entries_total{kind="credit"} 2`,
		`kassa_ledger_transactions_total{outcome="committed"} 4`,
		`kassa_reload_events_total{type="topup.credited"} 1`,
		`kassa_ledger_batch_entries_count`,
		`kassa_store_duration_seconds_count{op="find_account"}`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q\n%s", want, grepKassa(metrics))
		}
	}
	if !regexp.MustCompile(`(?m)^kassa_price_book_version [1-9][0-9]*$`).MatchString(metrics) {
		t.Errorf("no price-book version gauge > 0 in /metrics")
	}
	if strings.Contains(metrics, "zzz-raw-path-id") {
		t.Errorf("a raw path became a label")
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}

	base, _, _, stop = startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--ops-addr", "127.0.0.1:0", "--data", data)
	defer stop()
	if resp, b := do(t, "GET", base+"/metrics", nil, ""); resp.StatusCode == 200 {
		t.Errorf("/metrics is still on the main listener with --ops-addr: %d %.300s", resp.StatusCode, b)
	}
}

// TestMetricsOnOpsAddr: with --ops-addr the metrics answer there.
func TestMetricsOnOpsAddr(t *testing.T) {
	ln := freePort(t)
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--ops-addr", ln, "--data", t.TempDir())
	defer stop()
	httpGet(t, base+"/healthz", "", "")
	resp, body := do(t, "GET", "http://"+ln+"/metrics", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, `kassa_http_requests_total{method="GET",route="GET /healthz",status="200"} 1`) {
		t.Errorf("ops /metrics: %d\n%s", resp.StatusCode, body)
	}
}

// freePort returns a loopback address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	srv := &http.Server{}
	ln, err := netListen()
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_ = srv
	return addr
}

// TestTopUpWithoutGateway: with no --reload-gateway a top-up fails with
// 420 and says how to configure one.
func TestTopUpWithoutGateway(t *testing.T) {
	base, _, logs, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--demo-key", "nogw0001", "--demo-secret", "NoGateway0001")
	defer stop()
	if !strings.Contains(logs.String(), `reload_gateway="none (top-ups are declined)"`) ||
		!strings.Contains(logs.String(), "set --reload-gateway webhook or ledger-only") {
		t.Errorf("the startup log does not say that top-ups are declined:\n%s", logs.String())
	}
	resp, body := do(t, "POST", base+"/account/top-up", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"api_key=nogw0001&api_secret=NoGateway0001&trx=demo-trx")
	if resp.StatusCode != 420 || !strings.Contains(body, "gateway not configured") {
		t.Errorf("top-up without a gateway: %d %s; want 420 saying the gateway is not configured", resp.StatusCode, body)
	}
}

// TestBackupRestore: backup of a live store, refusal to overwrite, restore
// into a new directory with a verified ledger, refusal to restore over a
// database, and the restored store serves the same balance.
func TestBackupRestore(t *testing.T) {
	data := t.TempDir()
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", data,
		"--demo-key", "backup01", "--demo-secret", "Backup0001Secret", "--reload-gateway", "ledger-only")
	resp, body := do(t, "POST", base+"/account/top-up", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		"api_key=backup01&api_secret=Backup0001Secret&trx=demo-trx")
	if resp.StatusCode != 200 {
		t.Fatalf("top-up: %d %s", resp.StatusCode, body)
	}
	_, balance := httpGet(t, base+"/account/get-balance", "backup01", "Backup0001Secret")
	file := filepath.Join(t.TempDir(), "kassa.backup")
	code, out, stderr := runCmd(t, noEnv, "backup", "--data", data, file) // while serving
	if code != 0 || !strings.Contains(out, "backup written") {
		t.Fatalf("backup: exit %d: %s %s", code, out, stderr)
	}
	if code := stop(); code != 0 {
		t.Fatalf("serve exit %d", code)
	}
	before, _ := os.ReadFile(file)
	if code, _, stderr := runCmd(t, noEnv, "backup", "--data", data, file); code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("backup over an existing file: exit %d: %s", code, stderr)
	}
	if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
		t.Errorf("the existing backup was changed")
	}

	restored := filepath.Join(t.TempDir(), "restored")
	code, out, stderr = runCmd(t, noEnv, "restore", "--data", restored, file)
	if code != 0 || !strings.Contains(out, "ok: 1 accounts checked") {
		t.Fatalf("restore: exit %d: %s %s", code, out, stderr)
	}
	if code, _, stderr := runCmd(t, noEnv, "restore", "--data", restored, file); code != exitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("restore over a database: exit %d: %s", code, stderr)
	}
	if code, out, _ := runCmd(t, noEnv, "verify", "--data", restored); code != 0 {
		t.Errorf("verify of the restored store: exit %d: %s", code, out)
	}
	// The secrets verify with the original pepper.
	pepper, _ := os.ReadFile(filepath.Join(data, pepperFile))
	if err := os.WriteFile(filepath.Join(restored, pepperFile), pepper, 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, _, stop = startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", restored)
	defer stop()
	if code, got := httpGet(t, base+"/account/get-balance", "backup01", "Backup0001Secret"); code != 200 || got != balance {
		t.Errorf("restored balance: %d %s, want %s", code, got, balance)
	}
}

// TestBackupPostgresHint: backup and restore on PostgreSQL point to
// pg_dump and pg_restore.
func TestBackupPostgresHint(t *testing.T) {
	for _, cmd := range []string{"backup", "restore"} {
		code, out, _ := runCmd(t, noEnv, cmd, "--store", "postgres://kassa@db/kassa", filepath.Join(t.TempDir(), "f"))
		if code != exitUsage || !strings.Contains(out, "pg_dump") || !strings.Contains(out, "pg_restore") {
			t.Errorf("%s on PostgreSQL: exit %d: %s", cmd, code, out)
		}
	}
}

func netListen() (interface {
	Addr() net.Addr
	Close() error
}, error) {
	return net.Listen("tcp", "127.0.0.1:0")
}

// grepKassa keeps the kassa_ lines of a metrics page (for failure messages).
func grepKassa(page string) string {
	var keep []string
	for _, l := range strings.Split(page, "\n") {
		if strings.HasPrefix(l, "kassa_") && !strings.Contains(l, "_bucket") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

// TestRestoreBadBackup: a file that is not a kassa database is refused and
// leaves no database behind in the target directory.
func TestRestoreBadBackup(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(bad, []byte("this is not a database, just text of some length ..........."), 0o600); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(t.TempDir(), "restored")
	code, _, stderr := runCmd(t, noEnv, "restore", "--data", target, bad)
	if code == 0 {
		t.Fatalf("restore of a text file succeeded")
	}
	for _, f := range []string{dbFile, dbFile + "-wal", dbFile + "-shm"} {
		if _, err := os.Stat(filepath.Join(target, f)); err == nil {
			t.Errorf("%s left behind after a failed restore (%s)", f, stderr)
		}
	}
	if code, _, _ := runCmd(t, noEnv, "restore", "--data", target, filepath.Join(t.TempDir(), "missing.db")); code == 0 {
		t.Error("restore of a missing file succeeded")
	}
}

// TestServeFXConvertsPrices: with --fx a USD account is answered in USD,
// converted exactly from the EUR demo tariff; without a rate it is told
// which rate is missing instead of being given EUR prices.
func TestServeFXConvertsPrices(t *testing.T) {
	for _, withRate := range []bool{true, false} {
		args := []string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--admin-token", "fx-admin-token-0001",
			"--demo-key", "fxdemo01", "--demo-secret", "FxDemo0001Secret", "--rate-limits", "off"}
		if withRate {
			args = append(args, "--fx", "EUR/USD=1.5")
		}
		base, _, _, stop := startServeFull(t, noEnv, args...)
		resp, body := do(t, "POST", base+"/admin/v1/accounts", map[string]string{"Authorization": "Bearer fx-admin-token-0001"},
			`{"api_key":"usd00001","api_secret":"UsdSecret0001","currency":"USD"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("create USD account: %d %s", resp.StatusCode, body)
		}
		eur := countryPrice(t, base, "fxdemo01", "FxDemo0001Secret")
		resp, body = do(t, "GET", base+"/account/get-pricing/outbound/sms?country=GB&api_key=usd00001&api_secret=UsdSecret0001", nil, "")
		if !withRate {
			if resp.StatusCode == 200 || !strings.Contains(body, "EUR/USD") {
				t.Errorf("USD pricing without a rate: %d %s; want a refusal naming the EUR/USD rate", resp.StatusCode, body)
			}
			stop()
			continue
		}
		var usd struct{ Currency, DefaultPrice string }
		if err := json.Unmarshal([]byte(body), &usd); err != nil || resp.StatusCode != 200 {
			t.Fatalf("USD pricing: %d %s", resp.StatusCode, body)
		}
		want, err := kassa.MustParseAmount(eur).Convert("1.5")
		if err != nil {
			t.Fatal(err)
		}
		if usd.Currency != "USD" || usd.DefaultPrice != want.String() {
			t.Errorf("USD price %s %s, want %s USD (EUR %s × 1.5)", usd.DefaultPrice, usd.Currency, want, eur)
		}
		stop()
	}
}

// countryPrice returns the demo account's EUR default SMS price for GB.
func countryPrice(t *testing.T, base, key, secret string) string {
	t.Helper()
	resp, body := do(t, "GET", base+"/account/get-pricing/outbound/sms?country=GB&api_key="+key+"&api_secret="+secret, nil, "")
	var p struct{ Currency, DefaultPrice string }
	if err := json.Unmarshal([]byte(body), &p); err != nil || resp.StatusCode != 200 || p.Currency != "EUR" {
		t.Fatalf("EUR pricing: %d %s", resp.StatusCode, body)
	}
	return p.DefaultPrice
}

// sumMetric adds up the values of the metrics page's lines that start with
// prefix.
func sumMetric(t *testing.T, page, prefix string) int {
	t.Helper()
	sum := 0
	for line := range strings.Lines(page) {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		var n int
		if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &n); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		sum += n
	}
	return sum
}
