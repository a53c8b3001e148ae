package web

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/pricing"
)

// Prefix is the path under which the dashboard is served.
const Prefix = "/ui/"

// Defaults of Config.
const (
	DefaultSessionIdle     = 30 * time.Minute
	DefaultSessionLifetime = 12 * time.Hour
	DefaultMaxImportBytes  = 64 << 20
)

// Config is what the dashboard needs. Store, App, Hasher and Pricing are
// required. The dashboard's sessions live in Store (every node sharing the
// database sees them; they survive restarts); Hasher's pepper keys the
// operator sessions' fingerprint of AdminToken and tells which secret a
// sign-in used, so nodes must share it (they must anyway, for secrets).
type Config struct {
	Store kassa.Store // the pages' reads
	// App runs every change (secrets, settings, credits and debits,
	// auto-reload) and verifies api key and secret at sign-in with its
	// Authenticator: pass the API's, so that both share one credential
	// cache and brute-force limiter.
	App        *app.Service
	Hasher     *auth.Hasher     // the pepper's hasher (see above)
	Pricing    *pricing.Service // the map, country details, number look-up, price-book import
	AdminToken string           // operators sign in with it; "" disables operator sign-in

	// Limiter counts failed operator sign-ins (admin token) per client;
	// NewMemoryLimiter(Now) when nil. Account holders' failures are counted
	// by the app's Authenticator's brute-force limiter.
	Limiter Limiter

	Now             func() time.Time // time.Now when nil
	Logger          *slog.Logger     // discards when nil
	SessionIdle     time.Duration    // a session ends after this long unused (to within a minute); DefaultSessionIdle when 0
	SessionLifetime time.Duration    // and at the latest this long after sign-in; DefaultSessionLifetime when 0
	MaxImportBytes  int64            // price-book upload limit; DefaultMaxImportBytes when 0

	// Activity counts this node's charges per minute for the operator
	// overview (subscribe it to the ledger); nil shows none.
	Activity *Activity
}

// handler is the dashboard.
type handler struct {
	cfg      Config
	app      *app.Service
	auth     *auth.Authenticator
	log      *slog.Logger
	now      func() time.Time
	sessions *sessionStore
	limiter  Limiter
	pages    *pages
	world    *worldMap
	maps     *mapCache
	mux      *http.ServeMux
}

// New returns the dashboard's handler; mount it at Prefix:
//
//	mux.Handle("/ui/", web.New(web.Config{...}))
//
// It panics when a required field is missing: that is a wiring mistake.
func New(cfg Config) http.Handler {
	if cfg.Store == nil || cfg.App == nil || cfg.App.Authenticator() == nil || cfg.Hasher == nil || cfg.Pricing == nil {
		panic("web: Config needs Store, App (with an Authenticator), Hasher and Pricing")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.SessionIdle <= 0 {
		cfg.SessionIdle = DefaultSessionIdle
	}
	if cfg.SessionLifetime <= 0 {
		cfg.SessionLifetime = DefaultSessionLifetime
	}
	if cfg.MaxImportBytes <= 0 {
		cfg.MaxImportBytes = DefaultMaxImportBytes
	}
	if cfg.Limiter == nil {
		cfg.Limiter = NewMemoryLimiter(cfg.Now)
	}
	h := &handler{
		cfg:      cfg,
		app:      cfg.App,
		auth:     cfg.App.Authenticator(),
		log:      cfg.Logger,
		now:      cfg.Now,
		sessions: newSessionStore(cfg.Store, cfg.Logger, cfg.Now, cfg.SessionIdle, cfg.SessionLifetime, adminFingerprint(cfg.Hasher, cfg.AdminToken)),
		limiter:  cfg.Limiter,
		pages:    mustParsePages(),
		world:    mustLoadWorld(),
		maps:     newMapCache(),
	}
	h.mux = h.routes()
	return h
}

// adminFingerprint is what operator sessions record of the admin token:
// nil when operator sign-in is disabled.
func adminFingerprint(h *auth.Hasher, token string) []byte {
	if token == "" {
		return nil
	}
	return h.Hash([]byte(adminFingerprintLabel), token)
}

// ServeHTTP sets the headers every dashboard answer carries and routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.mux.ServeHTTP(w, r)
}
