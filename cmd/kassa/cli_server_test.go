package main

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/client"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
)

// The account and tokens of the CLI tests' server.
const (
	cliKey        = "abcd1234"
	cliSecret     = "Secret123"
	cliAdminToken = "admin-token-for-cli-tests"
)

// cliEpoch is the fixed clock of the CLI tests' server, so that golden
// output holds stable times.
var cliEpoch = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// cliServer is a real kassa on loopback for CLI tests.
type cliServer struct {
	URL        string
	PricingErr error
	// CallbackURL is a live webhook receiver on loopback (answering 200),
	// which the server's callback-URL check is allowed to reach.
	CallbackURL string
	// Store is the server's store, for data the API would refuse.
	Store *sqlite.DB
}

// startCLIServer starts kassa (httpapi over a SQLite file, fixed clock) with
// the account cliKey/cliSecret holding 10.00 EUR, without a price book.
func startCLIServer(t *testing.T) *cliServer {
	t.Helper()
	return startCLIServerPrices(t, false)
}

// startPricedCLIServer is startCLIServer with the demo price book active.
func startPricedCLIServer(t *testing.T) *cliServer {
	t.Helper()
	return startCLIServerPrices(t, true)
}

func startCLIServerPrices(t *testing.T, withPrices bool) *cliServer {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return cliEpoch }
	store := testkit.OpenSQLite(t, sqlite.Options{Now: now})
	hasher, err := auth.NewHasher(auth.NewPepper())
	if err != nil {
		t.Fatal(err)
	}
	ledger := charging.New(store, charging.Options{Now: now})
	t.Cleanup(ledger.Close)
	prices := pricing.NewService(store, refdata.Default(), pricing.ServiceOptions{Now: now, Logger: slog.New(slog.DiscardHandler)})
	var pricingErr error
	if withPrices {
		pricingErr = prices.EnsureDefault(ctx)
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(receiver.Close)
	srv := httptest.NewServer(httpapi.New(httpapi.Config{
		Store: store, Hasher: hasher, Ledger: ledger, Pricing: prices, Now: now, AdminToken: cliAdminToken,
		CallbackAllow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		// The clock is frozen for stable golden times, and a frozen clock
		// never refills a rate-limit bucket; the client tests cover 429s.
		RateLimitsOff: true,
	}))
	t.Cleanup(srv.Close)
	credit := kassa.MustParseAmount("10")
	_, err = client.New(srv.URL, client.WithAdminToken(cliAdminToken)).CreateAccount(ctx,
		client.NewAccount{APIKey: cliKey, APISecret: cliSecret, Credit: &credit})
	if err != nil {
		t.Fatal(err)
	}
	return &cliServer{URL: srv.URL, PricingErr: pricingErr, CallbackURL: receiver.URL, Store: store}
}

// cliResult is what one kassa command line did.
type cliResult struct {
	code           int
	stdout, stderr string
}

// runCLI runs kassa with args and an environment of only vars (HOME points
// at an empty temp dir, so no real config file is read).
func runCLI(t *testing.T, stdin string, vars map[string]string, args ...string) cliResult {
	t.Helper()
	home := t.TempDir()
	getenv := func(k string) string {
		if v, ok := vars[k]; ok {
			return v
		}
		if k == "HOME" {
			return home
		}
		return ""
	}
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, getenv, strings.NewReader(stdin), &out, &errOut)
	return cliResult{code: code, stdout: out.String(), stderr: errOut.String()}
}

// accountEnv is the environment of an account holder of s.
func (s *cliServer) accountEnv() map[string]string {
	return map[string]string{"KASSA_URL": s.URL, "KASSA_API_KEY": cliKey, "KASSA_API_SECRET": cliSecret}
}

// adminEnv is the environment of the operator of s.
func (s *cliServer) adminEnv() map[string]string {
	return map[string]string{"KASSA_URL": s.URL, "KASSA_ADMIN_TOKEN": cliAdminToken}
}
