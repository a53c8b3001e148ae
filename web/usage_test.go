package web

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// seedCharges charges testKey n messages to each of the destinations
// (country, network, unit price) through the ledger, and returns what was
// charged in all.
func seedCharges(t testing.TB, e *env, n int) kassa.Amount {
	t.Helper()
	dests := []struct{ country, network, to, price string }{
		{"GB", "23410", "447700900123", "0.0415"},
		{"DE", "26201", "4915112345678", "0.0731"},
		{"FR", "", "33612345678", "0.06250001"},
	}
	var total kassa.Amount
	for i := range n {
		for _, d := range dests {
			price := kassa.MustParseAmount(d.price)
			_, _, err := e.ledger.Charge(context.Background(), charging.ChargeRequest{Account: testKey, Type: kassa.SMS, To: d.to, Units: 1,
				Rating:         kassa.Rating{Country: d.country, NetworkCode: d.network, UnitPrice: price, Currency: kassa.EUR},
				IdempotencyKey: fmt.Sprintf("seed-%s-%d", d.country, i)})
			if err != nil {
				t.Fatalf("charge %s: %v", d.country, err)
			}
			total += price
		}
	}
	return total
}

// TestUsagePage: the account holder's usage page shows what the ledger
// charged, in the chart (stacked by country, with its figures as a table),
// the table by country and network, and the CSV download; a bad month is a
// 400.
func TestUsagePage(t *testing.T) {
	e := newEnv(t, false)
	total := seedCharges(t, e, 3)
	b := e.browser()
	b.signIn(testKey, testSecret)
	p := b.get("/ui/usage")
	if p.status != http.StatusOK {
		t.Fatalf("usage page: %d", p.status)
	}
	for _, want := range []string{
		`id="usage-total" class="big">` + total.Decimal() + ` <span class="cur">EUR</span>`,
		`<svg class="chart usage"`, `<rect class="s0"`, `id="usage-days"`,
		`<td>GB</td><td><code>23410</code></td><td class="num">3</td><td class="num">3</td><td class="num">0.1245</td>`,
		`<td>FR</td><td><span class="muted">country price</span></td>`,
		`id="usage-count" class="big">9<`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("usage page lacks %q", want)
		}
	}

	csvPage := b.get("/ui/usage.csv")
	if csvPage.status != http.StatusOK || !strings.HasPrefix(csvPage.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(csvPage.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v", csvPage.status, csvPage.header)
	}
	records, err := csv.NewReader(strings.NewReader(csvPage.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var sum kassa.Amount
	for _, rec := range records[1:] {
		sum += kassa.MustParseAmount(rec[5])
	}
	if strings.Join(records[0], ",") != "day,country,network,count,units,amount,currency" || len(records) != 4 || sum != total {
		t.Errorf("csv: %d records summing to %s, want 3 rows summing to %s:\n%s", len(records)-1, sum, total, csvPage.body)
	}

	if p := b.get("/ui/usage?month=2026-13"); p.status != http.StatusBadRequest || !strings.Contains(p.body, "YYYY-MM") {
		t.Errorf("a bad month: %d", p.status)
	}
	month := time.Now().UTC().AddDate(0, -1, 0).Format(kassa.MonthLayout)
	if p := b.get("/ui/usage?month=" + month); p.status != http.StatusOK || !strings.Contains(p.body, "Nothing was charged in this period.") {
		t.Errorf("last month (nothing charged): %d", p.status)
	}
}

// statementFigures reads the opening, every line and the closing balance
// of a statement page.
func statementFigures(t *testing.T, body string) (opening, sum, closing kassa.Amount) {
	t.Helper()
	get := func(id string) kassa.Amount {
		m := regexp.MustCompile(`id="` + id + `">([-0-9.]+)<`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("statement has no %s:\n%s", id, body)
		}
		return kassa.MustParseAmount(m[1])
	}
	for _, m := range regexp.MustCompile(`<tr><th scope="row">[a-z-]+</th><td class="num">\d+</td><td class="num (?:plus|minus)">([-0-9.]+)</td></tr>`).FindAllStringSubmatch(body, -1) {
		sum += kassa.MustParseAmount(m[1])
	}
	return get("opening"), sum, get("closing")
}

// TestStatementPage: the statement's opening balance plus its lines is its
// closing balance, which is the account's balance this month; operators
// read any account's, account holders only their own; a bad month is 400.
func TestStatementPage(t *testing.T) {
	e := newEnv(t, false)
	seedLedger(t, e)
	seedCharges(t, e, 2)
	b := e.browser()
	b.signIn(testKey, testSecret)
	p := b.get("/ui/statement")
	if p.status != http.StatusOK {
		t.Fatalf("statement: %d", p.status)
	}
	opening, sum, closing := statementFigures(t, p.body)
	if opening+sum != closing || closing != e.account(testKey).Balance {
		t.Errorf("statement: opening %s + lines %s, closing %s, balance %s", opening, sum, closing, e.account(testKey).Balance)
	}
	if !strings.Contains(p.body, `<th scope="row">charge</th><td class="num">6</td>`) || !strings.Contains(p.body, "data-print") {
		t.Errorf("statement lacks the charges' line or the print button:\n%s", p.body)
	}
	if p := b.get("/ui/statement?month=26-11"); p.status != http.StatusBadRequest {
		t.Errorf("a bad month: %d", p.status)
	}
	if p := b.get("/ui/operator/accounts/" + testKey + "/statement"); p.status == http.StatusOK {
		t.Error("an account holder read the operator's statement page")
	}

	op := e.browser()
	op.signInOperator()
	p = op.get("/ui/operator/accounts/" + testKey + "/statement")
	if o2, s2, c2 := statementFigures(t, p.body); p.status != http.StatusOK || o2 != opening || s2 != sum || c2 != closing {
		t.Errorf("the operator's statement: %d, %s %s %s", p.status, o2, s2, c2)
	}
	if p := op.get("/ui/operator/accounts/nobody00/statement"); p.status != http.StatusNotFound {
		t.Errorf("an unknown account's statement: %d", p.status)
	}
}

// TestOperatorOverview: the operators' landing page shows the balances per
// currency, this month's revenue, the top accounts and destinations, the
// accounts needing attention, the charges per minute this node counted and
// the active price book.
func TestOperatorOverview(t *testing.T) {
	act := NewActivity(nil)
	e := newEnv(t, false, func(c *Config) { c.Activity = act })
	e.ledger.Subscribe(act.Observe)
	e.createAccount("acct0002", "Secret0002", "4.00")
	total := seedCharges(t, e, 2)
	yes := true
	if _, err := e.db.UpdateAccount(context.Background(), "acct0002", kassa.AccountUpdate{Suspended: &yes}); err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.signInOperator()
	if p := b.get("/ui/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/operator" {
		t.Fatalf("/ui/ for an operator: %d to %q, want the overview", p.status, p.header.Get("Location"))
	}
	p := b.get("/ui/operator")
	if p.status != http.StatusOK || !strings.Contains(p.body, "<h1>Overview</h1>") {
		t.Fatalf("the overview: %d", p.status)
	}
	balance := e.account(testKey).Balance + e.account("acct0002").Balance
	for _, want := range []string{
		`<dt>2 accounts in EUR</dt><dd class="big">` + balance.Decimal(),
		`<a href="/ui/operator/accounts/` + testKey + `"><code>` + testKey + `</code></a></td><td class="num">6</td><td class="num">` + total.Decimal() + ` EUR`,
		`<td>DE</td><td class="num">2</td>`,
		`<code>acct0002</code></a></td><td class="num">4.00 EUR</td><td>suspended</td>`,
		`6 in all`, `<svg class="chart activity"`,
		`id="active-books"`,
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("overview lacks %q", want)
		}
	}
	if m := regexp.MustCompile(`<th scope="row">EUR</th><td class="num">([-0-9.]+)</td><td class="num">([-0-9.]+)`).FindStringSubmatch(p.body); m == nil || m[1] != total.Decimal() || m[2] != total.Decimal() {
		t.Errorf("revenue today and this month: %v, want %s", m, total)
	}
	if strings.Contains(p.body, "None: pricing is unavailable") {
		t.Error("the active price book is not listed")
	}
	holder := e.browser()
	holder.signIn(testKey, testSecret)
	if p := holder.get("/ui/operator"); p.status == http.StatusOK {
		t.Error("an account holder saw the operator overview")
	}
}

// TestInUse: per plan, the version in effect that took effect last.
func TestInUse(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return now.Add(time.Duration(h) * time.Hour) }
	books := []*kassa.PriceBookVersion{
		{Version: 1, Plan: "default", ActivatedAt: at(-10), EffectiveAt: at(-10)},
		{Version: 2, Plan: "default", ActivatedAt: at(-5), EffectiveAt: at(-5)},
		{Version: 3, Plan: "default", ActivatedAt: at(-1), EffectiveAt: at(2)}, // scheduled
		{Version: 4, Plan: "default"},                                          // never activated
		{Version: 5, Plan: "wholesale", ActivatedAt: at(-3), EffectiveAt: at(-3)},
	}
	got := inUse(books, now)
	if len(got) != 2 || got[0].Version != 2 || got[1].Version != 5 {
		t.Fatalf("in use: %+v, want versions 2 (default) and 5 (wholesale)", got)
	}
}
