package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
)

// Files kassa serve keeps in its data directory.
const (
	dbFile           = "kassa.db"
	pepperFile       = "pepper"        // hex key of the secret hashes
	adminTokenFile   = "admin-token"   // the admin API token when not configured
	serviceTokenFile = "service-token" // the platform API token when not configured
)

// Demo account defaults.
var (
	demoBalance = kassa.MustParseAmount("10.00")
	demoTrx     = "demo-trx"
)

// shutdownTimeout bounds how long in-flight requests may take to finish.
const shutdownTimeout = 15 * time.Second

// serveOptions are the flags of kassa serve.
type serveOptions struct {
	data         string
	addr         string
	pepperFile   string
	demoKey      string
	demoSecret   string
	adminToken   string
	serviceToken string
	logFormat    string
	logLevel     string
	store        string
	noMigrate    bool
}

// newServeCmd builds `kassa serve`.
func newServeCmd(e *env) *cobra.Command {
	o := serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the kassa server",
		Long: `Run the kassa server: the public Account API, the admin and platform APIs and
/healthz, /readyz, on one address.

The data directory holds the SQLite database and the generated keys (the secret-hash
pepper, the admin and service tokens). On the first start kassa creates a demo account
(10.00 EUR, generous limits, auto-reload with the top-up trx "demo-trx"), loads the
demo price book and prints the demo credentials and any generated token once.
A throw-away server is just a temporary --data directory.

Environment: KASSA_DATA, KASSA_ADDR, KASSA_ADMIN_TOKEN, KASSA_SERVICE_TOKEN,
KASSA_PEPPER_FILE, KASSA_LOG_FORMAT, KASSA_LOG_LEVEL (flags win).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("store") {
				v, err := envSecret(e, "KASSA_STORE")
				if err != nil {
					return err
				}
				o.store = v
			}
			return serve(cmd.Context(), e, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.store, "store", "", "PostgreSQL URL (postgres://…); empty means SQLite in --data (env KASSA_STORE or KASSA_STORE_FILE)")
	f.BoolVar(&o.noMigrate, "no-migrate", e.getenv("KASSA_NO_MIGRATE") == "true", "refuse to start on an old schema instead of migrating it; run 'kassa migrate' first (env KASSA_NO_MIGRATE=true)")
	f.StringVar(&o.data, "data", envOr(e, "KASSA_DATA", "./kassa-data"), "data directory (env KASSA_DATA)")
	f.StringVar(&o.pepperFile, "pepper-file", e.getenv("KASSA_PEPPER_FILE"), "file holding the hex key of the secret hashes; created when missing (env KASSA_PEPPER_FILE; default DATA/pepper; nodes sharing a database must share it)")
	f.StringVar(&o.addr, "addr", envOr(e, "KASSA_ADDR", "127.0.0.1:8080"), "listen address (env KASSA_ADDR)")
	f.StringVar(&o.demoKey, "demo-key", "", "api key of the demo account (created when missing; default: generated on first start)")
	f.StringVar(&o.demoSecret, "demo-secret", "", "api secret of the demo account when it is created (default: generated)")
	f.StringVar(&o.adminToken, "admin-token", e.getenv("KASSA_ADMIN_TOKEN"), "admin API bearer token (env KASSA_ADMIN_TOKEN; default: generated and kept in the data directory)")
	f.StringVar(&o.serviceToken, "service-token", e.getenv("KASSA_SERVICE_TOKEN"), "platform API bearer token (env KASSA_SERVICE_TOKEN; default: generated and kept in the data directory)")
	f.StringVar(&o.logFormat, "log-format", envOr(e, "KASSA_LOG_FORMAT", "text"), "log format: text or json (env KASSA_LOG_FORMAT)")
	f.StringVar(&o.logLevel, "log-level", envOr(e, "KASSA_LOG_LEVEL", "info"), "log level: debug, info, warn or error (env KASSA_LOG_LEVEL)")
	return cmd
}

// envOr returns the environment variable, or def when it is empty.
func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// newLogger builds the server's structured logger on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usageError("--log-format %q: use text or json", format)
}

// serve runs the server until ctx ends, then shuts down gracefully:
// in-flight requests finish, the ledger drains, the store closes.
func serve(ctx context.Context, e *env, o serveOptions) error {
	log, err := newLogger(e.stderr, o.logFormat, o.logLevel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(o.data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	if o.pepperFile == "" {
		o.pepperFile = filepath.Join(o.data, pepperFile)
	}
	pepper, err := loadOrCreatePepper(o.pepperFile)
	if err != nil {
		return err
	}
	hasher, err := auth.NewHasher(pepper)
	if err != nil {
		return err
	}
	adminToken, newAdmin, err := resolveToken(o.adminToken, filepath.Join(o.data, adminTokenFile))
	if err != nil {
		return err
	}
	serviceToken, newService, err := resolveToken(o.serviceToken, filepath.Join(o.data, serviceTokenFile))
	if err != nil {
		return err
	}

	db, err := openStore(ctx, storeOpen{url: o.store, data: o.data, noMigrate: o.noMigrate, log: log})
	if err != nil {
		return err
	}
	defer db.Close()

	prices := pricing.NewService(db, refdata.Default(), pricing.ServiceOptions{Logger: log})
	loadPrices(ctx, log, prices)
	demo, err := ensureDemoAccount(ctx, db, hasher, o.demoKey, o.demoSecret)
	if err != nil {
		return err
	}

	ledger := charging.New(db, charging.Options{Logger: log})
	defer ledger.Close()

	srv := httpapi.New(httpapi.Config{
		Store:        db,
		Logger:       log,
		AdminToken:   adminToken,
		ServiceToken: serviceToken,
		Hasher:       hasher,
		Ledger:       ledger,
		Pricing:      prices,
	})
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	base := "http://" + ln.Addr().String()
	printStartup(e.stdout, base, demo, newAdmin, adminToken, newService, serviceToken)
	log.Info("kassa listening", "addr", ln.Addr().String(), "data", o.data)

	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go prices.Run(bg)
	go ledger.Run(bg)
	return runHTTP(ctx, log, ln, srv)
}

// loadPrices loads the demo price book into an empty store and the active
// version into memory. A failure is logged, not fatal: the account and
// admin APIs work without prices, the pricing endpoints and /readyz answer
// 503 until a price book is activated.
func loadPrices(ctx context.Context, log *slog.Logger, prices *pricing.Service) {
	if err := prices.EnsureDefault(ctx); err != nil {
		log.Error("could not load the demo price book; pricing is unavailable until a price book is activated", "err", err)
	}
	if prices.Current() != nil {
		return
	}
	if err := prices.Load(ctx); err != nil {
		log.Warn("no price book loaded", "err", err)
	}
}

// runHTTP serves on ln until ctx ends, then lets in-flight requests finish.
func runHTTP(ctx context.Context, log *slog.Logger, ln net.Listener, h http.Handler) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// loadOrCreatePepper reads the hex pepper at path, creating it (mode 0600)
// on the first start. Losing it invalidates every stored secret.
func loadOrCreatePepper(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		pepper, err := hex.DecodeString(strings.TrimSpace(string(data)))
		if err != nil || len(pepper) < 16 {
			return nil, fmt.Errorf("read pepper %s: not a hex key of at least 16 bytes", path)
		}
		return pepper, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read pepper: %w", err)
	}
	pepper := auth.NewPepper()
	if err := writeNewFile(path, hex.EncodeToString(pepper)+"\n"); err != nil {
		return nil, fmt.Errorf("write pepper: %w", err)
	}
	return pepper, nil
}

// resolveToken returns the configured token, else the one stored at path,
// else a new one that it stores there (generated reports that case).
func resolveToken(configured, path string) (token string, generated bool, err error) {
	if configured != "" {
		return configured, false, nil
	}
	data, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), false, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("read token: %w", err)
	}
	token = hex.EncodeToString(auth.NewPepper())
	if err := writeNewFile(path, token+"\n"); err != nil {
		return "", false, fmt.Errorf("write token: %w", err)
	}
	return token, true, nil
}

// writeNewFile writes a private file that must not exist yet.
func writeNewFile(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// demoAccount is what the startup banner shows of a demo account created
// by this start; nil when none was created.
type demoAccount struct {
	key, secret string
}

// ensureDemoAccount creates the demo account: the pinned key when it does
// not exist yet, or, without a pinned key, a generated one when the store
// holds no account at all (the first start).
func ensureDemoAccount(ctx context.Context, db kassa.Store, h *auth.Hasher, key, secret string) (*demoAccount, error) {
	if key != "" {
		if !kassa.ValidAPIKey(key) {
			return nil, usageError("--demo-key %q: use 4 to 64 letters, digits, '-' or '_'", key)
		}
		_, err := db.FindAccount(ctx, key)
		if err == nil {
			return nil, nil
		}
		if kassa.ErrorCode(err) != kassa.ENOTFOUND {
			return nil, fmt.Errorf("look up demo account: %w", err)
		}
	} else {
		_, total, err := db.ListAccounts(ctx, kassa.AccountFilter{Limit: 1})
		if err != nil {
			return nil, fmt.Errorf("count accounts: %w", err)
		}
		if total > 0 {
			return nil, nil
		}
		key = auth.GenerateAPIKey()
	}
	if secret == "" {
		secret = auth.GenerateSecret()
	}
	sec, err := h.NewSecret(key, secret, time.Now())
	if err != nil {
		return nil, usageError("--demo-secret: %s", kassa.ErrorMessage(err))
	}
	acct := &kassa.Account{
		APIKey:   key,
		Currency: kassa.EUR,
		Limits:   kassa.DemoLimits,
		AutoReload: kassa.AutoReload{
			Enabled:   true,
			Trx:       demoTrx,
			Amount:    kassa.DefaultReloadAmount,
			Threshold: 0,
			DailyCap:  kassa.DefaultReloadDailyCap,
		},
	}
	opening := &kassa.Entry{Account: key, Kind: kassa.KindCredit, Amount: demoBalance, Reason: "demo opening balance"}
	if err := db.CreateAccount(ctx, acct, sec, opening); err != nil {
		return nil, fmt.Errorf("create demo account: %w", err)
	}
	return &demoAccount{key: key, secret: secret}, nil
}

// printStartup prints the address and, once, the demo credentials and the
// generated tokens.
func printStartup(w io.Writer, base string, demo *demoAccount, newAdmin bool, adminToken string, newService bool, serviceToken string) {
	fmt.Fprintf(w, "kassa listening on %s\n", base)
	if demo != nil {
		fmt.Fprintf(w, `
================ kassa demo account (shown once) ================
  api key     %s
  api secret  %s
  balance     %s EUR (demo money), auto-reload on, top-up trx %q
  try         curl -u %s:%s %s/account/get-balance
=================================================================
`, demo.key, demo.secret, demoBalance.Decimal(), demoTrx, demo.key, demo.secret, base)
	}
	if newAdmin {
		fmt.Fprintf(w, "\nadmin API token (generated, kept in the data directory): %s\n", adminToken)
	}
	if newService {
		fmt.Fprintf(w, "platform API token (generated, kept in the data directory): %s\n", serviceToken)
	}
}
