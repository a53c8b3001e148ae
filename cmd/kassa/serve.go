package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/httpfront"
	"github.com/kassa-dev/kassa/internal/logdedup"
	"github.com/kassa-dev/kassa/pricing"
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

// newServeCmd builds `kassa serve`.
func newServeCmd(e *env) *cobra.Command {
	var configPath string
	var printOnly bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the kassa server",
		Long: `Run the kassa server: the public Account API, the admin and platform APIs, the
dashboard under /ui/, /healthz, /readyz and /metrics, on one address (/metrics on
--ops-addr instead when that is set).

The store is the SQLite file in --data, or PostgreSQL with --store postgres://…
The data directory also holds the generated keys (the secret-hash pepper, the admin
and service tokens). On the first start kassa creates a demo account (10.00 EUR,
generous limits, auto-reload with the top-up trx "demo-trx"), loads the demo price
book and prints the demo credentials and any generated token once. A throw-away
server is just a temporary --data directory.

Every setting is a flag, a KASSA_* environment variable and a key of the config
file (--config FILE or KASSA_CONFIG: KASSA_NAME=value lines, the format of a systemd
EnvironmentFile). A flag wins over the environment, which wins over the file, which
wins over the default. Secrets (KASSA_STORE, KASSA_ADMIN_TOKEN, KASSA_SERVICE_TOKEN,
KASSA_DEMO_SECRET, KASSA_RELOAD_WEBHOOK_SECRET) can also be read from the file that
NAME_FILE names. --print-config shows the effective configuration with secrets
redacted and exits. See docs/configuration.md.`,
		Example: `  # A local emulator for integration tests: pinned credentials, top-ups credited
  # without a payment gateway, callback URLs on this machine allowed
  kassa serve --demo-key abcd1234 --demo-secret Demo12345secret \
      --reload-gateway ledger-only --allow-callback-net 127.0.0.0/8

  # Production on PostgreSQL, several nodes behind a load balancer
  kassa migrate --store "$KASSA_STORE"
  kassa serve --addr 0.0.0.0:8080 --store "$KASSA_STORE" --no-migrate --demo off \
      --trusted-proxy 10.0.0.0/8 --reload-gateway webhook --reload-webhook-url https://billing.internal/pay

  # Show the effective configuration (secrets redacted) and exit
  kassa serve --config /etc/kassa/kassa.env --print-config`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, vals, err := loadServeConfig(e, cmd.Flags(), configPath)
			if printOnly {
				if vals != nil {
					printConfig(e.stdout, serveSettings, vals)
				}
				return err
			}
			if err != nil {
				return err
			}
			return serve(cmd.Context(), e, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&configPath, "config", "", "config file of KASSA_NAME=value lines (env KASSA_CONFIG)")
	f.BoolVar(&printOnly, "print-config", false, "print the effective configuration, secrets redacted, and exit")
	addSettingFlags(f, serveSettings)
	return cmd
}

// loadServeConfig resolves and checks the configuration: flags, then the
// environment, then the config file, then the defaults. The resolved values
// come back even when a check fails (for --print-config).
func loadServeConfig(e *env, f *pflag.FlagSet, configPath string) (*serveConfig, settingValues, error) {
	vals, err := loadSettingValues(e, f, configPath, serveSettings)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := parseServeConfig(serveSettings, vals)
	return cfg, vals, err
}

// loadSettingValues resolves the given settings: flags, then the
// environment, then the config file (configPath, else KASSA_CONFIG), then
// the defaults. The config file may hold any setting of kassa serve.
func loadSettingValues(e *env, f *pflag.FlagSet, configPath string, settings []setting) (settingValues, error) {
	if configPath == "" {
		configPath = e.getenv("KASSA_CONFIG")
	}
	var file map[string]string
	if configPath != "" {
		var err error
		if file, err = readConfigFile(configPath, serveSettings); err != nil {
			return nil, err
		}
	}
	return resolveSettings(settings, f, e.getenv, file)
}

// newLogger builds the server's structured logger on w; records logged with
// a request's context carry its request id, and a repeated warning or error
// is written once per logRepeatInterval with its count.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usageError("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	var h slog.Handler
	switch format {
	case "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, usageError("--log-format %q: use text or json", format)
	}
	return slog.New(httpfront.LogHandler(logdedup.New(h, logRepeatInterval, time.Now))), nil
}

// logRepeatInterval is how often a repeated warning or error is written:
// once per interval, with the count of its repeats (a failure that every
// request hits must not flood the log).
const logRepeatInterval = 10 * time.Second

// serve runs the server until ctx ends, then shuts down in order: stop
// accepting and finish in-flight requests, stop the background jobs, drain
// the ledger, close the store.
func serve(ctx context.Context, e *env, cfg *serveConfig) error {
	log, err := newLogger(e.stderr, cfg.LogFormat, cfg.LogLevel)
	if err != nil {
		return err
	}
	n, err := startNode(ctx, e, cfg, log)
	if err != nil {
		return err
	}
	defer n.close()
	return n.run(ctx)
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
