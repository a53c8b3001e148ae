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
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/pricing"
)

// Config is what the server needs. The command that starts kassa fills it.
type Config struct {
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

	// TopUp, when set, performs POST /account/top-up (reload.Reloader.TopUp:
	// charge the payment behind trx, credit, daily cap); requestKey is the
	// request's Idempotency-Key header. When nil the handler credits the
	// auto-reload amount through Ledger without a payment step.
	TopUp func(ctx context.Context, apiKey, trx, requestKey string) (*kassa.Entry, error)

	// CheckCallback checks a callback URL live before POST
	// /account/settings saves it (field is "moCallBackUrl" or
	// "drCallBackUrl"); an error refuses the change. The syntax check of
	// validateCallbackURL always runs first. When nil, New sets the
	// webhook checker: a guarded GET that must answer 200 within
	// CallbackTimeout, dialling only public addresses and CallbackAllow.
	CheckCallback func(ctx context.Context, field, url string) error
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
	// nil (New builds it).
	AuthMaxFailures int
	// AuthLockout is how long a lock-out lasts (--auth-lockout);
	// auth.DefaultLockout when 0. Used only when Auth is nil.
	AuthLockout time.Duration
}

// DefaultCallbackTimeout bounds a live callback-URL check.
const DefaultCallbackTimeout = 5 * time.Second

// DefaultMaxBodyBytes limits request bodies on every surface but price-book
// imports.
const DefaultMaxBodyBytes = 64 << 10

// Server is the HTTP handler of every kassa surface.
type Server struct {
	cfg     Config
	log     *slog.Logger
	now     func() time.Time
	auth    *auth.Authenticator
	limits  rateLimits
	handler http.Handler

	// currencies remembers the billing currency of the accounts that
	// POST /platform/v1/rate has rated for (see accountCurrency).
	currencies sync.Map // api key → kassa.Currency
}

// New builds the server and its routes.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxBodyBytes == 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.CallbackTimeout <= 0 {
		cfg.CallbackTimeout = DefaultCallbackTimeout
	}
	if cfg.CheckCallback == nil {
		cfg.CheckCallback = callbackChecker(cfg.CallbackAllow, cfg.CallbackTimeout)
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: cfg.Now, limits: newRateLimits(cfg.Now, cfg.RateLimitsOff)}
	if cfg.Auth == nil && cfg.Hasher != nil && cfg.Store != nil {
		cfg.Auth = auth.NewAuthenticator(cfg.Store, cfg.Hasher, auth.Options{
			Now: cfg.Now, MaxFailures: cfg.AuthMaxFailures, Lockout: cfg.AuthLockout, OnLockout: s.auditLockout,
		})
		s.cfg.Auth = cfg.Auth
	}
	s.auth = cfg.Auth
	s.handler = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
