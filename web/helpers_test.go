package web

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
	"github.com/kassa-dev/kassa/webhook"
)

const (
	testKey        = "abcd1234"
	testSecret     = "Secret1234abc"
	testAdminToken = "admin-token-for-dashboard-tests"
)

// clock is a settable clock for session expiry tests.
type clock = storetest.Clock

// env is a dashboard over a real SQLite store, served on loopback.
type env struct {
	t      testing.TB
	db     kassa.Store
	hasher *auth.Hasher
	ledger *charging.Ledger
	prices *pricing.Service
	srv    *httptest.Server
	clock  *clock // nil unless asked for
}

var (
	demoOnce sync.Once
	demoBook *kassa.PriceBook
)

// sharedDemoBook builds the demo tariff once per test binary.
func sharedDemoBook() *kassa.PriceBook {
	demoOnce.Do(func() { demoBook = pricing.DemoBook(refdata.Default()) })
	return demoBook
}

// loopbackChecker is the real webhook checker, allowed to reach loopback
// test servers.
func loopbackChecker() app.CallbackChecker {
	return webhook.NewChecker(webhook.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}, 5*time.Second)
}

// testHasher is the hasher of every test dashboard (a fixed pepper).
func testHasher(t testing.TB) *auth.Hasher {
	t.Helper()
	hasher, err := auth.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return hasher
}

// newEnv builds the dashboard over a SQLite store in a temporary
// directory; withClock gives it a settable clock.
func newEnv(t testing.TB, withClock bool, tweak ...func(*Config)) *env {
	t.Helper()
	return newEnvOn(t, testkit.OpenSQLite(t, sqlite.Options{}), withClock, tweak...)
}

// newEnvOn builds the dashboard over db, with the test account.
func newEnvOn(t testing.TB, db kassa.Store, withClock bool, tweak ...func(*Config)) *env {
	t.Helper()
	ctx := context.Background()
	hasher := testHasher(t)
	prices := pricing.NewService(db, refdata.Default(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	v, err := prices.Import(ctx, sharedDemoBook(), "demo")
	if err != nil {
		t.Fatalf("import demo book: %v", err)
	}
	if err := prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatalf("activate: %v", err)
	}
	ledger := charging.New(db, charging.Options{})
	t.Cleanup(ledger.Close)
	e := &env{t: t, db: db, hasher: hasher, ledger: ledger, prices: prices}
	authOpts := auth.Options{CacheTTL: time.Hour}
	if withClock {
		e.clock = storetest.NewClock(time.Now())
		authOpts.Now = e.clock.Now
	}
	appCfg := app.Config{Store: db, Ledger: ledger, Rater: prices, Hasher: hasher,
		Auth: auth.NewAuthenticator(db, hasher, authOpts), Callbacks: loopbackChecker()}
	cfg := Config{
		Store:      db,
		Hasher:     hasher,
		Pricing:    prices,
		AdminToken: testAdminToken,
	}
	if withClock {
		cfg.Now, appCfg.Now = e.clock.Now, e.clock.Now
	}
	cfg.App = app.New(appCfg)
	for _, f := range tweak {
		f(&cfg)
	}
	e.srv = httptest.NewServer(asTestClient(New(cfg)))
	t.Cleanup(e.srv.Close)
	e.createAccount(testKey, testSecret, "25.50")
	return e
}

// createAccount stores an account with one secret and an opening credit.
func (e *env) createAccount(key, secret, balance string) {
	e.t.Helper()
	sec, err := e.hasher.NewSecret(key, secret, time.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	var opening *kassa.Entry
	if b := kassa.MustParseAmount(balance); b != 0 {
		opening = &kassa.Entry{Account: key, Kind: kassa.KindCredit, Amount: b, Reason: "opening"}
	}
	acct := &kassa.Account{APIKey: key, Currency: kassa.EUR, Limits: kassa.DefaultLimits,
		AutoReload: kassa.AutoReload{Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: 5}}
	if err := e.db.CreateAccount(context.Background(), acct, sec, opening); err != nil {
		e.t.Fatalf("create account %s: %v", key, err)
	}
}

// testClientHeader names the client address a test browser stands for
// (asTestClient makes it the request's remote address, as kassa serve's
// front does for a trusted proxy's X-Forwarded-For).
const testClientHeader = "X-Test-Client"

// asTestClient wraps the dashboard so that a request with testClientHeader
// comes from that address.
func asTestClient(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := r.Header.Get(testClientHeader); ip != "" {
			r.RemoteAddr = net.JoinHostPort(ip, "1234")
		}
		h.ServeHTTP(w, r)
	})
}

// from returns a browser with its own cookie jar that comes from ip.
func (e *env) from(ip string) *browser {
	b := e.browser()
	b.client.Transport = clientTransport{ip: ip}
	return b
}

// clientTransport sets testClientHeader on every request.
type clientTransport struct{ ip string }

func (c clientTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(testClientHeader, c.ip)
	return http.DefaultTransport.RoundTrip(r)
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so that tests see every answer.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is an answer with its body read.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token on a page.
func csrf(t testing.TB, p page) string {
	t.Helper()
	m := csrfPattern.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf token on the page (status %d)", p.status)
	}
	return m[1]
}

// signIn signs the browser in as the test account and returns the token
// of its session.
func (b *browser) signIn(key, secret string) string {
	b.e.t.Helper()
	p := b.get("/ui/signin")
	res := b.post("/ui/signin", url.Values{"csrf": {csrf(b.e.t, p)}, "role": {"account"}, "api_key": {key}, "api_secret": {secret}})
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/ui/account" {
		b.e.t.Fatalf("sign in: status %d, location %q", res.status, res.header.Get("Location"))
	}
	return csrf(b.e.t, b.get("/ui/account"))
}

// signInOperator signs in with the admin token.
func (b *browser) signInOperator() string {
	b.e.t.Helper()
	p := b.get("/ui/signin")
	res := b.post("/ui/signin", url.Values{"csrf": {csrf(b.e.t, p)}, "role": {"operator"}, "admin_token": {testAdminToken}})
	if res.status != http.StatusSeeOther {
		b.e.t.Fatalf("operator sign in: status %d", res.status)
	}
	return csrf(b.e.t, b.get("/ui/operator/accounts"))
}

// cookie returns the browser's session cookie value.
func (b *browser) cookie() string {
	u, _ := url.Parse(b.e.srv.URL + "/ui/")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == cookieName {
			return c.Value
		}
	}
	return ""
}

// secretCount returns how many secrets the account has.
func (e *env) secretCount(key string) int {
	e.t.Helper()
	s, err := e.db.Secrets(context.Background(), key)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(s)
}

// account reads an account from the store.
func (e *env) account(key string) *kassa.Account {
	e.t.Helper()
	a, err := e.db.FindAccount(context.Background(), key)
	if err != nil {
		e.t.Fatalf("find account %s: %v", key, err)
	}
	return a
}

// ledgerlessAuth checks a key and secret against the store with a fresh
// authenticator (no cache).
func (e *env) ledgerlessAuth(key, secret string) (*kassa.Account, error) {
	return auth.NewAuthenticator(e.db, e.hasher, auth.Options{CacheTTL: -1}).Authenticate(context.Background(), key, secret)
}

// seedLedger posts a few credits and debits so that the chart and the
// ledger table have something to show.
func seedLedger(t testing.TB, e *env) {
	t.Helper()
	ctx := context.Background()
	for i, amt := range []string{"12.5", "-3.2", "-7.75", "40", "-18.1", "-9.99", "5", "-1.25", "-22.4", "30", "-4.44", "-2.5"} {
		a := kassa.MustParseAmount(strings.TrimPrefix(amt, "-"))
		p := charging.Posting{Account: testKey, Amount: a, Reason: "seed " + amt, Reference: "ref-" + string(rune('a'+i))}
		var err error
		if strings.HasPrefix(amt, "-") {
			p.Kind = kassa.KindDebit
			_, _, err = e.ledger.Debit(ctx, p)
		} else {
			p.Kind = kassa.KindCredit
			_, _, err = e.ledger.Credit(ctx, p)
		}
		if err != nil {
			t.Fatalf("seed %s: %v", amt, err)
		}
	}
}
