package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/webhook"
)

// CallbackChecker checks a callback URL live before a settings change saves
// it (webhook.Checker implements it: a guarded GET that must answer 200).
type CallbackChecker interface {
	CheckCallback(ctx context.Context, rawURL string) error
}

// Config is what a Service needs. Store is required; a use case whose
// dependency is missing answers ENOTIMPLEMENTED or EUNAVAILABLE.
type Config struct {
	Store  kassa.Store
	Ledger *charging.Ledger // every balance change
	Rater  kassa.Rater      // prices for rating, charges and priced holds
	Hasher *auth.Hasher     // hashes new secrets; without it no secret can be made
	// Auth verifies api key and secret pairs, with a cache that every
	// change of a secret or of limits invalidates. When nil and Hasher is
	// set, New builds one over Store with AuthOptions, its lock-outs
	// audited as auth.lockout.
	Auth        *auth.Authenticator
	AuthOptions auth.Options
	// Callbacks checks new callback URLs live; nil checks their syntax
	// only.
	Callbacks CallbackChecker
	// Outbound is the outbound guard (its Allow: --allow-callback-net): a
	// webhook endpoint whose host is an address it refuses is refused at
	// registration.
	Outbound webhook.Guard
	// TopUp performs the public top-up (reload.Reloader); when nil, New
	// builds a reloader over Store and Ledger with the ledger-only gateway,
	// which credits without taking a payment (tests, embedded servers).
	TopUp TopUpper
	// MaxSubaccounts is the number of subaccounts a primary may have when
	// an operator set no maximum for it; kassa.DefaultMaxSubaccounts when 0.
	MaxSubaccounts int
	Now            func() time.Time // time.Now when nil
	Logger         *slog.Logger     // discards when nil
}

// Service holds the use cases. It is safe for concurrent use.
type Service struct {
	store     kassa.Store
	ledger    *charging.Ledger
	rater     kassa.Rater
	hasher    *auth.Hasher
	auth      *auth.Authenticator
	callbacks CallbackChecker
	outbound  webhook.Guard
	topUp     TopUpper
	now       func() time.Time
	// defaultMaxSubaccounts is Config.MaxSubaccounts or its default.
	defaultMaxSubaccounts int
	log                   *slog.Logger

	// currencies remembers the billing currency of the accounts Rate has
	// rated for (see accountCurrency).
	currencies sync.Map // api key → kassa.Currency
}

// New returns the Service over cfg.
func New(cfg Config) *Service {
	// The authenticator runs its lock-out summary timer only on the real
	// clock, which it knows by a nil Now: it gets the caller's clock only.
	authNow := cfg.Now
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{
		store: cfg.Store, ledger: cfg.Ledger, rater: cfg.Rater, hasher: cfg.Hasher, auth: cfg.Auth,
		callbacks: cfg.Callbacks, outbound: cfg.Outbound, topUp: cfg.TopUp, now: cfg.Now, log: cfg.Logger,
		defaultMaxSubaccounts: cfg.MaxSubaccounts,
	}
	if s.defaultMaxSubaccounts <= 0 {
		s.defaultMaxSubaccounts = kassa.DefaultMaxSubaccounts
	}
	if s.auth == nil && cfg.Hasher != nil && cfg.Store != nil {
		opts := cfg.AuthOptions
		if opts.Now == nil {
			opts.Now = authNow
		}
		opts.OnLockout = s.auditLockout
		s.auth = auth.NewAuthenticator(cfg.Store, cfg.Hasher, opts)
	}
	if s.topUp == nil {
		s.topUp = defaultTopUp(cfg)
	}
	return s
}

// Authenticator returns the api key and secret verifier the Service keeps
// current (Config.Auth, or the one New built), so that every surface that
// authenticates account holders shares its cache and brute-force limiter;
// nil without a Hasher.
func (s *Service) Authenticator() *auth.Authenticator { return s.auth }

// invalidate makes the credential cache forget apiKey, so that the next
// request reads its secrets and account again.
func (s *Service) invalidate(apiKey string) {
	if s.auth != nil {
		s.auth.Invalidate(apiKey)
	}
}

// errNoHasher answers a use case that needs to hash a secret on a Service
// without a Hasher.
var errNoHasher = kassa.Errorf(kassa.ENOTIMPLEMENTED, "secrets cannot be created on this server (no hasher is configured)")
