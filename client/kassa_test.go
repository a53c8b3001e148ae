package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
)

// Credentials of the account every test server starts with.
const (
	testKey          = "abcd1234"
	testSecret       = "Secret123"
	testAdminToken   = "admin-token-for-tests"
	testServiceToken = "service-token-for-tests"
)

// testServer is a real kassa (httpapi over a SQLite file) on loopback.
type testServer struct {
	URL     string
	Handler http.Handler
	Store   kassa.Store
	// PricingErr is why the demo price book could not be loaded, if it
	// could not; pricing tests fail with it, the others run on.
	PricingErr error
	// CallbackURL is a live webhook receiver on loopback (answering 200),
	// which the server's callback-URL check is allowed to reach.
	CallbackURL string
}

// startKassa starts a real kassa server with one account (testKey/testSecret,
// 10.00 EUR) and no price book (loading one takes about a second, and only
// the pricing tests need it), closed when the test ends.
func startKassa(t testing.TB) *testServer {
	t.Helper()
	return startKassaPrices(t, false)
}

// startPricedKassa is startKassa with the demo price book active.
func startPricedKassa(t testing.TB) *testServer {
	t.Helper()
	return startKassaPrices(t, true)
}

func startKassaPrices(t testing.TB, prices bool) *testServer {
	t.Helper()
	ts := newKassa(t, prices)
	srv := httptest.NewServer(ts.Handler)
	t.Cleanup(srv.Close)
	ts.URL = srv.URL
	createTestAccount(t, ts.URL)
	return ts
}

// newKassa builds the handler of a real kassa over a SQLite file in a temp
// directory.
func newKassa(t testing.TB, prices bool) *testServer {
	t.Helper()
	ts, closeFn, err := buildKassa(t.TempDir(), prices)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeFn)
	return ts
}

// buildKassa wires a real kassa in dir: SQLite store, secret hasher, ledger,
// the HTTP API and, when prices is true, the demo price book. closeFn
// releases it.
func buildKassa(dir string, withPrices bool) (ts *testServer, closeFn func(), err error) {
	ctx := context.Background()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "kassa.db"), sqlite.Options{})
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite: %w", err)
	}
	hasher, err := auth.NewHasher(auth.NewPepper())
	if err != nil {
		store.Close()
		return nil, nil, fmt.Errorf("hasher: %w", err)
	}
	ledger := charging.New(store, charging.Options{})
	priceService := pricing.NewService(store, refdata.Default(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	var pricingErr error
	if withPrices {
		pricingErr = priceService.EnsureDefault(ctx)
	}
	// Callback URLs are checked live; the receiver is on loopback, which
	// the check refuses unless allowed.
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	h := httpapi.New(httpapi.Config{
		Store: store, Hasher: hasher, Ledger: ledger, Pricing: priceService,
		AdminToken: testAdminToken, ServiceToken: testServiceToken,
		CallbackAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
	})
	closeFn = func() {
		receiver.Close()
		ledger.Close()
		store.Close()
	}
	return &testServer{Handler: h, Store: store, PricingErr: pricingErr, CallbackURL: receiver.URL}, closeFn, nil
}

// createTestAccount creates the test account through the admin API.
func createTestAccount(t testing.TB, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	credit := kassa.MustParseAmount("10.00")
	_, err := client.New(url, client.WithAdminToken(testAdminToken)).CreateAccount(ctx, client.NewAccount{
		APIKey: testKey, APISecret: testSecret, Currency: "EUR", Credit: &credit,
	})
	if err != nil {
		t.Fatalf("create test account: %v", err)
	}
}

// accountClient is a client with the test account's credentials.
func accountClient(ts *testServer, opts ...client.Option) *client.Client {
	return client.New(ts.URL, append([]client.Option{client.WithCredentials(testKey, testSecret)}, opts...)...)
}

// adminClient is a client with the admin token.
func adminClient(ts *testServer) *client.Client {
	return client.New(ts.URL, client.WithAdminToken(testAdminToken))
}

// serviceClient is a client with the service token.
func serviceClient(ts *testServer) *client.Client {
	return client.New(ts.URL, client.WithServiceToken(testServiceToken))
}

func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// requirePricing fails the test when the demo price book did not load.
func requirePricing(t testing.TB, ts *testServer) {
	t.Helper()
	if ts.PricingErr != nil {
		t.Fatalf("demo price book: %v", ts.PricingErr)
	}
}
