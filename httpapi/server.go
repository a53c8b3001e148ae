// Package httpapi serves kassa's HTTP surfaces: the public Account API
// (wire-compatible with the Vonage/Nexmo Developer Account API), the platform
// API for the operator's sending services, the admin API, and the operations
// endpoints. routes.go lists every route; each resource has its own file.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/webhook"
)

// Config is what the server needs. The command that starts kassa fills it.
//
// App runs every use case; the handlers only translate between the wire
// and it, and read the store directly for pure reads. When App is nil, New
// builds one from Store, Ledger, Pricing, Hasher, Auth, TopUp and the
// callback and authentication settings below (tests and embedded servers);
// with App set those fields are not used (Store and Pricing still serve
// the reads).
type Config struct {
	App          *app.Service
	Store        kassa.Store
	Logger       *slog.Logger
	Now          func() time.Time
	AdminToken   string // bearer token of the admin API
	ServiceToken string // bearer token of the platform API
	MaxBodyBytes int64  // request body limit; 0 means DefaultMaxBodyBytes

	// Hasher hashes new secrets (the secrets API, admin account creation).
	Hasher *auth.Hasher
	// Auth verifies api key and secret pairs; built from Store and Hasher
	// (with the default cache and brute-force limiter, lock-outs audited)
	// when nil.
	Auth *auth.Authenticator
	// Ledger applies every balance change (top-up, admin credits and
	// debits, platform charges).
	Ledger *charging.Ledger
	// Pricing answers the outbound pricing endpoints from its current
	// snapshot and is what /readyz checks.
	Pricing *pricing.Service

	// TopUp performs POST /account/top-up (reload.Reloader: charge the
	// payment behind trx, credit, daily cap); app.Config.TopUp.
	TopUp app.TopUpper

	// CheckCallback checks a callback URL live before POST
	// /account/settings saves it; an error refuses the change (the app
	// names the field in it). The syntax check always runs first. When
	// nil, the webhook checker: a guarded GET that must answer 200 within
	// CallbackTimeout, dialling only public addresses and CallbackAllow.
	CheckCallback func(ctx context.Context, url string) error
	// CallbackAllow lists the non-public networks the default callback
	// check may reach (--allow-callback-net, repeatable; webhook.ParseAllow).
	CallbackAllow []netip.Prefix
	// CallbackTimeout bounds the default callback check (--callback-timeout);
	// DefaultCallbackTimeout when 0.
	CallbackTimeout time.Duration

	// RateLimitsOff turns the per-account rate limits off for this server
	// (--rate-limits off): max-calls-per-second, the pricing limit and
	// max-outbound-request are then not enforced.
	RateLimitsOff bool

	// AuthMaxFailures is the number of failed authentications of one
	// client address on one api key within a minute after which that pair
	// is locked out (--auth-max-failures); half as many start slowing it
	// down, and 5× (one address on any key) or 10× (one key from any
	// address) lock out the wider scopes. 0 means auth.DefaultMaxFailures;
	// negative turns the brute-force limiter off. Used only when Auth is
	// nil (the app builds it).
	AuthMaxFailures int
	// AuthLockout is how long a lock-out lasts (--auth-lockout);
	// auth.DefaultLockout when 0. Used only when Auth is nil.
	AuthLockout time.Duration

	// Writes, when set, tells /readyz whether the store takes writes
	// (readiness.Writes, fed by the ledger's observers): not ready after a
	// failed write until one succeeds.
	Writes WriteHealth
}

// DefaultCallbackTimeout bounds a live callback-URL check.
const DefaultCallbackTimeout = 5 * time.Second

// DefaultMaxBodyBytes limits request bodies on every surface but price-book
// imports.
const DefaultMaxBodyBytes = 64 << 10

// Server is the HTTP handler of every kassa surface.
type Server struct {
	cfg     Config
	app     *app.Service
	log     *slog.Logger
	now     func() time.Time
	auth    *auth.Authenticator
	limits  rateLimits
	handler http.Handler
	listed  []Route // every operation the router serves (Routes)
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	// The application layer gets the caller's clock as given: nil is the
	// real clock, on which its authenticator runs the timer of the lock-out
	// summaries (an injected clock never arms it).
	callerNow := cfg.Now
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.App == nil {
		cfg.App = newApp(cfg, callerNow)
	}
	s := &Server{cfg: cfg, app: cfg.App, log: cfg.Logger, now: cfg.Now, limits: newRateLimits(cfg.Now, cfg.RateLimitsOff)}
	s.auth = cfg.App.Authenticator()
	s.handler = s.routes()
	return s
}

// newApp builds the use cases from the server's own configuration (see
// Config).
func newApp(cfg Config, now func() time.Time) *app.Service {
	ac := app.Config{
		Store: cfg.Store, Ledger: cfg.Ledger, Hasher: cfg.Hasher, Auth: cfg.Auth, TopUp: cfg.TopUp,
		AuthOptions: auth.Options{MaxFailures: cfg.AuthMaxFailures, Lockout: cfg.AuthLockout},
		Now:         now, Logger: cfg.Logger,
	}
	if cfg.Pricing != nil { // a nil *pricing.Service is not a nil Rater
		ac.Rater = cfg.Pricing
	}
	ac.Outbound = webhook.Guard{Allow: cfg.CallbackAllow}
	if cfg.CheckCallback != nil {
		ac.Callbacks = checkFunc(cfg.CheckCallback)
	} else {
		timeout := cfg.CallbackTimeout
		if timeout <= 0 {
			timeout = DefaultCallbackTimeout
		}
		ac.Callbacks = webhook.NewChecker(webhook.Guard{Allow: cfg.CallbackAllow}, timeout)
	}
	return app.New(ac)
}

// checkFunc adapts Config.CheckCallback to app.CallbackChecker.
type checkFunc func(ctx context.Context, url string) error

// CheckCallback implements app.CallbackChecker.
func (f checkFunc) CheckCallback(ctx context.Context, url string) error { return f(ctx, url) }

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
