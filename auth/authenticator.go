package auth

import (
	"context"
	"errors"
	"time"

	"github.com/kassa-dev/kassa"
)

// DefaultCacheTTL is how long a verified (key, secret) pair is trusted
// without asking the store again. A revocation on this node takes effect at
// once (Invalidate); a revocation on another node sharing the store takes
// effect within this time.
const DefaultCacheTTL = time.Second

// DefaultCacheSize bounds the number of cached pairs; when full the cache is
// emptied (a simple, safe policy: the next request of each caller verifies
// against the store again).
const DefaultCacheSize = 10000

// Store is what the Authenticator reads: secrets and accounts.
type Store interface {
	Secrets(ctx context.Context, apiKey string) ([]*kassa.Secret, error)
	FindAccount(ctx context.Context, apiKey string) (*kassa.Account, error)
}

// Options tune an Authenticator. Zero values take the defaults.
type Options struct {
	CacheTTL  time.Duration // DefaultCacheTTL when 0; negative disables the cache
	CacheSize int           // DefaultCacheSize when 0
	Now       func() time.Time
	// MaxFailures failed attempts by one client on one key within
	// FailureWindow lock that pair out for Lockout; half as many start
	// slowing the pair down (see limiter). DefaultMaxFailures,
	// DefaultFailureWindow and DefaultLockout when 0; a negative
	// MaxFailures disables the limiter.
	MaxFailures   int
	FailureWindow time.Duration
	Lockout       time.Duration
	// OnLockout, when set, receives the lock-out reports, e.g. to write
	// audit events: the first lock-out of a scope and key in a window
	// synchronously as it starts, the later ones of the window in one
	// report when it ends (see Lockout; at most two reports per scope and
	// key and window, for at most a hundred keys and one overflow group).
	// A summary is sent by the first authentication after its window, by
	// a timer when Now is nil (the real clock), or by FlushLockouts.
	OnLockout func(Lockout)
}

// Authenticator checks api key and secret pairs.
type Authenticator struct {
	store  Store
	hasher *Hasher
	ttl    time.Duration
	size   int
	now    func() time.Time
	dummy  *kassa.Secret // verified against when the key is unknown, for equal work
	// check verifies a presented secret against a stored one
	// (hasher.Verify; tests count the calls).
	check   func(s *kassa.Secret, secret string) bool
	limit   *limiter        // nil when disabled
	reports *lockoutReports // nil without a limiter or OnLockout

	cache *verifiedCache // verified pairs (cache.go)
}

// NewAuthenticator returns an Authenticator over store.
func NewAuthenticator(store Store, hasher *Hasher, opts Options) *Authenticator {
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	// The backstop timer of the lock-out summaries runs on the real clock
	// only: with an injected clock, summaries wait for an authentication
	// or FlushLockouts.
	var schedule func(time.Duration, func())
	if opts.Now == nil {
		opts.Now = time.Now
		schedule = func(d time.Duration, f func()) { time.AfterFunc(d, f) }
	}
	if opts.MaxFailures == 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = DefaultFailureWindow
	}
	if opts.Lockout <= 0 {
		opts.Lockout = DefaultLockout
	}
	var limit *limiter
	var reports *lockoutReports
	if opts.MaxFailures > 0 {
		limit = newLimiter(opts.MaxFailures, opts.FailureWindow, opts.Lockout, opts.Now)
		if opts.OnLockout != nil {
			reports = newLockoutReports(opts.FailureWindow, opts.Now, opts.OnLockout, schedule)
		}
	}
	return &Authenticator{
		limit:   limit,
		reports: reports,
		store:   store,
		hasher:  hasher,
		ttl:     opts.CacheTTL,
		size:    opts.CacheSize,
		now:     opts.Now,
		dummy:   hasher.newSecret("", GenerateSecret(), time.Time{}),
		cache:   newVerifiedCache(opts.CacheTTL, opts.CacheSize, opts.Now),
		check:   hasher.Verify,
	}
}

// ErrUnauthorized is the error of every failed authentication. It never says
// whether the key exists.
var ErrUnauthorized = &kassa.Error{Code: kassa.EUNAUTHORIZED, Message: "authentication failed"}

// LockedOut is the error of a client slowed down or locked out after too
// many failures (ERATELIMITED); RetryAfter says when to try again.
type LockedOut struct {
	RetryAfter time.Duration
}

// Error implements the error interface.
func (e *LockedOut) Error() string { return "too many failed authentication attempts" }

// Unwrap gives the domain error.
func (e *LockedOut) Unwrap() error {
	return &kassa.Error{Code: kassa.ERATELIMITED, Message: "too many failed authentication attempts; retry later"}
}

// Authenticate is AuthenticateFrom for an unnamed client.
func (a *Authenticator) Authenticate(ctx context.Context, apiKey, secret string) (*kassa.Account, error) {
	return a.AuthenticateFrom(ctx, "", apiKey, secret)
}

// AuthenticateFrom returns the account whose key is apiKey if secret is one
// of its secrets, and ErrUnauthorized otherwise. Unknown keys cost the same
// hashing work as known ones. client names the caller (its IP address) for
// the brute-force limiter: after too many failures on one key a client gets
// a *LockedOut error (ERATELIMITED), even with the right secret, until the
// delay or the lock-out ends (see limiter for the scopes). The credentials
// of a suspended subaccount are refused too (ErrUnauthorized). Store failures other than "not found" are returned as they
// are (EUNAVAILABLE stays EUNAVAILABLE).
func (a *Authenticator) AuthenticateFrom(ctx context.Context, client, apiKey, secret string) (*kassa.Account, error) {
	return a.authenticateFrom(ctx, client, apiKey, secret, true)
}

// AuthenticateCachedFrom is AuthenticateFrom for handlers that read only
// the account's key, currency and limits (the pricing endpoints, and
// get-balance, which reads the balance itself from the store): when the pair was
// verified less than the cache TTL ago it returns a copy of the account as
// read at that verification, without reading the store. The key and the
// currency of an account never change; its balance, settings and limits may
// be up to the TTL old (an admin change calls Invalidate, so on this node
// they are current). Revocation works as for AuthenticateFrom: at once.
func (a *Authenticator) AuthenticateCachedFrom(ctx context.Context, client, apiKey, secret string) (*kassa.Account, error) {
	return a.authenticateFrom(ctx, client, apiKey, secret, false)
}

// authenticateFrom is AuthenticateFrom; fresh reads the account from the
// store on a cache hit too.
func (a *Authenticator) authenticateFrom(ctx context.Context, client, apiKey, secret string, fresh bool) (*kassa.Account, error) {
	if a.reports != nil && a.reports.pending(a.now) {
		a.reports.flushDue(a.now())
	}
	if a.limit != nil {
		if wait := a.limit.check(client, apiKey); wait > 0 {
			return nil, &LockedOut{RetryAfter: wait}
		}
	}
	acct, err := a.authenticate(ctx, apiKey, secret, fresh)
	if a.limit != nil {
		switch {
		case err == nil:
			a.limit.succeed(client, apiKey)
		case IsUnauthorized(err):
			started := a.limit.fail(client, apiKey)
			if a.reports != nil {
				a.reports.add(started, a.now())
			}
		}
	}
	if err == nil && acct.IsSubaccount() && acct.Suspended {
		// A suspended subaccount's credentials are refused like wrong
		// ones (its primary may still manage it); they are right, so
		// they count as no failure.
		return nil, ErrUnauthorized
	}
	return acct, err
}

// authenticate verifies the pair, through the cache. On a hit it reads
// the account from the store only when fresh is set.
func (a *Authenticator) authenticate(ctx context.Context, apiKey, secret string, fresh bool) (*kassa.Account, error) {
	if apiKey == "" || secret == "" {
		// The same work as a wrong secret (the answer is 401 whatever
		// the store says).
		a.verify(ctx, apiKey, secret)
		return nil, ErrUnauthorized
	}
	d := a.cache.digest(secret)
	if cached, ok := a.cache.lookup(apiKey, d); ok {
		if !fresh && cached != nil {
			cp := *cached
			return &cp, nil
		}
		return a.findAccount(ctx, apiKey)
	}
	gen := a.cache.generation(apiKey)
	ok, err := a.verify(ctx, apiKey, secret)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, ErrUnauthorized
	}
	acct, err := a.findAccount(ctx, apiKey)
	if err != nil {
		return nil, err
	}
	cp := *acct
	a.cache.remember(apiKey, d, &cp, gen)
	return acct, nil
}

// findAccount reads the account of a verified key; a key without an
// account is unauthorized (and forgotten).
func (a *Authenticator) findAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	acct, err := a.store.FindAccount(ctx, apiKey)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		a.Invalidate(apiKey)
		return nil, ErrUnauthorized
	}
	return acct, err
}

// verify checks secret against the stored secrets of apiKey. It does the
// same work whether the key exists or not: one store read (the stores read
// the account and its secrets in one statement either way) and MaxSecrets
// hashes, against a dummy secret where the key has fewer secrets or none.
func (a *Authenticator) verify(ctx context.Context, apiKey, secret string) (bool, error) {
	secrets, err := a.store.Secrets(ctx, apiKey)
	if err != nil && kassa.ErrorCode(err) != kassa.ENOTFOUND {
		return false, err
	}
	ok := false
	for i := 0; i < kassa.MaxSecrets || i < len(secrets); i++ {
		s := a.dummy
		if i < len(secrets) {
			s = secrets[i]
		}
		if a.check(s, secret) && s != a.dummy {
			ok = true
		}
	}
	return ok, nil
}

// Invalidate forgets every cached pair of apiKey. Call it whenever a secret
// of that key is created or revoked: the next request verifies against the
// store. A verification that was in flight when Invalidate ran is not cached.
func (a *Authenticator) Invalidate(apiKey string) {
	a.cache.invalidate(apiKey)
}

// FlushLockouts sends the pending lock-out summaries to OnLockout now,
// without waiting for their windows to end (call it when shutting down).
func (a *Authenticator) FlushLockouts() {
	if a.reports != nil {
		a.reports.flushAll()
	}
}

// IsUnauthorized reports whether err is an authentication failure.
func IsUnauthorized(err error) bool {
	var e *kassa.Error
	return errors.As(err, &e) && e.Code == kassa.EUNAUTHORIZED
}
