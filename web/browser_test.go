package web

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browser tests drive a real headless Chromium. One browser serves the
// whole package run; each test gets its own tab in its own browser context
// (its own cookies). Without Chromium they skip, unless
// KASSA_TEST_BROWSER_REQUIRED=1 (CI), when they fail.

var (
	browserOnce   sync.Once
	browserCtx    context.Context
	browserCancel context.CancelFunc
	browserErr    error
	browserDir    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if browserCancel != nil {
		browserCancel()
	}
	if browserDir != "" {
		os.RemoveAll(browserDir)
	}
	os.Exit(code)
}

// chromiumPath finds a Chromium or Chrome binary.
func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startBrowser launches the package's browser once.
func startBrowser() {
	path := chromiumPath()
	if path == "" {
		browserErr = fmt.Errorf("no chromium on PATH (apt-get install chromium)")
		return
	}
	dir, err := os.MkdirTemp("", "kassa-web-chromium-")
	if err != nil {
		browserErr = err
		return
	}
	browserDir = dir
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.DisableGPU,
		chromedp.UserDataDir(dir),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	if err := chromedp.Do(ctx); err != nil { // starts the browser
		cancel()
		cancelAlloc()
		browserErr = fmt.Errorf("start chromium: %w", err)
		return
	}
	browserCtx = ctx
	browserCancel = func() { cancel(); cancelAlloc() }
}

// tab returns a fresh tab in its own browser context, or skips (fails when
// KASSA_TEST_BROWSER_REQUIRED=1). On failure the tab's page is saved as a
// screenshot under testdata/out.
func tab(t *testing.T) context.Context {
	t.Helper()
	browserOnce.Do(startBrowser)
	if browserErr != nil {
		if os.Getenv("KASSA_TEST_BROWSER_REQUIRED") == "1" {
			t.Fatalf("browser tests required: %v", browserErr)
		}
		t.Skipf("skipping browser test: %v (set KASSA_TEST_BROWSER_REQUIRED=1 to fail instead)", browserErr)
	}
	ctx, cancel := chromedp.NewContext(browserCtx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		if t.Failed() {
			screenshot(t, ctx, "failure")
		}
		cancel()
	})
	// The first action creates the tab and binds it to ctx: no timeout here.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// outDir is where screenshots go (ignored by git).
func outDir(t testing.TB) string {
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves the whole page as testdata/out/<test>-<name>.png.
func screenshot(t testing.TB, ctx context.Context, name string) {
	sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(outDir(t), strings.ReplaceAll(t.Name(), "/", "_")+"-"+name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Logf("write screenshot: %v", err)
		return
	}
	t.Logf("screenshot: %s", file)
}

// stepTimeout bounds one group of browser steps, so that a missing
// element fails the test instead of hanging it.
const stepTimeout = 30 * time.Second

// run runs browser steps or fails the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// text reads an element's visible text.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("read %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// count returns how many elements match sel.
func count(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// signInAccount signs the tab in as the test account.
func signInAccount(t *testing.T, ctx context.Context, e *env) {
	t.Helper()
	run(t, ctx, "sign in",
		chromedp.Navigate(e.srv.URL+"/ui/signin"),
		chromedp.SendKeys(chromedp.CSS("#api_key"), testKey),
		chromedp.SendKeys(chromedp.CSS("#api_secret"), testSecret),
		chromedp.Click(chromedp.CSS("#signin-account")),
		chromedp.WaitVisible(chromedp.CSS("#balance")),
	)
}

// TestBrowserAccountHolder: sign in, read the balance, create and revoke
// a secret, set a callback URL that passes the live check and one that
// does not.
func TestBrowserAccountHolder(t *testing.T) {
	e := newEnv(t, false)
	ctx := tab(t)
	signInAccount(t, ctx, e)
	if got := text(t, ctx, "#balance"); got != "25.50 EUR" {
		t.Fatalf("balance shows %q, want 25.50 EUR", got)
	}
	if n := count(t, ctx, "#ledger-table tbody tr"); n != 1 {
		t.Fatalf("ledger rows: %d, want 1 (the opening credit)", n)
	}
	if count(t, ctx, "svg.chart path.line") != 1 {
		t.Fatal("no balance chart")
	}

	// Create a secret; the rules tick as it is typed; it is shown once.
	run(t, ctx, "create secret",
		chromedp.Click(chromedp.CSS(`a[href="/ui/secrets"]`)),
		chromedp.WaitVisible(chromedp.CSS("#secret")),
		chromedp.SendKeys(chromedp.CSS("#secret"), "Browser1secret"),
	)
	if n := count(t, ctx, "#secret-rules li.met"); n != 4 {
		t.Errorf("rules met while typing a valid secret: %d of 4", n)
	}
	run(t, ctx, "submit secret",
		chromedp.Click(chromedp.CSS("#create-secret")),
		chromedp.WaitVisible(chromedp.CSS("#new-secret")),
	)
	shown, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS("#new-secret")))
	if err != nil || shown != "Browser1secret" {
		t.Fatalf("new secret shown as %q (%v)", shown, err)
	}
	if n := count(t, ctx, "#secrets-table tbody tr"); n != 2 || e.secretCount(testKey) != 2 {
		t.Fatalf("secrets after create: page %d, store %d", n, e.secretCount(testKey))
	}
	if _, err := e.ledgerlessAuth(testKey, "Browser1secret"); err != nil {
		t.Fatalf("the new secret does not authenticate: %v", err)
	}
	// Reloading does not show it again.
	run(t, ctx, "reload secrets", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#secrets-table")))
	if count(t, ctx, "#new-secret") != 0 {
		t.Fatal("the new secret is shown a second time")
	}

	// The secret of this session is marked; revoke the other one (the new
	// one); the last cannot be revoked.
	if count(t, ctx, "#secrets-table tbody tr:first-child #session-secret") != 1 {
		t.Fatal("the secret this session signed in with is not marked")
	}
	run(t, ctx, "revoke secret",
		chromedp.Click(chromedp.CSS(`#secrets-table tbody tr:nth-child(2) button.danger`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash.ok`)),
	)
	if n := count(t, ctx, "#secrets-table tbody tr"); n != 1 || e.secretCount(testKey) != 1 {
		t.Fatalf("secrets after revoke: page %d, store %d", n, e.secretCount(testKey))
	}
	if count(t, ctx, "#secrets-table button.danger") != 0 {
		t.Fatal("the last secret offers a revoke button")
	}

	// Settings: a callback that answers 200 is saved; one that answers 404
	// is refused with the reason next to the field.
	good := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) }))
	defer good.Close()
	bad := httptest.NewServer(http.NotFoundHandler())
	defer bad.Close()
	run(t, ctx, "save a good callback",
		chromedp.Click(chromedp.CSS(`a[href="/ui/settings"]`)),
		chromedp.WaitVisible(chromedp.CSS("#mo_callback_url")),
		chromedp.SendKeys(chromedp.CSS("#mo_callback_url"), good.URL+"/inbound"),
		chromedp.Click(chromedp.CSS("#save-settings")),
		chromedp.WaitVisible(chromedp.CSS("#settings-saved")),
	)
	if got := text(t, ctx, "#mo-check"); !strings.Contains(got, "Live check passed") {
		t.Errorf("mo check shows %q", got)
	}
	if a := e.account(testKey); a.Settings.MOCallbackURL != good.URL+"/inbound" {
		t.Fatalf("stored mo callback %q", a.Settings.MOCallbackURL)
	}
	run(t, ctx, "try a bad callback",
		chromedp.SendKeys(chromedp.CSS("#dr_callback_url"), bad.URL+"/receipts"),
		chromedp.Click(chromedp.CSS("#save-settings")),
		chromedp.WaitVisible(chromedp.CSS("#dr-check .error")),
	)
	if got := text(t, ctx, "#dr-check"); got != "Live check failed: answered status 404" {
		t.Errorf("dr check shows %q, want the 404", got)
	}
	if count(t, ctx, "#settings-refused") != 1 {
		t.Error("a refused form does not say that nothing was saved")
	}
	if a := e.account(testKey); a.Settings.DRCallbackURL != "" {
		t.Fatalf("a refused callback was stored: %q", a.Settings.DRCallbackURL)
	}
	if os.Getenv("KASSA_TEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "settings")
	}
}

// TestBrowserPricing: open a country from the map and look up a number.
func TestBrowserPricing(t *testing.T) {
	e := newEnv(t, false)
	ctx := tab(t)
	signInAccount(t, ctx, e)
	run(t, ctx, "open the map",
		chromedp.Click(chromedp.CSS(`a[href="/ui/pricing"]`)),
		chromedp.WaitVisible(chromedp.CSS("svg.worldmap")),
	)
	if n := count(t, ctx, "svg.worldmap a"); n < 150 {
		t.Fatalf("map has %d countries", n)
	}
	if n := count(t, ctx, "svg.worldmap path.b0, svg.worldmap path.b4"); n == 0 {
		t.Fatal("the map is not coloured by price")
	}
	run(t, ctx, "click Germany",
		chromedp.Click(chromedp.CSS(`svg.worldmap a[data-code="DE"] path`)),
		chromedp.WaitVisible(chromedp.CSS("#country-h")),
	)
	if got := text(t, ctx, "#country-h"); !strings.HasPrefix(got, "Germany") {
		t.Fatalf("clicked Germany, opened %q", got)
	}
	if n := count(t, ctx, "#networks-table tbody tr"); n < 2 {
		t.Fatalf("Germany shows %d networks", n)
	}
	if got := text(t, ctx, "#networks-table"); !strings.Contains(got, "262") {
		t.Errorf("Germany's networks show no MCC 262: %q", got[:min(len(got), 200)])
	}

	// Keyboard: focus a country's link on the map and press Enter.
	run(t, ctx, "open Brazil with the keyboard",
		chromedp.Focus(chromedp.CSS(`svg.worldmap a[data-code="BR"]`)),
		chromedp.KeyEvent("\r"),
		chromedp.WaitVisible(chromedp.CSS(`#country[data-code="BR"]`)),
	)
	if got := text(t, ctx, "#country-h"); !strings.HasPrefix(got, "Brazil") {
		t.Fatalf("Enter on Brazil opened %q", got)
	}

	// Search by name.
	run(t, ctx, "search France",
		chromedp.Clear(chromedp.CSS("#country-search")),
		chromedp.SendKeys(chromedp.CSS("#country-search"), "France"),
		chromedp.Click(chromedp.CSS("#country-go")),
		chromedp.WaitVisible(chromedp.CSS(`#country[data-code="FR"]`)),
	)

	// Look up a number: the page shows what pricing's Rate says.
	const number = "+447700900123"
	want, err := e.prices.Current().Rate("sms", number, "EUR")
	if err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "look up a number",
		chromedp.SendKeys(chromedp.CSS("#number"), number),
		chromedp.Click(chromedp.CSS("#number-go")),
		chromedp.WaitVisible(chromedp.CSS("#rate-price")),
	)
	if got := text(t, ctx, "#rate-price"); got != want.UnitPrice.String()+" EUR" {
		t.Errorf("price shown %q, want %s EUR", got, want.UnitPrice)
	}
	if got := text(t, ctx, "#rate-country"); !strings.Contains(got, "(GB)") {
		t.Errorf("country shown %q", got)
	}
	if want.NetworkCode != "" {
		if got := text(t, ctx, "#rate-network"); !strings.Contains(got, want.NetworkCode) {
			t.Errorf("network shown %q, want %s", got, want.NetworkCode)
		}
	}
	if os.Getenv("KASSA_TEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "pricing")
	}
}

// TestBrowserOperatorCredit: the operator finds the account, credits it
// and sees the new entry and balance.
func TestBrowserOperatorCredit(t *testing.T) {
	e := newEnv(t, false)
	e.createAccount("zz998877", "Other1secret", "1")
	ctx := tab(t)
	run(t, ctx, "operator sign in",
		chromedp.Navigate(e.srv.URL+"/ui/signin"),
		chromedp.SendKeys(chromedp.CSS("#admin_token"), testAdminToken),
		chromedp.Click(chromedp.CSS("#signin-operator")),
		chromedp.WaitVisible(chromedp.CSS("#balances")), // the overview is the operators' landing page
		chromedp.Click(chromedp.CSS(`.top nav a[href="/ui/operator/accounts"]`)),
		chromedp.WaitVisible(chromedp.CSS("#accounts-table")),
	)
	if n := count(t, ctx, "#accounts-table tbody tr"); n != 2 {
		t.Fatalf("accounts listed: %d", n)
	}
	run(t, ctx, "search and open the account",
		chromedp.SendKeys(chromedp.CSS("#q"), "abcd"),
		chromedp.Click(chromedp.CSS("#search-go")),
		chromedp.WaitVisible(chromedp.CSS(`#accounts-table[data-search="abcd"]`)),
		chromedp.Click(chromedp.CSS(`#accounts-table a[href="/ui/operator/accounts/`+testKey+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#posting-form")),
	)
	run(t, ctx, "credit 10",
		chromedp.SendKeys(chromedp.CSS("#amount"), "10"),
		chromedp.SendKeys(chromedp.CSS("#reason"), "goodwill"),
		chromedp.Click(chromedp.CSS("#post-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
	)
	if got := text(t, ctx, "#balance"); got != "35.50 EUR" {
		t.Fatalf("balance after credit %q, want 35.50 EUR", got)
	}
	first := text(t, ctx, "#ledger-table tbody tr:first-child")
	if !strings.Contains(first, "credit") || !strings.Contains(first, "10.00") || !strings.Contains(first, "goodwill") {
		t.Fatalf("newest ledger row %q", first)
	}
	if a := e.account(testKey); a.Balance.String() != "35.50000000" {
		t.Fatalf("stored balance %s", a.Balance)
	}
	if os.Getenv("KASSA_TEST_SCREENSHOTS") != "" {
		screenshot(t, ctx, "account")
	}
}

// TestBrowserPriceBookUpload: the operator uploads a CSV deck through the
// XHR form with its progress bar and activates it.
func TestBrowserPriceBookUpload(t *testing.T) {
	e := newEnv(t, false)
	ctx := tab(t)
	deck := filepath.Join(t.TempDir(), "deck.csv")
	if err := os.WriteFile(deck, []byte("type,country,price,currency\nsms,DE,0.0700,EUR\nsms,FR,0.0600,EUR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "upload",
		chromedp.Navigate(e.srv.URL+"/ui/signin"),
		chromedp.SendKeys(chromedp.CSS("#admin_token"), testAdminToken),
		chromedp.Click(chromedp.CSS("#signin-operator")),
		chromedp.WaitVisible(chromedp.CSS("#balances")),
		chromedp.Navigate(e.srv.URL+"/ui/operator/price-books"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](recordUpload)(ctx, t)
			return err
		}),
		chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{deck}),
		chromedp.Click(chromedp.CSS("#import-submit")),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
	)
	if got := text(t, ctx, ".flash.ok"); !strings.Contains(got, "Imported version 2 of plan default (2 prices)") {
		t.Fatalf("flash %q", got)
	}
	// The upload went through the script's XHR, whose upload events fired.
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`sessionStorage.getItem('xhr') + ' ' + sessionStorage.getItem('uploaded')`))
	if err != nil || got != "POST true" {
		t.Fatalf("xhr upload record %q (%v)", got, err)
	}
	run(t, ctx, "activate",
		chromedp.Navigate(e.srv.URL+"/ui/operator/price-books"),
		chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`window.confirm = () => true, true`)(ctx, t)
			return err
		}),
		chromedp.Click(chromedp.CSS(`button[aria-label="Activate version 2"]`)),
		chromedp.WaitVisible(chromedp.CSS(".flash.ok")),
	)
	if got := text(t, ctx, ".flash.ok"); !strings.Contains(got, "Version 2 is active") {
		t.Fatalf("flash %q", got)
	}
	if v := e.prices.Current().Version(); v != 2 {
		t.Fatalf("current version %d, want 2", v)
	}
}

// recordUpload wraps XMLHttpRequest so that the test can see, after the
// page has moved on, that the upload used it and its upload events fired.
const recordUpload = `(() => {
	const open = XMLHttpRequest.prototype.open, send = XMLHttpRequest.prototype.send;
	XMLHttpRequest.prototype.open = function (m, ...rest) { sessionStorage.setItem('xhr', m); return open.call(this, m, ...rest); };
	XMLHttpRequest.prototype.send = function (body) {
		this.upload.addEventListener('load', () => sessionStorage.setItem('uploaded', 'true'));
		return send.call(this, body);
	};
	return true;
})()`
