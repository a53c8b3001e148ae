package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// serverCommands are the commands that run the server or work on its store;
// their --help needs examples too.
var serverCommands = map[string]bool{"serve": true, "verify": true, "migrate": true, "backup": true, "restore": true}

// cliCommands are the top-level commands this file's tests cover (the
// client commands; serve and the store commands have their own tests).
var cliCommands = map[string]bool{"balance": true, "pricing": true, "settings": true, "secrets": true, "topup": true, "admin": true, "events": true, "webhooks": true}

// TestCLIHelpHasExamples runs --help for every client command and checks
// that it shows an example.
func TestCLIHelpHasExamples(t *testing.T) {
	root := newRootCmd(&env{getenv: func(string) string { return "" }})
	var paths [][]string
	var walk func(c *cobra.Command, path []string)
	walk = func(c *cobra.Command, path []string) {
		for _, sub := range c.Commands() {
			p := append(append([]string{}, path...), sub.Name())
			if len(path) == 0 && !cliCommands[sub.Name()] && !serverCommands[sub.Name()] {
				continue
			}
			paths = append(paths, p)
			walk(sub, p)
		}
	}
	walk(root, nil)
	if len(paths) < 20 {
		t.Fatalf("found only %d client commands: %v", len(paths), paths)
	}
	for _, p := range paths {
		r := runCLI(t, "", nil, append(p, "--help")...)
		if r.code != 0 {
			t.Errorf("kassa %s --help: exit %d: %s", strings.Join(p, " "), r.code, r.stderr)
			continue
		}
		_, examples, ok := strings.Cut(r.stdout, "Examples:\n")
		if !ok || !strings.Contains(examples, "kassa "+strings.Join(p, " ")) {
			t.Errorf("kassa %s --help shows no example:\n%s", strings.Join(p, " "), r.stdout)
		}
	}
}

func TestCLICompletion(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish"} {
		r := runCLI(t, "", nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, "kassa") || len(r.stdout) < 500 {
			t.Errorf("completion %s: exit %d, %d bytes: %s", shell, r.code, len(r.stdout), r.stderr)
		}
	}
}

func TestCLIExitCodes(t *testing.T) {
	s := startCLIServer(t)
	wrong := s.accountEnv()
	wrong["KASSA_API_SECRET"] = "Wrong1234"
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		msg  string // in stderr
	}{
		{"bad secret", wrong, []string{"balance"}, exitAuth, "authentication failed"},
		{"bad admin token", map[string]string{"KASSA_URL": s.URL, "KASSA_ADMIN_TOKEN": "nope"}, []string{"admin", "accounts", "get", cliKey}, exitAuth, "401"},
		{"unknown account", s.adminEnv(), []string{"admin", "accounts", "get", "nosuchkey"}, exitNotFound, "404"},
		{"unknown secret", s.accountEnv(), []string{"secrets", "get", "01234567-aaaa-bbbb-cccc-defdefdefdef"}, exitNotFound, "404"},
		{"overdraft", s.adminEnv(), []string{"admin", "debit", cliKey, "100", "--reason", "x"}, exitConflict, "402"},
		{"revoke unknown secret", s.accountEnv(), []string{"secrets", "revoke", "01234567-aaaa-bbbb-cccc-defdefdefdef"}, exitNotFound, "404"},
		{"top-up without auto-reload", s.accountEnv(), []string{"topup", "trx-1"}, exitConflict, "not auto-reload enabled"},
		{"server down", map[string]string{"KASSA_URL": closed.URL, "KASSA_API_KEY": "k", "KASSA_API_SECRET": "s"}, []string{"balance"}, exitUnavailable, "connection refused"},
		{"no credentials", map[string]string{"KASSA_URL": s.URL}, []string{"balance"}, exitUsage, "no account credentials"},
		{"no admin token", map[string]string{"KASSA_URL": s.URL}, []string{"admin", "verify"}, exitUsage, "no admin token"},
		{"bad output", s.accountEnv(), []string{"balance", "-o", "yaml"}, exitUsage, "table, json or csv"},
		{"bad flag", s.accountEnv(), []string{"balance", "--nope"}, exitUsage, "unknown flag"},
		{"missing argument", s.accountEnv(), []string{"topup"}, exitUsage, "needs TRX"},
		{"bad amount", s.adminEnv(), []string{"admin", "credit", cliKey, "1,5", "--reason", "x"}, exitUsage, "AMOUNT"},
		{"missing reason", s.adminEnv(), []string{"admin", "credit", cliKey, "1"}, exitUsage, "--reason"},
		{"bad type", s.accountEnv(), []string{"pricing", "full", "--type", "fax"}, exitUsage, "--type"},
		{"bad since", s.adminEnv(), []string{"admin", "ledger", cliKey, "--since", "yesterday"}, exitUsage, "--since"},
		{"bad kind", s.adminEnv(), []string{"admin", "ledger", cliKey, "--kind", "gift"}, exitUsage, "--kind"},
		{"bad url", map[string]string{"KASSA_URL": "localhost:8080", "KASSA_API_KEY": "k", "KASSA_API_SECRET": "s"}, []string{"balance"}, exitUsage, "http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, tt.code, tt.msg)
			}
			if strings.Contains(r.stderr, cliSecret) || strings.Contains(r.stderr, cliAdminToken) {
				t.Fatalf("stderr shows a credential: %q", r.stderr)
			}
		})
	}
}

func TestCLISecrets(t *testing.T) {
	s := startCLIServer(t)
	env := s.accountEnv()
	// The secret comes from stdin, so that it is not in argv.
	r := runCLI(t, "Second456\n", env, "secrets", "create", "-o", "json")
	if r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	var created []struct{ ID string }
	if err := json.Unmarshal([]byte(r.stdout), &created); err != nil || len(created) != 1 || created[0].ID == "" {
		t.Fatalf("create output %q: %v", r.stdout, err)
	}
	r = runCLI(t, "", env, "secrets", "list")
	if r.code != 0 || strings.Count(r.stdout, "\n") != 3 || !strings.Contains(r.stdout, created[0].ID) {
		t.Fatalf("list: exit %d:\n%s", r.code, r.stdout)
	}
	// A third secret is over the limit: exit 5.
	if r = runCLI(t, "", env, "secrets", "create", "Third7890"); r.code != exitConflict {
		t.Fatalf("third secret: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "secrets", "revoke", created[0].ID); r.code != 0 {
		t.Fatalf("revoke: exit %d: %s", r.code, r.stderr)
	}
	// Now only the first is left, and it cannot go.
	r = runCLI(t, "", env, "secrets", "list", "-o", "csv")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || lines[0] != "id,created_at" {
		t.Fatalf("list after revoke:\n%s", r.stdout)
	}
	last := strings.Split(lines[1], ",")[0]
	if r = runCLI(t, "", env, "secrets", "revoke", last); r.code != exitConflict || !strings.Contains(r.stderr, "403") {
		t.Fatalf("revoke the last: exit %d: %s", r.code, r.stderr)
	}
}

func TestCLISettingsUpdate(t *testing.T) {
	s := startCLIServer(t)
	env := s.accountEnv()
	mo := s.CallbackURL + "/mo"
	r := runCLI(t, "", env, "settings", "--mo-url", mo, "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"mo-callback-url": "`+mo+`"`) {
		t.Fatalf("set mo: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// --dr-url "" unsets; --mo-url not given keeps its value.
	r = runCLI(t, "", env, "settings", "--dr-url", "", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"mo-callback-url": "`+mo+`"`) || !strings.Contains(r.stdout, `"dr-callback-url": ""`) {
		t.Fatalf("unset dr: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// A URL that does not answer is refused (exit 5); a malformed one is a usage error.
	if r = runCLI(t, "", env, "settings", "--dr-url", "http://127.0.0.1:1/dr"); r.code != exitConflict {
		t.Fatalf("dead URL: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", env, "settings", "--dr-url", "not a url"); r.code != exitUsage {
		t.Fatalf("malformed URL: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, "", env, "settings", "--mo-url", "")
	if r.code != 0 || !regexp.MustCompile(`MO_CALLBACK_URL\s+-\n`).MatchString(r.stdout) {
		t.Fatalf("unset mo: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestCLITopUpAndAutoReload(t *testing.T) {
	s := startCLIServer(t)
	r := runCLI(t, "", s.adminEnv(), "admin", "autoreload", "set", cliKey, "--trx", "trx-42", "--amount", "50", "--threshold", "5", "--daily-cap", "2", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"enabled": true`) || !strings.Contains(r.stdout, `"amount": "50.00000000"`) {
		t.Fatalf("autoreload set: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", s.accountEnv(), "topup", "trx-42"); r.code != 0 || !strings.Contains(r.stdout, "success") {
		t.Fatalf("topup: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", s.accountEnv(), "balance", "-o", "json"); !strings.Contains(r.stdout, `"value": 60.00`) || !strings.Contains(r.stdout, `"autoReload": true`) {
		t.Fatalf("balance after top-up: %s", r.stdout)
	}
	// --disable keeps the rest.
	r = runCLI(t, "", s.adminEnv(), "admin", "autoreload", "set", cliKey, "--disable", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"enabled": false`) || !strings.Contains(r.stdout, `"trx": "trx-42"`) {
		t.Fatalf("autoreload disable: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
}

func TestCLILimitsAndCreditLimit(t *testing.T) {
	s := startCLIServer(t)
	r := runCLI(t, "", s.adminEnv(), "admin", "limits", "set", cliKey, "--max-outbound", "50", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"max_outbound_request": 50`) || !strings.Contains(r.stdout, `"max_inbound_request": 30`) {
		t.Fatalf("limits set: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", s.adminEnv(), "admin", "limits", "set", cliKey, "--max-calls", "0"); r.code != exitUsage {
		t.Fatalf("limits 0: exit %d", r.code)
	}
	r = runCLI(t, "", s.adminEnv(), "admin", "credit-limit", "set", "-o", "json", cliKey, "--", "-5")
	if r.code != 0 || !strings.Contains(r.stdout, `"credit_limit": "-5.00000000"`) {
		t.Fatalf("credit-limit set: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// 10 + 5 of credit: a debit of 15 passes, one more cent does not.
	if r = runCLI(t, "", s.adminEnv(), "admin", "debit", cliKey, "15", "--reason", "x"); r.code != 0 {
		t.Fatalf("debit to the floor: exit %d: %s", r.code, r.stderr)
	}
	if r = runCLI(t, "", s.adminEnv(), "admin", "debit", cliKey, "0.01", "--reason", "x"); r.code != exitConflict {
		t.Fatalf("debit past the floor: exit %d: %s", r.code, r.stderr)
	}
}

func TestCLICreditPrintsGeneratedKey(t *testing.T) {
	s := startCLIServer(t)
	r := runCLI(t, "", s.adminEnv(), "admin", "credit", cliKey, "1", "--reason", "x", "-o", "json")
	m := regexp.MustCompile(`idempotency key: ([0-9a-f]{32})\n`).FindStringSubmatch(r.stderr)
	if r.code != 0 || m == nil {
		t.Fatalf("exit %d, stderr %q: want the generated key", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"idempotency_key": "`+m[1]+`"`) {
		t.Fatalf("the entry does not carry the printed key %s:\n%s", m[1], r.stdout)
	}
	// Repeating with the printed key changes nothing.
	r = runCLI(t, "", s.adminEnv(), "admin", "credit", cliKey, "1", "--reason", "x", "--idempotency-key", m[1])
	if r.code != 0 || !strings.Contains(r.stderr, "replayed") {
		t.Fatalf("repeat: exit %d, stderr %q", r.code, r.stderr)
	}
	if r = runCLI(t, "", s.accountEnv(), "balance", "-o", "csv"); !strings.Contains(r.stdout, "11.00,") {
		t.Fatalf("balance after a credit and its replay: %s", r.stdout)
	}
}

func TestCLIAccountsCreate(t *testing.T) {
	s := startCLIServer(t)
	r := runCLI(t, "", s.adminEnv(), "admin", "accounts", "create", "--currency", "USD", "--credit", "3", "--credit-limit", "-1", "-o", "json")
	var a struct {
		APIKey      string `json:"api_key"`
		APISecret   string `json:"api_secret"`
		Balance     string `json:"balance"`
		CreditLimit string `json:"credit_limit"`
		Currency    string `json:"currency"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &a) != nil {
		t.Fatalf("create: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if a.APIKey == "" || a.APISecret == "" || a.Balance != "3.00000000" || a.CreditLimit != "-1.00000000" || a.Currency != "USD" {
		t.Fatalf("created %+v", a)
	}
	// The new credentials work from the CLI.
	env := map[string]string{"KASSA_URL": s.URL, "KASSA_API_KEY": a.APIKey, "KASSA_API_SECRET": a.APISecret}
	if r = runCLI(t, "", env, "balance"); r.code != 0 || !strings.Contains(r.stdout, "3.00") {
		t.Fatalf("balance of the new account: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", s.adminEnv(), "admin", "accounts", "list", "--search", a.APIKey[:3], "-o", "csv")
	if r.code != 0 || !strings.Contains(r.stdout, a.APIKey+",USD,3.00000000") {
		t.Fatalf("list: exit %d: %s", r.code, r.stdout)
	}
}

// TestCLIConfigPrecedence: a flag beats the environment, which beats the
// config file.
func TestCLIConfigPrecedence(t *testing.T) {
	s := startCLIServer(t)
	dir := t.TempDir()
	write := func(name string, v map[string]string) string {
		b, _ := json.Marshal(v)
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.json", map[string]string{"url": s.URL, "api_key": cliKey, "api_secret": cliSecret})
	bad := write("bad.json", map[string]string{"url": s.URL, "api_key": cliKey, "api_secret": "Wrong1234"})

	if r := runCLI(t, "", nil, "balance", "--config", good); r.code != 0 {
		t.Fatalf("file only: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", map[string]string{"KASSA_CONFIG": good}, "balance"); r.code != 0 {
		t.Fatalf("KASSA_CONFIG: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", map[string]string{"KASSA_API_SECRET": cliSecret}, "balance", "--config", bad); r.code != 0 {
		t.Fatalf("env over file: exit %d: %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", map[string]string{"KASSA_API_SECRET": "Wrong1234"}, "balance", "--config", good); r.code != exitAuth {
		t.Fatalf("env over file (wrong env): exit %d, want %d", r.code, exitAuth)
	}
	if r := runCLI(t, "", map[string]string{"KASSA_API_SECRET": "Wrong1234"}, "balance", "--config", bad, "--api-secret", cliSecret); r.code != 0 {
		t.Fatalf("flag over env: exit %d: %s", r.code, r.stderr)
	}
	// The Vonage variables work too; KASSA_ ones win.
	vonage := map[string]string{"KASSA_URL": s.URL, "VONAGE_API_KEY": cliKey, "VONAGE_API_SECRET": cliSecret}
	if r := runCLI(t, "", vonage, "balance"); r.code != 0 {
		t.Fatalf("VONAGE_*: exit %d: %s", r.code, r.stderr)
	}
	vonage["KASSA_API_SECRET"] = "Wrong1234"
	if r := runCLI(t, "", vonage, "balance"); r.code != exitAuth {
		t.Fatalf("KASSA_ over VONAGE_: exit %d", r.code)
	}
	// The default file is $HOME/.config/kassa/config.json.
	home := t.TempDir()
	if err := os.MkdirAll(filepath.Join(home, ".config", "kassa"), 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(good)
	if err := os.WriteFile(filepath.Join(home, ".config", "kassa", "config.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", map[string]string{"HOME": home}, "balance"); r.code != 0 {
		t.Fatalf("default config file: exit %d: %s", r.code, r.stderr)
	}
	// A missing --config file and a malformed one are usage errors.
	if r := runCLI(t, "", nil, "balance", "--config", filepath.Join(dir, "none.json")); r.code != exitUsage {
		t.Fatalf("missing --config: exit %d", r.code)
	}
	junk := write("junk.json", map[string]string{"api_secert": "typo"})
	if r := runCLI(t, "", nil, "balance", "--config", junk); r.code != exitUsage || !strings.Contains(r.stderr, "api_secert") {
		t.Fatalf("unknown key in config: exit %d: %s", r.code, r.stderr)
	}
}

func TestCLIAudit(t *testing.T) {
	s := startCLIServer(t)
	if r := runCLI(t, "", s.adminEnv(), "admin", "limits", "set", cliKey, "--max-calls", "50"); r.code != 0 {
		t.Fatalf("limits: exit %d: %s", r.code, r.stderr)
	}
	r := runCLI(t, "", s.adminEnv(), "admin", "audit", "--account", cliKey, "-o", "csv")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) < 3 || lines[0] != "id,at,actor,account,action,remote_addr,detail" {
		t.Fatalf("audit: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(lines[1], ",admin,"+cliKey+",") {
		t.Fatalf("newest event %q, want the admin's limits change", lines[1])
	}
}
