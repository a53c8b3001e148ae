package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeDeck writes a rate deck into a temp dir and returns its path.
func writeDeck(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// bigDeck is a deterministic CSV deck of about 120 KiB: the same few prices
// repeated (identical repeated lines are accepted once).
func bigDeck() string {
	var b strings.Builder
	b.WriteString("country,network code,price,comment\n")
	for i := 0; b.Len() < 120<<10; i++ {
		fmt.Fprintf(&b, "GB,,0.05,row %06d\nDE,,0.07,row %06d\n", i, i)
	}
	return b.String()
}

// TestCLIPricingGolden: `pricing list` as a table and as JSON, and an
// import with --progress to a non-terminal (plain progress lines).
func TestCLIPricingGolden(t *testing.T) {
	s := startPricedCLIServer(t)
	if s.PricingErr != nil {
		t.Fatalf("demo price book: %v", s.PricingErr)
	}
	admin := s.adminEnv()
	deck := writeDeck(t, "carrier-a.csv", bigDeck())
	r := runCLI(t, "", admin, "pricing", "import", deck, "--type", "sms", "--name", "Carrier A December", "--progress")
	if r.code != 0 {
		t.Fatalf("import: exit %d: %s", r.code, r.stderr)
	}
	checkGolden(t, "cli_pricing_import_progress_stderr", r.stderr)
	checkGolden(t, "cli_pricing_import_table", r.stdout)
	for _, tt := range []struct{ name, format string }{{"pricing_list_table", "table"}, {"pricing_list_json", "json"}} {
		r := runCLI(t, "", admin, "pricing", "list", "-o", tt.format)
		if r.code != 0 {
			t.Fatalf("list: exit %d: %s", r.code, r.stderr)
		}
		checkGolden(t, "cli_"+tt.name, r.stdout)
	}
}

func TestCLIPricingImportActivateExport(t *testing.T) {
	s := startPricedCLIServer(t)
	if s.PricingErr != nil {
		t.Fatalf("demo price book: %v", s.PricingErr)
	}
	admin, acct := s.adminEnv(), s.accountEnv()
	deck := writeDeck(t, "sms.csv", "country,price\nGB,0.0444\nDE,0.07\n")
	r := runCLI(t, "", admin, "pricing", "import", deck, "--activate", "-o", "json")
	var v struct {
		Version int64 `json:"version"`
		Active  bool  `json:"active"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &v) != nil || v.Version != 2 || !v.Active {
		t.Fatalf("import --activate: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	// No progress for a small file on a non-terminal without --progress.
	if r.stderr != "" {
		t.Errorf("stderr %q, want nothing", r.stderr)
	}
	r = runCLI(t, "", acct, "pricing", "country", "GB", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"0.04440000"`) {
		t.Fatalf("GB after import --activate: %s%s", r.stdout, r.stderr)
	}
	// Export to a file (JSON from its extension), import it back, activate.
	out := filepath.Join(t.TempDir(), "sms.json")
	if r = runCLI(t, "", admin, "pricing", "export", "--type", "sms", "-O", out); r.code != 0 || !strings.Contains(r.stderr, "wrote "+out) {
		t.Fatalf("export: exit %d: %s", r.code, r.stderr)
	}
	exported, _ := os.ReadFile(out)
	if !strings.HasPrefix(string(exported), `{"count":`) {
		t.Fatalf("export is not the get-full-pricing JSON: %.80s", exported)
	}
	if r = runCLI(t, "", admin, "pricing", "import", out, "--type", "sms"); r.code != 0 || !strings.Contains(r.stderr, "imported version 3 (not active") {
		t.Fatalf("import of the export: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", admin, "pricing", "activate", "3"); r.code != 0 || !strings.Contains(r.stdout, "active") {
		t.Fatalf("activate: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if r = runCLI(t, "", admin, "pricing", "export", "3", "--type", "sms", "--format", "json"); r.code != 0 || r.stdout != string(exported) {
		t.Errorf("version 3's export differs from version 2's: exit %d", r.code)
	}
	// Scheduling: the version is listed as scheduled.
	if r = runCLI(t, "", admin, "pricing", "activate", "2", "--at", "2026-12-01T00:00:00Z"); r.code != 0 {
		t.Fatalf("activate --at: exit %d: %s", r.code, r.stderr)
	}
	r = runCLI(t, "", admin, "pricing", "list", "-o", "csv")
	// The sms decks were merged over the demo tariff: the other types
	// still hold its made-up prices, and the listing says so.
	if !strings.Contains(r.stdout, "\n2,default,CSV import,csv,2888,2026-11-26T10:00:00Z,2026-12-01T00:00:00Z,scheduled,\"demo prices (not real) for sms-transit, voice\"\n") ||
		!strings.Contains(r.stdout, "\n3,default,JSON import,json,2888,2026-11-26T10:00:00Z,2026-11-26T10:00:00Z,active,\"demo prices (not real) for sms-transit, voice\"\n") ||
		!strings.Contains(r.stdout, ",superseded,demo tariff (not real prices)\n") {
		t.Errorf("list after scheduling:\n%s", r.stdout)
	}
}

func TestCLIPricingErrors(t *testing.T) {
	s := startPricedCLIServer(t)
	admin := s.adminEnv()
	bad := writeDeck(t, "bad.csv", "country,price\nGB,0.05\nXX,0.01\nDE,-1\n")
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"bad deck", []string{"pricing", "import", bad}, exitUsage, `line 3, column "country"`},
		{"bad deck lists every problem", []string{"pricing", "import", bad}, exitUsage, "rate deck rejected (2 problems listed), nothing imported:\n  line 3, column \"country\": unknown country \"XX\"\n  line 4, column \"price\": negative price -1\n"},
		{"missing file", []string{"pricing", "import", filepath.Join(t.TempDir(), "none.csv")}, exitUsage, "no such file"},
		{"at without activate", []string{"pricing", "import", bad, "--at", "2026-12-01T00:00:00Z"}, exitUsage, "--at needs --activate"},
		{"bad at", []string{"pricing", "activate", "1", "--at", "tomorrow"}, exitUsage, "RFC 3339"},
		{"bad format", []string{"pricing", "import", bad, "--format", "xlsx"}, exitUsage, "csv or json"},
		{"bad version", []string{"pricing", "activate", "v1"}, exitUsage, "VERSION"},
		{"unknown version", []string{"pricing", "activate", "42"}, exitNotFound, "404"},
		{"unknown export version", []string{"pricing", "export", "42", "--type", "voice"}, exitNotFound, "404"},
		{"no admin token", []string{"pricing", "list", "--admin-token", ""}, exitAuth, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := admin
			if tt.name == "no admin token" {
				env = map[string]string{"KASSA_URL": s.URL, "KASSA_ADMIN_TOKEN": "wrong"}
			}
			r := runCLI(t, "", env, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want exit %d mentioning %q", r.code, r.stderr, tt.code, tt.msg)
			}
		})
	}
	if r := runCLI(t, "", admin, "pricing", "list", "-o", "csv"); strings.Count(r.stdout, "\n") != 2 {
		t.Errorf("rejected imports stored versions:\n%s", r.stdout)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 120 << 10: "120.0 KiB", 5<<20 + 3<<19: "6.5 MiB"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestProgressBar: on a terminal the bar is redrawn in place (\r) once per
// percent, and finish ends its line.
func TestProgressBar(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b, name: "deck.csv", total: 2 << 20, terminal: true, shown: -1}
	for sent := int64(0); sent <= 2<<20; sent += 1 << 10 {
		p.update(sent, 2<<20)
	}
	p.finish()
	p.finish()
	out := b.String()
	if n := strings.Count(out, "\r"); n != 101 {
		t.Errorf("%d redraws, want 101 (one per percent)", n)
	}
	if !strings.HasSuffix(out, "\ruploading deck.csv [==============================] 100% 2.0 MiB / 2.0 MiB\n") {
		t.Errorf("last redraw %q", out[strings.LastIndex(out, "\r"):])
	}
	if newProgress(&b, "x", 10<<20, false) != nil {
		t.Error("progress shown on a non-terminal without --progress")
	}
}

// TestCLIPricingImportStdin: "-" reads the deck from stdin (size unknown:
// one closing progress line with the bytes sent).
func TestCLIPricingImportStdin(t *testing.T) {
	s := startPricedCLIServer(t)
	deck := "country,price\nGB,0.0444\n"
	r := runCLI(t, deck, s.adminEnv(), "pricing", "import", "-", "--progress", "-o", "csv")
	if r.code != 0 || !strings.Contains(r.stdout, "\n2,default,CSV import,csv,") {
		t.Fatalf("import from stdin: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, fmt.Sprintf("uploaded -: %d B\n", len(deck))) {
		t.Errorf("stderr %q", r.stderr)
	}
}

// TestAtFlag: --at takes an RFC 3339 time, a date (midnight UTC) or a
// duration after now with a leading +, so that examples and scripts need no
// date that will have passed.
func TestAtFlag(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 30, 15, 500, time.UTC)
	for in, want := range map[string]time.Time{
		"":                          {},
		"2027-01-01T08:00:00+01:00": time.Date(2027, 1, 1, 7, 0, 0, 0, time.UTC),
		"2027-01-01":                time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		"+24h":                      time.Date(2026, 12, 7, 9, 30, 15, 0, time.UTC),
		"+90m":                      time.Date(2026, 12, 6, 11, 0, 15, 0, time.UTC),
		"+0s":                       time.Date(2026, 12, 6, 9, 30, 15, 0, time.UTC),
	} {
		got, err := atFlag(in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("--at %q = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"24h", "+-1h", "+", "tomorrow", "2027-13-01", "+1d"} {
		if _, err := atFlag(bad, now); err == nil || !strings.Contains(err.Error(), "a duration from now (+24h)") {
			t.Errorf("--at %q: %v, want a usage error naming the forms", bad, err)
		}
	}
}
