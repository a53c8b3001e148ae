package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/httpfront"
	"github.com/kassa-dev/kassa/internal/serverconn"
	"github.com/kassa-dev/kassa/metrics"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/readiness"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/sqlite"
)

// Options are what a program that starts a server gives beyond Config.
// The zero value serves SQLite in Config.Data on the real clock.
type Options struct {
	// Stdout receives the startup banner (the address, and once the demo
	// credentials and the generated tokens); discarded when nil.
	Stdout io.Writer
	// Logger receives the server's log; discarded when nil.
	Logger *slog.Logger
	// Now is the clock of every component (the store, the ledger, holds,
	// auto-reload, rate limits, sessions); the real clock when nil. It is
	// given to OpenStore (nil for the real clock).
	Now func() time.Time
	// OpenStore opens the store; nil opens the SQLite file DBFile in
	// Config.Data. StoreName names it in the log ("sqlite /path").
	OpenStore func(ctx context.Context, now func() time.Time, log *slog.Logger) (kassa.Store, error)
	StoreName string
	// Wrap, when set, wraps the main listener's handler (inside the
	// request front: request ids, metrics and the access log still see
	// every request). The emulator adds its control API and journal here.
	Wrap func(http.Handler) http.Handler
	// Listener, when set, is the main listener (Config.Addr is then not
	// listened on).
	Listener net.Listener
	// BannerNote, when set, returns a line the startup banner prints after
	// the address (given the base URL).
	BannerNote func(base string) string
	// PriceCache, when set, shares compiled price-book snapshots with the
	// other servers of the process (pricing.SnapshotCache).
	PriceCache *pricing.SnapshotCache
}

// Node is one running kassa server: its store, its components, background
// jobs and listeners. Start builds it, Run serves, Close releases it.
type Node struct {
	id      string // this node's name in store leases
	cfg     *Config
	opts    Options
	log     *slog.Logger
	now     func() time.Time // the clock, never nil
	clock   func() time.Time // the clock given to components: nil for the real one (some components run timers only then)
	keys    *keys
	st      kassa.Store // the store as opened
	ist     kassa.Store // the same, instrumented
	metrics *metrics.Metrics
	prices  *pricing.Service
	writes  *readiness.Writes // the store's write health, for /readyz

	genMu   sync.Mutex                 // serialises Rebuild and Run's start and stop of generations
	gen     atomic.Pointer[generation] // the components serving requests now
	running bool                       // Run has started the background jobs
	bg      context.Context            // the background jobs' context while running

	handler   http.Handler // the main listener's
	ops       http.Handler // the ops listener's; nil when /metrics is on the main one
	ln, opsLn net.Listener
	closeOnce sync.Once
}

// Start opens the store, builds every component, does the first-start
// setup (the demo price book, the demo account) and opens the listeners;
// it prints the startup banner. On error everything it opened is closed.
func Start(ctx context.Context, cfg *Config, opts Options) (_ *Node, err error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	n := &Node{id: nodeID(), cfg: cfg, opts: opts, log: opts.Logger, now: opts.Now, clock: opts.Now}
	if n.now == nil {
		n.now = time.Now
	}
	defer func() {
		if err != nil {
			n.Close()
		}
	}()
	if n.keys, err = loadKeys(cfg); err != nil {
		return nil, err
	}
	if n.st, err = n.openStore(ctx); err != nil {
		return nil, err
	}
	if err := CheckPepper(ctx, n.st, n.keys.pepper); err != nil {
		return nil, err
	}
	n.metrics = metrics.New(n.priceBookVersion)
	n.ist = n.metrics.InstrumentStore(n.st)
	n.prices = pricing.NewService(n.ist, refdata.Default(), pricing.ServiceOptions{Logger: n.log, FX: cfg.FX, Now: n.clock, Cache: opts.PriceCache})
	n.writes = readiness.New(n.probeWrite, readiness.Options{Logger: n.log})
	n.metrics.RegisterReadiness(func(ctx context.Context) string {
		return httpapi.NotReady(ctx, httpapi.ReadyChecks{Store: n.ist, Writes: n.writes, Pricing: n.prices, Logger: n.log})
	})
	g, err := n.build()
	if err != nil {
		return nil, err
	}
	n.gen.Store(g)
	demo, err := n.setup(ctx, g)
	if err != nil {
		return nil, err
	}
	n.buildHandlers()
	if err := n.listen(); err != nil {
		return nil, err
	}
	printStartup(opts.Stdout, n.URL(), demo, n.keys, opts.BannerNote)
	attrs := []any{"addr", n.ln.Addr().String(), "store", n.storeName(), "reload_gateway", gatewayName(cfg.ReloadGateway)}
	if n.opsLn != nil {
		attrs = append(attrs, "ops_addr", n.opsLn.Addr().String())
	}
	n.log.Info("kassa listening", attrs...)
	if cfg.ReloadGateway == reload.GatewayNone {
		n.log.Warn("no payment gateway: every top-up and auto-reload is declined (420); set --reload-gateway webhook or ledger-only (KASSA_RELOAD_GATEWAY)")
	}
	return n, nil
}

// openStore opens the store through Options.OpenStore, else the SQLite
// file in the data directory.
func (n *Node) openStore(ctx context.Context) (kassa.Store, error) {
	if n.opts.OpenStore != nil {
		return n.opts.OpenStore(ctx, n.clock, n.log)
	}
	db, err := sqlite.Open(ctx, filepath.Join(n.cfg.Data, DBFile), sqlite.Options{Logger: n.log, NoMigrate: n.cfg.NoMigrate, Now: n.clock})
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	return db, nil
}

// storeName names the store in the log.
func (n *Node) storeName() string {
	if n.opts.StoreName != "" {
		return n.opts.StoreName
	}
	return "sqlite " + filepath.Join(n.cfg.Data, DBFile)
}

// setup does the first-start setup under the setup lease: the demo price
// book into an empty store, the active prices into memory, the
// --reload-events-url webhook endpoint, the demo account (with --demo on).
func (n *Node) setup(ctx context.Context, g *generation) (*demoAccount, error) {
	var demo *demoAccount
	err := withSetupLease(ctx, n.ist, n.id, func() error {
		loadPrices(ctx, n.log, n.prices)
		if err := ensureReloadEvents(ctx, n.cfg, g.app); err != nil {
			return err
		}
		if !n.cfg.Demo {
			return nil
		}
		var err error
		demo, err = ensureDemoAccount(ctx, g.app, n.ist, n.cfg.DemoKey, n.cfg.DemoSecret)
		return err
	})
	return demo, err
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

// gatewayName names the reload gateway for the startup log line.
func gatewayName(kind string) string {
	if kind == reload.GatewayNone {
		return "none (top-ups are declined)"
	}
	return kind
}

// writeProbeKey is the meta key that the readiness probe writes.
const writeProbeKey = "write_probe"

// probeWrite is the readiness probe: a small write that must reach the
// disk, tried while the ledger's writes fail.
func (n *Node) probeWrite(ctx context.Context) error {
	return n.ist.SetMeta(ctx, writeProbeKey, time.Now().UTC().Format(time.RFC3339Nano))
}

// priceBookVersion is the active price-book version in memory, 0 when none.
func (n *Node) priceBookVersion() int64 {
	if n.prices == nil {
		return 0
	}
	if s := n.prices.Current(); s != nil {
		return s.Version()
	}
	return 0
}

// nodeID names this process as a lease holder: host name, process id and a
// random suffix, so that two processes never share a name.
func nodeID() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "kassa"
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// buildHandlers assembles the main listener's handler: the current
// generation's APIs, dashboard and /metrics, wrapped by Options.Wrap, behind
// the request front (client address, request id, metrics, access log).
func (n *Node) buildHandlers() {
	cfg := n.cfg
	var main http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.gen.Load().handler.ServeHTTP(w, r)
	})
	if n.opts.Wrap != nil {
		main = n.opts.Wrap(main)
	}
	front := httpfront.New(httpfront.Options{
		Logger:         n.log,
		Metrics:        n.metrics,
		AccessLog:      cfg.AccessLog,
		TrustedProxies: cfg.TrustedProxies,
		RedactPath:     httpapi.RedactPath,
	})
	if !opsOnMain(cfg) {
		ops := http.NewServeMux()
		ops.Handle("GET /metrics", n.metrics.Handler())
		ops.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok\n"))
		})
		n.ops = front.Wrap(ops)
	}
	n.handler = front.Wrap(main)
}

// opsOnMain reports whether /metrics is served on the main listener: no
// --ops-addr, or the same fixed address as --addr.
func opsOnMain(cfg *Config) bool {
	return cfg.OpsAddr == "" || cfg.OpsAddr == cfg.Addr && !strings.HasSuffix(cfg.Addr, ":0")
}

// listen opens the main listener (unless Options.Listener is one) and, when
// configured, the ops listener.
func (n *Node) listen() error {
	var err error
	ln := n.opts.Listener
	if ln == nil {
		if ln, err = net.Listen("tcp", n.cfg.Addr); err != nil {
			return configErrorf("--addr (KASSA_ADDR): cannot listen on %s: %v", n.cfg.Addr, err)
		}
	}
	n.ln = serverconn.Wrap(ln, deadlineGranularity)
	if n.ops != nil {
		if n.opsLn, err = net.Listen("tcp", n.cfg.OpsAddr); err != nil {
			return configErrorf("--ops-addr (KASSA_OPS_ADDR): cannot listen on %s: %v", n.cfg.OpsAddr, err)
		}
	}
	return nil
}

// Addr is the main listener's address.
func (n *Node) Addr() net.Addr { return n.ln.Addr() }

// URL is the base URL of the main listener ("http://127.0.0.1:8080").
func (n *Node) URL() string { return "http://" + n.ln.Addr().String() }

// AdminToken is the admin API's bearer token (configured or generated).
func (n *Node) AdminToken() string { return n.keys.adminToken }

// ServiceToken is the platform API's bearer token (configured or
// generated).
func (n *Node) ServiceToken() string { return n.keys.serviceToken }

// Store is the store as opened (a *sqlite.DB on SQLite).
func (n *Node) Store() kassa.Store { return n.st }

// Prices is the pricing service (the active price book in memory).
func (n *Node) Prices() *pricing.Service { return n.prices }

// Now is the node's clock.
func (n *Node) Now() time.Time { return n.now() }

// keys are the pepper and the API tokens.
type keys struct {
	pepper               *Pepper
	adminToken           string
	serviceToken         string
	newAdmin, newService bool
}

// loadKeys creates the data directory and loads (or creates) the pepper and
// the tokens.
func loadKeys(cfg *Config) (*keys, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	pepper, err := LoadPepper(PepperPath(cfg.Data, cfg.PepperFile))
	if err != nil {
		return nil, err
	}
	k := &keys{pepper: pepper}
	if k.adminToken, k.newAdmin, err = resolveToken(cfg.AdminToken, filepath.Join(cfg.Data, AdminTokenFile)); err != nil {
		return nil, err
	}
	if k.serviceToken, k.newService, err = resolveToken(cfg.ServiceToken, filepath.Join(cfg.Data, ServiceTokenFile)); err != nil {
		return nil, err
	}
	return k, nil
}

// printStartup prints the address and, once, the demo credentials and the
// generated tokens.
func printStartup(w io.Writer, base string, demo *demoAccount, k *keys, note func(string) string) {
	fmt.Fprintf(w, "kassa listening on %s\n", base)
	if note != nil {
		fmt.Fprintln(w, note(base))
	}
	if demo != nil {
		fmt.Fprintf(w, `
================ kassa demo account (shown once) ================
  api key     %s
  api secret  %s
  balance     %s EUR (demo money), auto-reload on, top-up trx %q
  try         curl -u %s:%s %s/account/get-balance
=================================================================
`, demo.key, demo.secret, DemoBalance.Decimal(), DemoTrx, demo.key, demo.secret, base)
	}
	if k.newAdmin {
		fmt.Fprintf(w, "\nadmin API token (generated, kept in the data directory): %s\n", k.adminToken)
	}
	if k.newService {
		fmt.Fprintf(w, "platform API token (generated, kept in the data directory): %s\n", k.serviceToken)
	}
}
