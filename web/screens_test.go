package web

import (
	"context"
	"os"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/charging"
)

// TestBrowserScreens saves screenshots of every page on a desktop and a
// phone-sized viewport into testdata/out, for a person to look at. It
// runs only with KASSA_TEST_SCREENSHOTS=1.
func TestBrowserScreens(t *testing.T) {
	if os.Getenv("KASSA_TEST_SCREENSHOTS") == "" {
		t.Skip("set KASSA_TEST_SCREENSHOTS=1 to save screenshots of every page")
	}
	act := NewActivity(nil)
	e := newEnv(t, false, func(c *Config) { c.Activity = act })
	e.ledger.Subscribe(act.Observe)
	seedLedger(t, e)
	seedSubaccounts(t, e)
	seedCharges(t, e, 4)
	ctx := tab(t)
	views := []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}
	accountPages := map[string]string{
		"signin":      "/ui/signin",
		"overview":    "/ui/account",
		"secrets":     "/ui/secrets",
		"settings":    "/ui/settings",
		"subaccounts": "/ui/subaccounts",
		"usage":       "/ui/usage",
		"statement":   "/ui/statement",
		"pricing":     "/ui/pricing?type=sms&country=DE&number=%2B4915112345678#country",
	}
	operatorPages := map[string]string{
		"opoverview": "/ui/operator",
		"accounts":   "/ui/operator/accounts",
		"account":    "/ui/operator/accounts/" + testKey,
		"pricebooks": "/ui/operator/price-books",
	}
	for _, v := range views {
		emulate := chromedp.EmulateViewport(v.width, v.height)
		if v.mobile {
			emulate = chromedp.EmulateViewport(v.width, v.height, chromedp.EmulateMobile, chromedp.EmulateScale(2))
		}
		run(t, ctx, "viewport", emulate)
		shoot(t, ctx, e, v.name+"-signin", accountPages["signin"])
		signInAccount(t, ctx, e)
		for _, name := range []string{"overview", "secrets", "settings", "subaccounts", "usage", "statement", "pricing"} {
			shoot(t, ctx, e, v.name+"-"+name, accountPages[name])
		}
		run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#admin_token")))
		run(t, ctx, "operator sign in",
			chromedp.SendKeys(chromedp.CSS("#admin_token"), testAdminToken),
			chromedp.Click(chromedp.CSS("#signin-operator")),
			chromedp.WaitVisible(chromedp.CSS("#balances")),
		)
		for _, name := range []string{"opoverview", "accounts", "account", "pricebooks"} {
			shoot(t, ctx, e, v.name+"-"+name, operatorPages[name])
		}
		run(t, ctx, "sign out", chromedp.Click(chromedp.CSS(".signout button")), chromedp.WaitVisible(chromedp.CSS("#admin_token")))
	}
}

func shoot(t *testing.T, ctx context.Context, e *env, name, path string) {
	t.Helper()
	run(t, ctx, "open "+path, chromedp.Navigate(e.srv.URL+path), chromedp.WaitVisible(chromedp.CSS("footer")))
	screenshot(t, ctx, name)
}

// seedSubaccounts gives the test account two subaccounts, one with a
// balance of its own that a transfer funded.
func seedSubaccounts(t testing.TB, e *env) {
	t.Helper()
	ctx := context.Background()
	for _, s := range []struct {
		key, name string
		shared    bool
	}{{"5f0e2a1c", "shop north", true}, {"9b3c77d0", "shop south", false}} {
		a := &kassa.Account{APIKey: s.key, Currency: kassa.EUR, Limits: kassa.DefaultLimits, Primary: testKey, SharedBalance: s.shared, Name: s.name}
		if err := e.db.CreateSubaccount(ctx, a, nil, 100); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err := e.ledger.Transfer(ctx, charging.TransferRequest{Kind: kassa.TransferBalance, Primary: testKey, From: testKey,
		To: "9b3c77d0", Amount: kassa.MustParseAmount("7.5"), Reference: "march"})
	if err != nil {
		t.Fatal(err)
	}
}
