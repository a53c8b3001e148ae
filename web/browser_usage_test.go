package web

import (
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserUsageAndStatement: an account holder opens Usage from the
// navigation, sees the stacked chart and its figures, picks a month, opens
// the statement, whose print button the script reveals; the operator lands
// on the overview with the charges of the last hour drawn.
func TestBrowserUsageAndStatement(t *testing.T) {
	act := NewActivity(nil)
	e := newEnv(t, false, func(c *Config) { c.Activity = act })
	e.ledger.Subscribe(act.Observe)
	total := seedCharges(t, e, 2)
	ctx := tab(t)
	signInAccount(t, ctx, e)
	run(t, ctx, "open usage",
		chromedp.Click(chromedp.CSS(`.top nav a[href="/ui/usage"]`)),
		chromedp.WaitVisible(chromedp.CSS("#usage-chart svg")),
	)
	if got := text(t, ctx, "#usage-total"); got != total.Decimal()+" EUR" {
		t.Errorf("usage total %q, want %s EUR", got, total.Decimal())
	}
	if n := count(t, ctx, "#usage-chart svg rect"); n != 3 {
		t.Errorf("%d bar segments, want 3 (one day, three countries)", n)
	}
	if n := count(t, ctx, "#usage-networks tbody tr"); n != 3 {
		t.Errorf("%d rows by country and network, want 3", n)
	}
	run(t, ctx, "show the figures", chromedp.Click(chromedp.CSS("details summary")), chromedp.WaitVisible(chromedp.CSS("#usage-days")))
	if os.Getenv("KASSA_TEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "usage")
	}
	run(t, ctx, "the statement",
		chromedp.Click(chromedp.CSS(`a[href^="/ui/statement"]`)),
		chromedp.WaitVisible(chromedp.CSS("#statement-table")),
		chromedp.WaitVisible(chromedp.CSS("button[data-print]")), // hidden without the script
	)
	if got := text(t, ctx, "#closing"); got != e.account(testKey).Balance.Decimal() {
		t.Errorf("closing balance %q, want %s", got, e.account(testKey).Balance.Decimal())
	}
	if got := text(t, ctx, "h1"); !strings.HasPrefix(got, "Statement for ") {
		t.Errorf("statement heading %q", got)
	}
	run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#admin_token")))
	run(t, ctx, "operator sign in",
		chromedp.SendKeys(chromedp.CSS("#admin_token"), testAdminToken),
		chromedp.Click(chromedp.CSS("#signin-operator")),
		chromedp.WaitVisible(chromedp.CSS("#balances")),
		chromedp.WaitVisible(chromedp.CSS("#activity svg")),
	)
	if got := text(t, ctx, "#top-accounts tbody tr:first-child"); !strings.Contains(got, testKey) || !strings.Contains(got, total.Decimal()) {
		t.Errorf("top account row %q", got)
	}
	if os.Getenv("KASSA_TEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "overview")
	}
}
