package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestUsageCLI: kassa usage as a table, CSV (the admin API's columns) and
// JSON; kassa statements; bad arguments are usage errors, an unknown
// account not found.
func TestUsageCLI(t *testing.T) {
	s := startCLIServer(t)
	env := s.adminEnv()
	day := func(d string) time.Time { t, _ := time.Parse(kassa.DayLayout, d); return t }
	err := s.Store.InLedgerTx(t.Context(), func(tx kassa.LedgerTx) error {
		for _, d := range []kassa.UsageDelta{
			{Account: cliKey, Day: day("2026-11-02"), Type: kassa.SMS, Country: "DE", Network: "26201", Currency: kassa.EUR, Count: 2, Units: 3, Charged: kassa.MustParseAmount("0.21")},
			{Account: cliKey, Day: day("2026-11-03"), Type: kassa.SMS, Country: "DE", Network: "26201", Currency: kassa.EUR, Refunds: 1, Refunded: kassa.MustParseAmount("0.07")},
			{Account: cliKey, Day: day("2026-11-03"), Type: kassa.Voice, Country: "FR", Network: "20801", Currency: kassa.EUR, Count: 1, Units: 4, Charged: kassa.MustParseAmount("0.4")},
		} {
			if err := tx.AddUsage(d); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", env, "usage", cliKey, "--from", "2026-11-01", "--to", "2026-11-30", "--group-by", "country", "-o", "csv")
	want := "country,currency,count,units,amount,charged,refunds,refunded\n" +
		"DE,EUR,2,3,0.14000000,0.21000000,1,0.07000000\n" +
		"FR,EUR,1,4,0.40000000,0.40000000,0,0.00000000\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("usage -o csv: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "usage", "--from", "2026-11-01", "--to", "2026-11-30", "--group-by", "account,type", "--top", "1")
	if r.code != 0 || !strings.Contains(r.stdout, "ACCOUNT") || !strings.Contains(r.stdout, "voice") || strings.Contains(r.stdout, "sms") {
		t.Errorf("usage --top 1: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "usage", cliKey, "--from", "2026-11-03", "--to", "2026-11-03", "--group-by", "day,network", "-o", "json")
	var u struct {
		Currency string           `json:"currency"`
		Rows     []map[string]any `json:"rows"`
		GroupBy  []string         `json:"group_by"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &u) != nil || u.Currency != "EUR" || len(u.Rows) != 2 ||
		u.Rows[0]["network"] != "20801" || u.Rows[0]["amount"] != "0.40000000" || u.Rows[1]["refunded"] != "0.07000000" {
		t.Errorf("usage -o json: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, "", env, "statements", cliKey, "2026-11", "-o", "csv")
	if r.code != 0 || !strings.Contains(r.stdout, "abcd1234,2026-11,EUR,opening_balance,,0.00000000\n") ||
		!strings.Contains(r.stdout, "abcd1234,2026-11,EUR,credit,1,10.00000000\n") ||
		!strings.HasSuffix(r.stdout, "abcd1234,2026-11,EUR,closing_balance,,10.00000000\n") {
		t.Errorf("statements -o csv: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, args := range [][]string{
		{"usage", cliKey, "--top", "-3"},
		{"usage", cliKey, "extra"},
		{"statements"},
		{"statements", cliKey, "November"},
		{"usage", cliKey, "-o", "yaml"},
	} {
		if r := runCLI(t, "", env, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, exitUsage, r.stderr)
		}
	}
	if r := runCLI(t, "", env, "usage", cliKey, "--group-by", "planet"); r.code == 0 || !strings.Contains(r.stderr, "group_by") {
		t.Errorf("--group-by planet: exit %d (%s)", r.code, r.stderr)
	}
	if r := runCLI(t, "", env, "statements", "nobody12", "2026-11"); r.code != exitNotFound {
		t.Errorf("unknown account: exit %d", r.code)
	}
}
