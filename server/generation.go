package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/events"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/metrics"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/web"
	"github.com/kassa-dev/kassa/webhook"
)

// Limits of the reload gateway's outbound HTTP client.
const (
	reloadWebhookTimeout = 5 * time.Second
	reloadWebhookMaxBody = 64 << 10
)

// generation is the part of a node that holds state in memory above the
// store: the ledger, auto-reload, the use cases (credential cache,
// brute-force limiter), the surfaces (rate limiters, the dashboard's
// sign-in limiter) and their background jobs. A node normally keeps its
// first generation for good; Rebuild replaces it with a fresh one over the
// same store (the emulator does, after restoring the store, so that no
// cache remembers what the restore undid). A component that keeps state in
// memory belongs here.
type generation struct {
	ledger     *charging.Ledger
	reloader   *reload.Reloader
	dispatcher *events.Dispatcher // delivers the outbox's events to the webhook endpoints
	app        *app.Service       // every use case, for the APIs, the dashboard and the first-start setup
	handler    http.Handler       // the APIs, the dashboard and, on the main listener, /metrics

	cancel context.CancelFunc // stops the background jobs; nil until started
	jobs   sync.WaitGroup
}

// build makes a generation over the node's store.
func (n *Node) build() (*generation, error) {
	cfg := n.cfg
	g := &generation{}
	g.ledger = charging.New(n.ist, charging.Options{
		Logger:   n.log,
		Now:      n.clock,
		OnCommit: n.metrics.LedgerCommitted,
		OnWriteError: func(err error) {
			n.metrics.LedgerFailed(err)
			n.writes.Failed(err)
		},
	})
	g.ledger.Subscribe(n.writes.Committed)
	var err error
	// The reloader subscribes to the ledger's commits itself (nudges).
	if g.reloader, err = newReloader(cfg, n.log, n.clock, n.id, n.ist, g.ledger, n.metrics); err != nil {
		g.ledger.Close()
		return nil, err
	}
	g.dispatcher = events.New(n.ist, events.Options{
		Now:       n.clock,
		Logger:    n.log,
		NodeID:    n.id,
		LeaseTTL:  cfg.EventsLeaseTTL,
		Guard:     webhook.Guard{Allow: cfg.AllowCallbackNet},
		OnAttempt: n.metrics.EventDelivery,
		OnBacklog: n.metrics.EventBacklog(n.now),
	})
	// A commit that wrote events gets them on their way at once.
	g.ledger.SubscribeEvents(func([]*kassa.Event) { g.dispatcher.Nudge() })
	g.app = newApp(cfg, n.log, n.clock, n.ist, g.ledger, n.prices, g.reloader, n.keys.pepper.Hasher)
	api := httpapi.New(httpapi.Config{
		App:           g.app,
		Store:         n.ist,
		Pricing:       n.prices,
		Logger:        n.log,
		Now:           n.clock,
		AdminToken:    n.keys.adminToken,
		ServiceToken:  n.keys.serviceToken,
		RateLimitsOff: !cfg.RateLimits,
		Writes:        n.writes,
	})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	if cfg.UI {
		activity := web.NewActivity(n.clock)
		g.ledger.Subscribe(activity.Observe)
		mux.Handle("/ui/", web.New(web.Config{
			Activity:   activity,
			Store:      n.ist,
			App:        g.app, // one credential cache and brute-force limiter for the API and the sign-in
			Hasher:     n.keys.pepper.Hasher,
			Pricing:    n.prices,
			AdminToken: n.keys.adminToken,
			Logger:     n.log,
			Now:        n.clock,
		}))
	}
	if opsOnMain(cfg) {
		mux.Handle("GET /metrics", n.metrics.Handler())
	}
	g.handler = apiFirst(api, mux)
	return g, nil
}

// start starts the generation's background jobs: hold expiry, the
// auto-reload scheduler and the event dispatcher.
func (g *generation) start(parent context.Context) {
	ctx, cancel := context.WithCancel(parent)
	g.cancel = cancel
	g.jobs.Add(3)
	go func() { defer g.jobs.Done(); g.ledger.Run(ctx) }()
	go func() { defer g.jobs.Done(); g.reloader.Run(ctx) }()
	go func() { defer g.jobs.Done(); g.dispatcher.Run(ctx) }()
}

// stop stops the background jobs, writes the lock-out summaries still
// waiting for their window to the audit log, and drains the ledger: every
// operation queued before is committed and answered, later ones fail
// (unavailable).
func (g *generation) stop() {
	if g.cancel != nil {
		g.cancel()
		g.jobs.Wait()
	}
	if a := g.app.Authenticator(); a != nil {
		a.FlushLockouts()
	}
	g.reloader.Wait()
	g.ledger.Close()
}

// newApp builds the use cases over the node's components: the
// authenticator (with the brute-force settings) and the live callback check
// (through the outbound guard) are made here, once for every surface.
func newApp(cfg *Config, log *slog.Logger, now func() time.Time, st kassa.Store, ledger *charging.Ledger, prices *pricing.Service, reloader *reload.Reloader, hasher *auth.Hasher) *app.Service {
	return app.New(app.Config{
		Store: st, Ledger: ledger, Rater: prices, Hasher: hasher, TopUp: reloader,
		AuthOptions: auth.Options{MaxFailures: cfg.AuthMaxFailures, Lockout: cfg.AuthLockout},
		Callbacks:   webhook.NewChecker(webhook.Guard{Allow: cfg.AllowCallbackNet}, cfg.CallbackTimeout),
		Outbound:    webhook.Guard{Allow: cfg.AllowCallbackNet},
		Logger:      log,
		Now:         now,
	})
}

// newReloader builds the auto-reload engine with the configured gateway;
// its audit events are counted (the --reload-events-url endpoint receives
// the outbox's reload events: see ensureReloadEvents).
func newReloader(cfg *Config, log *slog.Logger, now func() time.Time, id string, st kassa.Store, ledger *charging.Ledger, m *metrics.Metrics) (*reload.Reloader, error) {
	client := webhook.Client(webhook.Guard{Allow: cfg.AllowCallbackNet}, reloadWebhookTimeout, reloadWebhookMaxBody)
	secret := []byte(cfg.ReloadWebhookSecret)
	gw, err := reload.NewGateway(cfg.ReloadGateway, cfg.ReloadWebhookURL, secret, client)
	if err != nil {
		return nil, configErrorf("%v", err)
	}
	return reload.New(st, ledger, gw, reload.Options{
		Now:      now,
		Interval: cfg.ReloadInterval,
		LeaseTTL: cfg.ReloadLeaseTTL,
		Logger:   log,
		NodeID:   id,
		Events:   countedEvents{metrics: m},
	}), nil
}

// countedEvents counts every auto-reload audit event.
type countedEvents struct {
	metrics *metrics.Metrics
}

// Notify implements reload.Notifier.
func (c countedEvents) Notify(_ context.Context, e reload.Event) error {
	c.metrics.ReloadEvent(e.Type)
	return nil
}

// reloadEventTypes are the event types the --reload-events-url endpoint
// receives.
var reloadEventTypes = []string{kassa.EventReloadSucceeded, kassa.EventReloadFailed}

// ensureReloadEvents keeps --reload-events-url registered as the webhook
// endpoint app.ReloadEventsEndpoint, signed with the reload webhook secret
// and receiving the reload events; without the setting it leaves an
// endpoint registered before alone (delete it through the admin API).
func ensureReloadEvents(ctx context.Context, cfg *Config, svc *app.Service) error {
	if cfg.ReloadEventsURL == "" {
		return nil
	}
	_, err := svc.EnsureWebhook(ctx, app.System, app.ReloadEventsEndpoint, app.NewWebhook{
		URL: cfg.ReloadEventsURL, Secret: cfg.ReloadWebhookSecret, Events: reloadEventTypes,
		Description: "--reload-events-url",
	})
	if err != nil {
		return configErrorf("--reload-events-url (KASSA_RELOAD_EVENTS_URL): %s", kassa.ErrorMessage(err))
	}
	return nil
}

// Rebuild replaces the components that keep state in memory (see
// generation) with fresh ones over the same store: it stops the current
// generation's background jobs and drains its ledger, calls between (the
// emulator restores the store there), reloads the active price book and
// builds and starts the next generation. The caller keeps requests away
// meanwhile (they would find the old ledger closed). When between fails the
// node still gets its new generation, and the error is returned.
func (n *Node) Rebuild(ctx context.Context, between func(ctx context.Context) error) error {
	n.genMu.Lock()
	defer n.genMu.Unlock()
	n.gen.Load().stop()
	var errs []error
	if between != nil {
		if err := between(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if err := n.prices.Load(ctx); err != nil && kassa.ErrorCode(err) != kassa.ENOTFOUND {
		errs = append(errs, fmt.Errorf("reload prices: %w", err))
	}
	g, err := n.build()
	if err != nil {
		// The configuration built the first generation; it cannot fail
		// now. Keep serving with a generation whose ledger is closed
		// rather than none.
		return fmt.Errorf("rebuild: %w", err)
	}
	if n.running {
		g.start(n.bg)
	}
	n.gen.Store(g)
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// TimedJobs says what RunTimedJobs did.
type TimedJobs struct {
	HoldsExpired int
	Reload       reload.Summary
	Deliveries   events.Summary
}

// RunTimedJobs runs, now, the background jobs that act on the clock: hold
// expiry, the auto-reload scheduler and the webhook deliveries due (their
// retries wait on the clock; also daily caps and statements as kassa gains
// them). They otherwise run on their own timers; the emulator
// runs them right after moving its clock forward, so that a test sees their
// effect without waiting.
func (n *Node) RunTimedJobs(ctx context.Context) (TimedJobs, error) {
	n.genMu.Lock()
	defer n.genMu.Unlock()
	g := n.gen.Load()
	var out TimedJobs
	var err error
	if out.HoldsExpired, err = g.ledger.ExpireHolds(ctx); err != nil {
		return out, fmt.Errorf("expire holds: %w", err)
	}
	if out.Reload, err = g.reloader.RunOnce(ctx); err != nil {
		return out, fmt.Errorf("auto-reload: %w", err)
	}
	if out.Deliveries, err = g.dispatcher.RunOnce(ctx); err != nil {
		return out, fmt.Errorf("webhook deliveries: %w", err)
	}
	return out, nil
}

// App is the current generation's use cases.
func (n *Node) App() *app.Service { return n.gen.Load().app }

// Ledger is the current generation's ledger.
func (n *Node) Ledger() *charging.Ledger { return n.gen.Load().ledger }

// Hasher hashes and checks API secrets with the node's pepper.
func (n *Node) Hasher() *auth.Hasher { return n.keys.pepper.Hasher }
