package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/httpfront"
	"github.com/kassa-dev/kassa/metrics"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/readiness"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/web"
	"github.com/kassa-dev/kassa/webhook"
)

// Limits of the reload gateway's outbound HTTP client.
const (
	reloadWebhookTimeout = 5 * time.Second
	reloadWebhookMaxBody = 64 << 10
)

// node is one running kassa server: its store, background jobs and
// listeners.
type node struct {
	id        string // this node's name in store leases
	cfg       *serveConfig
	log       *slog.Logger
	db        store       // the store as opened
	st        kassa.Store // the same, instrumented
	metrics   *metrics.Metrics
	prices    *pricing.Service
	ledger    *charging.Ledger
	writes    *readiness.Writes // the store's write health, for /readyz
	reloader  *reload.Reloader
	app       *app.Service // every use case, for the APIs, the dashboard and the first-start setup
	handler   http.Handler // the main listener's
	ops       http.Handler // the ops listener's; nil when /metrics is on the main one
	ln, opsLn net.Listener
}

// startNode opens the store, builds every component and opens the
// listeners; it prints the startup banner. On error everything it opened is
// closed.
func startNode(ctx context.Context, e *env, cfg *serveConfig, log *slog.Logger) (_ *node, err error) {
	n := &node{id: nodeID(), cfg: cfg, log: log}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	keys, err := loadKeys(cfg)
	if err != nil {
		return nil, err
	}
	if n.db, err = openStore(ctx, storeOpen{url: cfg.Store, data: cfg.Data, noMigrate: cfg.NoMigrate, log: log}); err != nil {
		return nil, err
	}
	if err := checkPepper(ctx, n.db, keys.pepper); err != nil {
		return nil, err
	}
	n.metrics = metrics.New(n.priceBookVersion)
	n.st = n.metrics.InstrumentStore(n.db)
	n.prices = pricing.NewService(n.st, refdata.Default(), pricing.ServiceOptions{Logger: log, FX: cfg.FX})
	n.writes = readiness.New(n.probeWrite, readiness.Options{Logger: log})
	n.ledger = charging.New(n.st, charging.Options{
		Logger:   log,
		OnCommit: n.metrics.LedgerCommitted,
		OnWriteError: func(err error) {
			n.metrics.LedgerFailed(err)
			n.writes.Failed(err)
		},
	})
	n.ledger.Subscribe(n.writes.Committed)
	// The reloader subscribes to the ledger's commits itself (nudges).
	if n.reloader, err = newReloader(cfg, log, n.id, n.st, n.ledger, n.metrics); err != nil {
		return nil, err
	}
	n.app = newApp(cfg, log, n.st, n.ledger, n.prices, n.reloader, keys.hasher)
	var demo *demoAccount
	err = withSetupLease(ctx, n.st, n.id, func() error {
		loadPrices(ctx, log, n.prices)
		if !cfg.Demo {
			return nil
		}
		var err error
		demo, err = ensureDemoAccount(ctx, n.app, n.st, cfg.DemoKey, cfg.DemoSecret)
		return err
	})
	if err != nil {
		return nil, err
	}
	n.buildHandlers(keys)
	if err := n.listen(); err != nil {
		return nil, err
	}
	base := "http://" + n.ln.Addr().String()
	printStartup(e.stdout, base, demo, keys.newAdmin, keys.adminToken, keys.newService, keys.serviceToken)
	attrs := []any{"addr", n.ln.Addr().String(), "store", storeOpen{url: cfg.Store, data: cfg.Data}.describe(), "reload_gateway", gatewayName(cfg.ReloadGateway)}
	if n.opsLn != nil {
		attrs = append(attrs, "ops_addr", n.opsLn.Addr().String())
	}
	log.Info("kassa listening", attrs...)
	if cfg.ReloadGateway == reload.GatewayNone {
		log.Warn("no payment gateway: every top-up and auto-reload is declined (420); set --reload-gateway webhook or ledger-only (KASSA_RELOAD_GATEWAY)")
	}
	return n, nil
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
func (n *node) probeWrite(ctx context.Context) error {
	return n.st.SetMeta(ctx, writeProbeKey, time.Now().UTC().Format(time.RFC3339Nano))
}

// priceBookVersion is the active price-book version in memory, 0 when none.
func (n *node) priceBookVersion() int64 {
	if n.prices == nil {
		return 0
	}
	if s := n.prices.Current(); s != nil {
		return s.Version()
	}
	return 0
}

// serveKeys are the pepper and the API tokens.
type serveKeys struct {
	pepper               *pepperKey
	hasher               *auth.Hasher
	adminToken           string
	serviceToken         string
	newAdmin, newService bool
}

// loadKeys creates the data directory and loads (or creates) the pepper and
// the tokens.
func loadKeys(cfg *serveConfig) (*serveKeys, error) {
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	pepper, err := loadPepper(pepperPath(cfg.Data, cfg.PepperFile))
	if err != nil {
		return nil, err
	}
	k := &serveKeys{pepper: pepper, hasher: pepper.hasher}
	if k.adminToken, k.newAdmin, err = resolveToken(cfg.AdminToken, filepath.Join(cfg.Data, adminTokenFile)); err != nil {
		return nil, err
	}
	if k.serviceToken, k.newService, err = resolveToken(cfg.ServiceToken, filepath.Join(cfg.Data, serviceTokenFile)); err != nil {
		return nil, err
	}
	return k, nil
}

// newApp builds the use cases over the node's components: the
// authenticator (with the brute-force settings) and the live callback check
// (through the outbound guard) are made here, once for every surface.
func newApp(cfg *serveConfig, log *slog.Logger, st kassa.Store, ledger *charging.Ledger, prices *pricing.Service, reloader *reload.Reloader, hasher *auth.Hasher) *app.Service {
	return app.New(app.Config{
		Store: st, Ledger: ledger, Rater: prices, Hasher: hasher, TopUp: reloader,
		AuthOptions: auth.Options{MaxFailures: cfg.AuthMaxFailures, Lockout: cfg.AuthLockout},
		Callbacks:   webhook.NewChecker(webhook.Guard{Allow: cfg.AllowCallbackNet}, cfg.CallbackTimeout),
		Logger:      log,
	})
}

// newReloader builds the auto-reload engine with the configured gateway;
// its events are counted and, with --reload-events-url, POSTed.
func newReloader(cfg *serveConfig, log *slog.Logger, id string, st kassa.Store, ledger *charging.Ledger, m *metrics.Metrics) (*reload.Reloader, error) {
	client := webhook.Client(webhook.Guard{Allow: cfg.AllowCallbackNet}, reloadWebhookTimeout, reloadWebhookMaxBody)
	secret := []byte(cfg.ReloadWebhookSecret)
	gw, err := reload.NewGateway(cfg.ReloadGateway, cfg.ReloadWebhookURL, secret, client)
	if err != nil {
		return nil, usageError("%v", err)
	}
	events := &countedEvents{metrics: m}
	if cfg.ReloadEventsURL != "" {
		events.next = &reload.WebhookNotifier{URL: cfg.ReloadEventsURL, Secret: secret, Client: client}
	}
	return reload.New(st, ledger, gw, reload.Options{
		Interval: cfg.ReloadInterval,
		LeaseTTL: cfg.ReloadLeaseTTL,
		Logger:   log,
		NodeID:   id,
		Events:   events,
	}), nil
}

// countedEvents counts every auto-reload event and passes it on.
type countedEvents struct {
	metrics *metrics.Metrics
	next    reload.Notifier // nil: counted only
}

// Notify implements reload.Notifier.
func (c *countedEvents) Notify(ctx context.Context, e reload.Event) error {
	c.metrics.ReloadEvent(e.Type)
	if c.next == nil {
		return nil
	}
	return c.next.Notify(ctx, e)
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

// buildHandlers assembles the APIs, the dashboard and /metrics behind the
// request front (client address, request id, metrics, access log).
func (n *node) buildHandlers(keys *serveKeys) {
	cfg := n.cfg
	api := httpapi.New(httpapi.Config{
		App:           n.app,
		Store:         n.st,
		Pricing:       n.prices,
		Logger:        n.log,
		AdminToken:    keys.adminToken,
		ServiceToken:  keys.serviceToken,
		RateLimitsOff: !cfg.RateLimits,
		Writes:        n.writes,
	})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	if cfg.UI {
		mux.Handle("/ui/", web.New(web.Config{
			Store:      n.st,
			App:        n.app, // one credential cache and brute-force limiter for the API and the sign-in
			Hasher:     keys.hasher,
			Pricing:    n.prices,
			AdminToken: keys.adminToken,
			Logger:     n.log,
		}))
	}
	front := httpfront.New(httpfront.Options{
		Logger:         n.log,
		Metrics:        n.metrics,
		AccessLog:      cfg.AccessLog,
		TrustedProxies: cfg.TrustedProxies,
		RedactPath:     httpapi.RedactPath,
	})
	if opsOnMain(cfg) {
		mux.Handle("GET /metrics", n.metrics.Handler())
	} else {
		ops := http.NewServeMux()
		ops.Handle("GET /metrics", n.metrics.Handler())
		ops.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok\n"))
		})
		n.ops = front.Wrap(ops)
	}
	n.handler = front.Wrap(mux)
}

// opsOnMain reports whether /metrics is served on the main listener: no
// --ops-addr, or the same fixed address as --addr.
func opsOnMain(cfg *serveConfig) bool {
	return cfg.OpsAddr == "" || cfg.OpsAddr == cfg.Addr && !strings.HasSuffix(cfg.Addr, ":0")
}

// listen opens the main listener and, when configured, the ops listener.
func (n *node) listen() error {
	var err error
	if n.ln, err = net.Listen("tcp", n.cfg.Addr); err != nil {
		return usageError("--addr (KASSA_ADDR): cannot listen on %s: %v", n.cfg.Addr, err)
	}
	if n.ops != nil {
		if n.opsLn, err = net.Listen("tcp", n.cfg.OpsAddr); err != nil {
			return usageError("--ops-addr (KASSA_OPS_ADDR): cannot listen on %s: %v", n.cfg.OpsAddr, err)
		}
	}
	return nil
}

// run serves until ctx ends, then shuts down in order: the listeners stop
// accepting and in-flight requests finish (up to --shutdown-timeout), the
// background jobs stop, the ledger drains its queue. close closes the store.
func (n *node) run(ctx context.Context) error {
	bg, stopBG := context.WithCancel(context.Background())
	var jobs sync.WaitGroup
	jobs.Add(3)
	go func() { defer jobs.Done(); _ = n.prices.Run(bg) }()
	go func() { defer jobs.Done(); n.ledger.Run(bg) }()
	go func() { defer jobs.Done(); n.reloader.Run(bg) }()

	servers := []*http.Server{n.httpServer(ctx, n.handler)}
	listeners := []net.Listener{n.ln}
	if n.ops != nil {
		servers = append(servers, n.httpServer(ctx, n.ops))
		listeners = append(listeners, n.opsLn)
	}
	failed := make(chan error, len(servers))
	for i, hs := range servers {
		go func() {
			if err := hs.Serve(listeners[i]); !errors.Is(err, http.ErrServerClosed) {
				failed <- fmt.Errorf("serve: %w", err)
			}
		}()
	}
	var runErr error
	select {
	case runErr = <-failed:
		n.log.Error("a listener failed; shutting down", "err", runErr)
	case <-ctx.Done():
	}

	n.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), n.cfg.ShutdownTimeout)
	defer cancel()
	for _, hs := range servers {
		if err := hs.Shutdown(sctx); err != nil && runErr == nil {
			runErr = fmt.Errorf("shutdown: %w", err)
		}
	}
	n.log.Info("shutting down: stopping background jobs")
	stopBG()
	jobs.Wait()
	n.reloader.Wait()
	n.log.Info("shutting down: draining the ledger")
	n.ledger.Close()
	n.log.Info("stopped")
	return runErr
}

// httpServer is the http.Server of one listener. Requests keep running
// after ctx ends, until Shutdown's deadline.
func (n *node) httpServer(ctx context.Context, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(n.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// close releases what startNode opened: the listeners (when run did not
// serve), the ledger, the store. Safe to call more than once.
func (n *node) close() {
	for _, ln := range []net.Listener{n.ln, n.opsLn} {
		if ln != nil {
			_ = ln.Close()
		}
	}
	if n.ledger != nil {
		n.ledger.Close()
	}
	if n.db != nil {
		if err := n.db.Close(); err != nil {
			n.log.Error("close store", "err", err)
		}
	}
}
