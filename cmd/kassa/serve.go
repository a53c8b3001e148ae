package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/emulator"
	"github.com/kassa-dev/kassa/httpfront"
	"github.com/kassa-dev/kassa/internal/logdedup"
	"github.com/kassa-dev/kassa/server"
)

// Files kassa serve keeps in its data directory.
const (
	dbFile           = server.DBFile
	pepperFile       = server.PepperFile
	adminTokenFile   = server.AdminTokenFile
	serviceTokenFile = server.ServiceTokenFile
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
server is just a temporary --data directory; --emulator makes kassa a test double
with fixtures, reset, a request journal, faults and a clock (docs/emulator.md).

Every setting is a flag, a KASSA_* environment variable and a key of the config
file (--config FILE or KASSA_CONFIG: KASSA_NAME=value lines, the format of a systemd
EnvironmentFile). A flag wins over the environment, which wins over the file, which
wins over the default. Secrets (KASSA_STORE, KASSA_ADMIN_TOKEN, KASSA_SERVICE_TOKEN,
KASSA_DEMO_SECRET, KASSA_RELOAD_WEBHOOK_SECRET) can also be read from the file that
NAME_FILE names. --print-config shows the effective configuration with secrets
redacted and exits. See docs/configuration.md.`,
		Example: `  # A local emulator for integration tests: fixtures restored by every reset,
  # top-ups without a payment gateway, callback URLs on this machine allowed,
  # the control API under /_emulator/ (docs/emulator.md)
  kassa serve --emulator --fixtures fixtures.yaml

  # Production on PostgreSQL, several nodes behind a load balancer; the store URL
  # and the webhook's signing secret from files (a flag would show in ps)
  export KASSA_STORE_FILE=/run/secrets/kassa-store KASSA_RELOAD_WEBHOOK_SECRET_FILE=/run/secrets/reload-secret
  kassa migrate
  kassa serve --addr 0.0.0.0:8080 --no-migrate --demo off --trusted-proxy 10.0.0.0/8 \
      --reload-gateway webhook --reload-webhook-url https://billing.internal/pay

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
	if cfg.Emulator {
		return serveEmulator(ctx, e, cfg, log)
	}
	n, err := server.Start(ctx, &cfg.Config, serverOptions(e, cfg, log))
	if err != nil {
		return err
	}
	defer n.Close()
	return n.Run(ctx)
}

// serveEmulator runs the server as the emulator (--emulator): its fixtures
// loaded, the control API under /_emulator/.
func serveEmulator(ctx context.Context, e *env, cfg *serveConfig, log *slog.Logger) error {
	opts := emulator.Options{Stdout: e.stdout, Logger: log}
	if cfg.Fixtures != "" {
		fx, err := emulator.ReadFixturesFile(cfg.Fixtures)
		if err != nil {
			return usageError("--fixtures (KASSA_FIXTURES): %v", err)
		}
		opts.Fixtures = fx
	}
	emu, err := emulator.Start(ctx, &cfg.Config, opts)
	var pe *emulator.ParseError
	var foreign *emulator.ForeignDataError
	switch {
	case errors.As(err, &pe):
		return usageError("--fixtures (KASSA_FIXTURES) %s: %v", cfg.Fixtures, err)
	case errors.As(err, &foreign):
		return usageError("%v", err)
	case err != nil:
		return err
	}
	defer emu.Close()
	if !loopbackAddr(emu.Node().Addr()) {
		log.Warn("the emulator listens beyond this machine: anyone who reaches it can reset its data and read its journal through /_emulator/", "addr", emu.Node().Addr().String())
	}
	return emu.Run(ctx)
}

// loopbackAddr reports whether a listener's address is on loopback.
func loopbackAddr(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// serverOptions are the options of the server that kassa serve starts: the
// banner on stdout, the store that --store names.
func serverOptions(e *env, cfg *serveConfig, log *slog.Logger) server.Options {
	o := storeOpen{url: cfg.Store, data: cfg.Data, noMigrate: cfg.NoMigrate, log: log}
	return server.Options{
		Stdout: e.stdout,
		Logger: log,
		OpenStore: func(ctx context.Context, now func() time.Time, log *slog.Logger) (kassa.Store, error) {
			o.now = now
			return openStore(ctx, o)
		},
		StoreName: o.describe(),
	}
}
