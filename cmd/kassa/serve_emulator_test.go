package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeEmulator: kassa serve --emulator --fixtures serves the fixture
// account, the control API and top-ups without a gateway; a restart on the
// same data directory starts from the first start's state again.
func TestServeEmulator(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	fx := filepath.Join(dir, "fixtures.yaml")
	if err := os.WriteFile(fx, []byte("accounts:\n  - api_key: emu00001\n    secrets: [Emu00001Secret]\n    balance: 30\n    auto_reload: {trx: emu-trx}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		base, stdout, _, stop := startServeFull(t, noEnv, "--emulator", "--fixtures", fx, "--data", data, "--addr", "127.0.0.1:0",
			"--demo-key", "emudemo1", "--demo-secret", "EmuDemo1Secret", "--access-log", "off")
		if !strings.Contains(stdout.String(), "/_emulator/") {
			t.Errorf("the banner does not name the control API:\n%s", stdout.String())
		}
		if code, body := httpGet(t, base+"/account/get-balance", "emu00001", "Emu00001Secret"); code != 200 || !strings.Contains(body, `"value":30.00`) {
			t.Errorf("round %d: fixture balance: %d %s", round, code, body)
		}
		resp, body := do(t, "POST", base+"/account/top-up", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "api_key=emu00001&api_secret=Emu00001Secret&trx=emu-trx")
		if resp.StatusCode != 200 {
			t.Errorf("round %d: top-up under --emulator (ledger-only): %d %s", round, resp.StatusCode, body)
		}
		resp, body = do(t, "GET", base+"/_emulator/requests?path=/account/top-up", nil, "")
		if resp.StatusCode != 200 || !strings.Contains(body, `"credentials":"body"`) || strings.Contains(body, "Emu00001Secret") {
			t.Errorf("round %d: journal: %d %s", round, resp.StatusCode, body)
		}
		if resp, body := do(t, "POST", base+"/_emulator/reset", nil, ""); resp.StatusCode != 200 {
			t.Errorf("round %d: reset: %d %s", round, resp.StatusCode, body)
		}
		if code, body := httpGet(t, base+"/account/get-balance", "emu00001", "Emu00001Secret"); code != 200 || !strings.Contains(body, `"value":30.00`) {
			t.Errorf("round %d: balance after reset: %d %s", round, code, body)
		}
		// Changed, not reset: the next start must not see it.
		do(t, "POST", base+"/account/top-up", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "api_key=emu00001&api_secret=Emu00001Secret&trx=emu-trx")
		if code := stop(); code != 0 {
			t.Fatalf("round %d: exit %d", round, code)
		}
	}
}

// TestServeEmulatorRefusals: --emulator refuses a PostgreSQL store, --demo
// off and a data directory holding a database it did not create; --fixtures
// needs --emulator; a bad fixture file is refused naming its line. Each is a
// usage error (exit 2).
func TestServeEmulatorRefusals(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("accounts:\n  - api_key: ok000001\n    colour: blue\n"), 0o600)
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("accounts: []\n"), 0o600)
	real := t.TempDir()
	_, _, _, stop := startServeFull(t, noEnv, "--data", real, "--addr", "127.0.0.1:0")
	stop()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--emulator", "--store", "postgres://u@localhost/db"}, "PostgreSQL"},
		{[]string{"--emulator", "--demo", "off"}, "--demo off"},
		{[]string{"--fixtures", good}, "add --emulator"},
		{[]string{"--emulator", "--fixtures", bad}, "line 3"},
		{[]string{"--emulator", "--data", real}, "did not create"},
	} {
		args := append([]string{"serve", "--addr", "127.0.0.1:0"}, c.args...)
		if !strings.Contains(strings.Join(c.args, " "), "--data") {
			args = append(args, "--data", t.TempDir())
		}
		code, _, stderr := runCmd(t, noEnv, args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("kassa %s: exit %d, %s; want %d mentioning %q", strings.Join(args, " "), code, stderr, exitUsage, c.want)
		}
	}
}

// TestServeWithoutEmulatorHasNoControlAPI: without --emulator every
// /_emulator/ path is a 404.
func TestServeWithoutEmulatorHasNoControlAPI(t *testing.T) {
	base, _, _, stop := startServeFull(t, noEnv, "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--access-log", "off")
	defer stop()
	for _, path := range []string{"/_emulator", "/_emulator/", "/_emulator/reset", "/_emulator/requests", "/_emulator/faults", "/_emulator/clock", "/_emulator/fixtures"} {
		for _, method := range []string{"GET", "POST", "DELETE"} {
			if resp, body := do(t, method, base+path, nil, ""); resp.StatusCode != 404 {
				t.Errorf("%s %s without --emulator: %d %s", method, path, resp.StatusCode, body)
			}
		}
	}
}
