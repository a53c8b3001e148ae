package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/kassatest"
)

// call makes one request and returns the status, the headers and the body.
func call(t *testing.T, method, url, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
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
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(data)
}

// decode reads a JSON answer.
func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return v
}

// basic is the Authorization header of an api key and secret.
func basic(key, secret string) map[string]string {
	req, _ := http.NewRequest("GET", "/", nil)
	req.SetBasicAuth(key, secret)
	return map[string]string{"Authorization": req.Header.Get("Authorization")}
}

// balanceOf reads an account's balance through the public API.
func balanceOf(t *testing.T, srv *kassatest.Server, key, secret string) string {
	t.Helper()
	status, _, body := call(t, "GET", srv.URL+"/account/get-balance", "", basic(key, secret))
	if status != 200 {
		t.Fatalf("get-balance of %s: %d %s", key, status, body)
	}
	var b struct {
		Value json.Number `json:"value"`
	}
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	return b.Value.String()
}

const fixtureYAML = `# two accounts and a price
accounts:
  - api_key: abcd1234
    secrets: [Secret123abc, Other456Secret]
    balance: 10.00
    settings:
      mo_callback_url: http://127.0.0.1:9/mo
  - api_key: efgh5678
    secrets: [Efgh5678Secret]
    balance: "-2.50"
    credit_limit: "-5"
    currency: USD
prices:
  - type: sms
    country: GB
    price: "0.0123"
`

// TestFixturesLoadAndReset: fixtures posted as YAML load (accounts, second
// secret, settings, negative balance, a price over the demo tariff); what
// the tests change afterwards goes away on reset, in milliseconds.
func TestFixturesLoadAndReset(t *testing.T) {
	srv := kassatest.New(t)
	status, _, body := call(t, "POST", srv.URL+"/_emulator/fixtures", fixtureYAML, map[string]string{"Content-Type": "application/yaml"})
	if status != 200 {
		t.Fatalf("load fixtures: %d %s", status, body)
	}
	if got := balanceOf(t, srv, "abcd1234", "Secret123abc"); got != "10.00" {
		t.Errorf("fixture balance = %s, want 10.00", got)
	}
	if got := balanceOf(t, srv, "abcd1234", "Other456Secret"); got != "10.00" {
		t.Errorf("balance with the second secret = %s", got)
	}
	if got := balanceOf(t, srv, "efgh5678", "Efgh5678Secret"); got != "-2.50" {
		t.Errorf("negative fixture balance = %s, want -2.50", got)
	}
	_, _, settings := call(t, "POST", srv.URL+"/account/settings", "", basic("abcd1234", "Secret123abc"))
	if !strings.Contains(settings, `"mo-callback-url":"http://127.0.0.1:9/mo"`) {
		t.Errorf("fixture settings: %s", settings)
	}
	_, _, price := call(t, "GET", srv.URL+"/account/get-pricing/outbound/sms?country=GB", "", basic("abcd1234", "Secret123abc"))
	if !strings.Contains(price, `"defaultPrice":"0.01230000"`) {
		t.Errorf("the fixture's GB price is not in force: %.200s", price)
	}

	// Change things: a top-up, a new secret, a fault, a clock move.
	if status, _, body := call(t, "POST", srv.URL+"/account/top-up", "trx=x", basic("abcd1234", "Secret123abc")); status != 401 {
		t.Errorf("top-up without auto-reload: %d %s, want 401", status, body)
	}
	status, _, body = call(t, "POST", srv.URL+"/admin/v1/accounts/abcd1234/credits", `{"amount":"5","reason":"gift"}`,
		map[string]string{"Authorization": "Bearer " + srv.AdminToken, "Idempotency-Key": "gift-1"})
	if status != 201 {
		t.Fatalf("admin credit: %d %s", status, body)
	}
	if got := balanceOf(t, srv, "abcd1234", "Secret123abc"); got != "15.00" {
		t.Fatalf("balance after the credit = %s", got)
	}
	srv.Fault(kassatest.Fault{Path: "/nowhere", Status: 418})
	srv.Advance(3600e9)

	status, _, body = call(t, "POST", srv.URL+"/_emulator/reset", "", nil)
	if status != 200 {
		t.Fatalf("reset: %d %s", status, body)
	}
	took := decode[struct {
		TookMS float64 `json:"took_ms"`
	}](t, body)
	t.Logf("reset took %.2f ms", took.TookMS)
	if got := balanceOf(t, srv, "abcd1234", "Secret123abc"); got != "10.00" {
		t.Errorf("balance after reset = %s, want the fixture's 10.00", got)
	}
	if status, _, _ := call(t, "POST", srv.URL+"/admin/v1/accounts/abcd1234/credits", `{"amount":"5","reason":"gift"}`,
		map[string]string{"Authorization": "Bearer " + srv.AdminToken, "Idempotency-Key": "gift-1"}); status != 201 {
		t.Errorf("the idempotency key of a credit undone by the reset: %d, want a new credit (201)", status)
	}
	if n := len(srv.Emulator().Faults().List()); n != 0 {
		t.Errorf("%d faults after reset, want none", n)
	}
	if off := srv.Emulator().Clock().Offset(); off != 0 {
		t.Errorf("clock %s ahead after reset, want the real time", off)
	}
	_, _, fx := call(t, "GET", srv.URL+"/_emulator/fixtures", "", nil)
	if !strings.Contains(fx, `"api_key":"efgh5678"`) {
		t.Errorf("GET fixtures: %s", fx)
	}
}

// TestFixturesRefusedWithLines: a fixture document with mistakes is refused
// whole, every problem named with its line, and the loaded fixtures stay.
func TestFixturesRefusedWithLines(t *testing.T) {
	srv := kassatest.New(t, kassatest.WithAccount("keep0001", "Keep0001Secret", "1.00"))
	bad := `accounts:
  - api_key: abcd1234
    balanse: 10
  - api_key: abcd1234
    secrets: [short]
    currency: GBP
prices:
  - type: fax
    country: GB
    price: "0.1"
`
	status, _, body := call(t, "POST", srv.URL+"/_emulator/fixtures", bad, nil)
	if status != 400 {
		t.Fatalf("bad fixtures: %d %s, want 400", status, body)
	}
	p := decode[struct {
		Problems []struct {
			Line    int    `json:"line"`
			Message string `json:"message"`
		} `json:"problems"`
	}](t, body)
	want := map[int]string{3: "balanse", 4: "twice", 5: "secret 1", 6: "GBP", 8: "fax"}
	for line, word := range want {
		found := false
		for _, pr := range p.Problems {
			if pr.Line == line && strings.Contains(pr.Message, word) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem on line %d about %q in %s", line, word, body)
		}
	}
	if got := balanceOf(t, srv, "keep0001", "Keep0001Secret"); got != "1.00" {
		t.Errorf("the loaded fixtures after a refused load: %s", got)
	}
	// A clash with an existing account is found when writing: named too,
	// and rolled back.
	clash := "{\n  \"accounts\": [\n    {\"api_key\": \"fine0001\", \"secrets\": [\"Fine0001Secret\"]},\n    {\"api_key\": \"keep0001\", \"secrets\": [\"Keep0001Secret\"]}\n  ]\n}"
	status, _, body = call(t, "POST", srv.URL+"/_emulator/fixtures?add=true", clash, nil)
	if status != 400 || !strings.Contains(body, `"line":4`) || !strings.Contains(body, "exists already") {
		t.Errorf("JSON fixture with an api key that exists: %d %s, want 400 on line 4", status, body)
	}
	if status, _, _ := call(t, "GET", srv.URL+"/account/get-balance", "", basic("fine0001", "Fine0001Secret")); status != 401 {
		t.Errorf("an account of the refused document exists (status %d)", status)
	}
}

// TestFixturesSubaccounts: subaccounts load under their primary with the
// keys given, a balance of their own when asked, suspended when asked, and
// come back on reset; a balance on a subaccount that spends its primary's
// is refused with its line.
func TestFixturesSubaccounts(t *testing.T) {
	srv := kassatest.New(t)
	doc := `accounts:
  - api_key: prim0001
    secrets: [Prim0001Secret]
    balance: 20
    subaccounts:
      - api_key: subs0001
        name: Shared team
        secrets: [Subs0001Secret]
      - api_key: subs0002
        secrets: [Subs0002Secret]
        use_primary_account_balance: false
        balance: 3.50
      - api_key: subs0003
        secrets: [Subs0003Secret]
        suspended: true
`
	if status, _, body := call(t, "POST", srv.URL+"/_emulator/fixtures", doc, nil); status != 200 {
		t.Fatalf("load: %d %s", status, body)
	}
	admin := map[string]string{"Authorization": "Bearer " + srv.AdminToken}
	check := func(when string) {
		t.Helper()
		status, _, tree := call(t, "GET", srv.URL+"/admin/v1/accounts/prim0001/subaccounts", "", admin)
		if status != 200 || !strings.Contains(tree, "subs0001") || !strings.Contains(tree, "subs0002") || !strings.Contains(tree, "Shared team") {
			t.Errorf("%s: the primary's subaccounts: %d %s", when, status, tree)
		}
		if got := balanceOf(t, srv, "subs0002", "Subs0002Secret"); got != "3.50" {
			t.Errorf("%s: own balance of subs0002 = %s, want 3.50", when, got)
		}
		if status, _, _ := call(t, "GET", srv.URL+"/account/get-balance", "", basic("subs0003", "Subs0003Secret")); status != 401 {
			t.Errorf("%s: the suspended subaccount's credentials: %d, want 401", when, status)
		}
		if got := balanceOf(t, srv, "prim0001", "Prim0001Secret"); got != "20.00" {
			t.Errorf("%s: primary balance = %s, want 20.00", when, got)
		}
	}
	check("loaded")
	srv.Reset()
	check("after reset")

	bad := "accounts:\n  - api_key: prim0002\n    subaccounts:\n      - api_key: subs0009\n        balance: 1\n"
	status, _, body := call(t, "POST", srv.URL+"/_emulator/fixtures", bad, nil)
	if status != 400 || !strings.Contains(body, `"line":5`) || !strings.Contains(body, "use_primary_account_balance") {
		t.Errorf("a balance on a shared subaccount: %d %s, want 400 on line 5", status, body)
	}
}
