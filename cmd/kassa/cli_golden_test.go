package main

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the CLI golden files in testdata/")

// checkGolden compares got with testdata/name.golden, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestCLIGolden runs account-holder and operator commands against a real
// kassa and compares their table, JSON and CSV output with golden files.
func TestCLIGolden(t *testing.T) {
	s := startPricedCLIServer(t)
	acct, admin := s.accountEnv(), s.adminEnv()
	// Some history for the ledger: a credit and a debit with fixed keys.
	for _, args := range [][]string{
		{"admin", "credit", cliKey, "5.25", "--reason", "goodwill", "--reference", "TICKET-7", "--idempotency-key", "k-credit"},
		{"admin", "debit", cliKey, "0.25", "--reason", "fee", "--idempotency-key", "k-debit"},
	} {
		if r := runCLI(t, "", admin, args...); r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		pricing bool
	}{
		{"balance_table", acct, []string{"balance"}, false},
		{"balance_json", acct, []string{"balance", "-o", "json"}, false},
		{"balance_csv", acct, []string{"balance", "-o", "csv"}, false},
		{"settings_table", acct, []string{"settings"}, false},
		{"settings_json", acct, []string{"settings", "-o", "json"}, false},
		{"account_table", admin, []string{"admin", "accounts", "get", cliKey}, false},
		{"account_json", admin, []string{"admin", "accounts", "get", cliKey, "-o", "json"}, false},
		{"accounts_list_table", admin, []string{"admin", "accounts", "list"}, false},
		{"ledger_table", admin, []string{"admin", "ledger", cliKey}, false},
		{"ledger_json", admin, []string{"admin", "ledger", cliKey, "-o", "json"}, false},
		{"ledger_csv", admin, []string{"admin", "ledger", cliKey, "-o", "csv"}, false},
		{"verify_table", admin, []string{"admin", "verify"}, false},
		{"pricing_country_table", acct, []string{"pricing", "country", "GB", "--type", "sms"}, true},
		{"pricing_country_json", acct, []string{"pricing", "country", "GB", "-o", "json"}, true},
		{"pricing_prefix_table", acct, []string{"pricing", "prefix", "44"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.pricing && s.PricingErr != nil {
				t.Fatalf("demo price book: %v", s.PricingErr)
			}
			r := runCLI(t, "", tt.env, tt.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			checkGolden(t, "cli_"+tt.name, r.stdout)
		})
	}
}
