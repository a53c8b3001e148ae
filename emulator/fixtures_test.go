package emulator

import (
	"errors"
	"strings"
	"testing"
)

// problemsOf returns the problems of a refusal, or fails.
func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("refusal %v is not a *ParseError", err)
	}
	return pe.Problems
}

// TestParseFixturesYAMLAndJSON: the same fixtures read from YAML and from
// JSON give the same values, amounts kept as written (never through a
// float).
func TestParseFixturesYAMLAndJSON(t *testing.T) {
	yamlDoc := `accounts:
  - api_key: abcd1234
    secrets: Secret123abc
    balance: 0.10000001
    currency: usd
    credit_limit: -5
    settings: {dr_callback_url: "https://example.com/dr", http_forward_method: POST_JSON}
    limits: {max_calls_per_second: 3}
    auto_reload: {trx: t1, amount: 25, daily_cap: 2}
prices:
  - {type: voice, prefix: 447700900, price: 0.3}
`
	jsonDoc := `{"accounts":[{"api_key":"abcd1234","secrets":["Secret123abc"],"balance":0.10000001,"currency":"usd","credit_limit":"-5",
 "settings":{"dr_callback_url":"https://example.com/dr","http_forward_method":"POST_JSON"},"limits":{"max_calls_per_second":3},
 "auto_reload":{"trx":"t1","amount":"25","daily_cap":2}}],
 "prices":[{"type":"voice","prefix":"447700900","price":"0.3"}]}`
	for name, doc := range map[string]string{"yaml": yamlDoc, "json": jsonDoc} {
		fx, err := ParseFixtures([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		a := fx.Accounts[0]
		if a.Balance != "0.10000001" || a.Secrets[0] != "Secret123abc" || a.Limits.MaxCallsPerSecond != 3 || a.AutoReload.DailyCap != 2 ||
			a.Settings.HTTPForwardMethod != "POST_JSON" || fx.Prices[0].Prefix != "447700900" {
			t.Errorf("%s: read %+v %+v", name, a, fx.Prices)
		}
		accounts, prices, err := fx.plan()
		if err != nil {
			t.Fatal(err)
		}
		if got := accounts[0].create.Credit.String(); got != "0.10000001" {
			t.Errorf("%s: balance %s", name, got)
		}
		if accounts[0].create.Currency != "USD" || !accounts[0].create.AutoReload.Enabled || prices[0].price.String() != "0.30000000" {
			t.Errorf("%s: plan %+v %+v", name, accounts[0].create, prices[0])
		}
	}
}

// TestParseFixturesProblems: each mistake is reported with its line, all of
// them at once.
func TestParseFixturesProblems(t *testing.T) {
	for _, c := range []struct {
		doc  string
		line int
		want string
	}{
		{"accounts:\n  - api_key: abcd1234\n    balance: ten\n", 3, "not a decimal"},
		{"accounts:\n  - api_key: ab\n", 2, "4 to 64"},
		{"accounts:\n  - secrets: [Secret123abc]\n", 2, "needs an api_key"},
		{"accounts:\n  - api_key: abcd1234\n    plan: gold\n", 3, "price plans"},
		{"accounts:\n  - api_key: abcd1234\n    subaccounts:\n      - {name: x}\n", 4, "needs an api_key"},
		{"accounts:\n  - api_key: abcd1234\n    subaccounts:\n      - {api_key: abcd1234}\n", 4, "twice"},
		{"accounts:\n  - api_key: abcd1234\n    api_key: efgh5678\n", 3, "twice"},
		{"accounts:\n  - &a {api_key: abcd1234}\n", 2, "anchors"},
		{"accounts: {api_key: abcd1234}\n", 1, "must be a list"},
		{"accounts:\n  - api_key: abcd1234\n    limits: {max_calls_per_second: 0.5}\n", 3, "whole number"},
		{"accounts:\n  - api_key: abcd1234\n    auto_reload: {enabled: true}\n", 3, "needs a trx"},
		{"accounts:\n  - api_key: abcd1234\n    auto_reload: {trx: x, enabled: \"yes\"}\n", 3, "true or false"},
		{"accounts:\n  - api_key: abcd1234\n    settings:\n      mo_callback_url: ftp://x\n", 4, "settings.mo_callback_url"},
		{"accounts:\n  - api_key: abcd1234\n    balance: -1\n", 3, "below the credit_limit"},
		{"prices:\n  - {type: sms, price: 1}\n", 2, "country, a network or a prefix"},
		{"prices:\n  - {type: sms, country: \"G,B\", price: 1}\n", 2, "character"},
		{"prices:\n\n  - {type: sms, country: GB, price: -1}\n", 3, "negative"},
		{"acounts: []\n", 1, "unknown key"},
		{"accounts:\n  - api_key: abcd1234\n\tbalance: 1\n", 2, "not valid YAML"}, // the YAML reader's line: the entry the tab breaks
		{"{\n  \"accounts\": [\n    {\"api_key\": 5,}\n  ]\n}", 3, "not valid JSON"},
		{"{\n  \"accounts\": [\n    {\"api_key\": \"abcd1234\", \"balance\": \"1e3\"}\n  ]\n}", 3, "not a decimal"},
		{"{\"accounts\": []} {}", 1, "after the document"},
	} {
		_, err := ParseFixtures([]byte(c.doc))
		if err == nil {
			t.Errorf("%q: accepted", c.doc)
			continue
		}
		found := false
		for _, p := range problemsOf(t, err) {
			if p.Line == c.line && strings.Contains(p.Message, c.want) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: %v; want line %d about %q", c.doc, err, c.line, c.want)
		}
	}
	many := "accounts:\n" + strings.Repeat("  - api_key: x\n", 50)
	if _, err := ParseFixtures([]byte(many)); len(problemsOf(t, err)) != maxProblems {
		t.Errorf("50 bad accounts: %d problems reported, want the first %d", len(problemsOf(t, err)), maxProblems)
	}
}

// TestParseFixturesEmpty: an empty document (or one that says nothing) is
// no fixtures, not an error.
func TestParseFixturesEmpty(t *testing.T) {
	for _, doc := range []string{"", "---\n", "# nothing\n", "{}", "accounts: []\nprices: []\n"} {
		fx, err := ParseFixtures([]byte(doc))
		if err != nil || len(fx.Accounts)+len(fx.Prices) != 0 {
			t.Errorf("%q: %+v %v", doc, fx, err)
		}
	}
}

// FuzzParseFixtures: any input is accepted or refused with problems that
// name lines inside the document; nothing panics, and what is accepted
// passes its own check again.
func FuzzParseFixtures(f *testing.F) {
	for _, seed := range []string{
		"accounts:\n  - api_key: abcd1234\n    secrets: [Secret123abc]\n    balance: 10.00\n",
		`{"accounts":[{"api_key":"abcd1234","balance":"1"}],"prices":[{"type":"sms","country":"GB","price":"0.1"}]}`,
		"prices:\n  - {type: sms, prefix: 4477, price: 0.01}\n",
		"accounts:\n  - api_key: a\n    auto_reload: {trx: x}\n    limits: {max_calls_per_second: 9}\n",
		"[1, 2, 3]", "\ufeff{}", "a: &x [*x]\n", "\x00", `{"a":"\ud83d\ude00"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fx, err := ParseFixtures(data)
		if err != nil {
			lines := 1 // YAML also breaks lines at \r, NEL, LS and PS
			for _, br := range []string{"\n", "\r", "\u0085", "\u2028", "\u2029"} {
				lines += strings.Count(string(data), br)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || len(pe.Problems) == 0 {
				t.Fatalf("refusal without problems: %v", err)
			}
			for _, p := range pe.Problems {
				if p.Line < 0 || p.Line > lines {
					t.Fatalf("problem on line %d of a %d-line document: %v", p.Line, lines, p)
				}
			}
			return
		}
		if err := fx.Check(); err != nil {
			t.Fatalf("accepted fixtures fail their check: %v", err)
		}
	})
}
