package auth

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"sync"
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
	// FailureWindow lock that pair out until the window ends
	// (DefaultMaxFailures and DefaultFailureWindow when 0; a negative
	// MaxFailures disables the limiter).
	MaxFailures   int
	FailureWindow time.Duration
	// OnLockout, when set, is called (synchronously) when a client is
	// locked out of a key, e.g. to write an audit event.
	OnLockout func(client, apiKey string)
}

// Authenticator checks api key and secret pairs.
type Authenticator struct {
	store  Store
	hasher *Hasher
	ttl    time.Duration
	size   int
	now    func() time.Time
	dummy  *kassa.Secret // verified against when the key is unknown, for equal work
	limit  *limiter      // nil when disabled
	onLock func(client, apiKey string)

	mu    sync.Mutex
	cache map[cacheKey]time.Time // verified pair → when verified
	gen   map[string]uint64      // per-key generation, bumped by Invalidate
}

// cacheKey identifies a verified pair without holding the secret: the key
// and an HMAC of key and secret under the pepper.
type cacheKey struct {
	apiKey string
	mac    [sha256.Size]byte
}

// NewAuthenticator returns an Authenticator over store.
func NewAuthenticator(store Store, hasher *Hasher, opts Options) *Authenticator {
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxFailures == 0 {
		opts.MaxFailures = DefaultMaxFailures
	}
	if opts.FailureWindow <= 0 {
		opts.FailureWindow = DefaultFailureWindow
	}
	var limit *limiter
	if opts.MaxFailures > 0 {
		limit = newLimiter(opts.MaxFailures, opts.FailureWindow, opts.Now)
	}
	return &Authenticator{
		limit:  limit,
		onLock: opts.OnLockout,
		store:  store,
		hasher: hasher,
		ttl:    opts.CacheTTL,
		size:   opts.CacheSize,
		now:    opts.Now,
		dummy:  hasher.newSecret("", GenerateSecret(), time.Time{}),
		cache:  make(map[cacheKey]time.Time),
		gen:    make(map[string]uint64),
	}
}

// ErrUnauthorized is the error of every failed authentication. It never says
// whether the key exists.
var ErrUnauthorized = &kassa.Error{Code: kassa.EUNAUTHORIZED, Message: "authentication failed"}

// LockedOut is the error of a client locked out of a key after too many
// failures (ERATELIMITED); RetryAfter says when to try again.
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
// window ends. Store failures other than "not found" are returned as they
// are (EUNAVAILABLE stays EUNAVAILABLE).
func (a *Authenticator) AuthenticateFrom(ctx context.Context, client, apiKey, secret string) (*kassa.Account, error) {
	pair := client + "\x00" + apiKey
	if a.limit != nil {
		if locked, left := a.limit.locked(pair); locked {
			return nil, &LockedOut{RetryAfter: left}
		}
	}
	acct, err := a.authenticate(ctx, apiKey, secret)
	if a.limit != nil {
		switch {
		case err == nil:
			a.limit.succeed(pair)
		case IsUnauthorized(err):
			if a.limit.fail(pair) && a.onLock != nil {
				a.onLock(client, apiKey)
			}
		}
	}
	return acct, err
}

// authenticate verifies the pair, through the cache.
func (a *Authenticator) authenticate(ctx context.Context, apiKey, secret string) (*kassa.Account, error) {
	if apiKey == "" || secret == "" {
		a.hasher.Verify(a.dummy, secret)
		return nil, ErrUnauthorized
	}
	ck := a.cacheKey(apiKey, secret)
	if !a.cached(ck) {
		gen := a.generation(apiKey)
		ok, err := a.verify(ctx, apiKey, secret)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, ErrUnauthorized
		}
		a.remember(ck, gen)
	}
	acct, err := a.store.FindAccount(ctx, apiKey)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		a.Invalidate(apiKey)
		return nil, ErrUnauthorized
	}
	return acct, err
}

// verify checks secret against the stored secrets of apiKey, always hashing
// MaxSecrets times.
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
		if a.hasher.Verify(s, secret) && s != a.dummy {
			ok = true
		}
	}
	return ok, nil
}

// Invalidate forgets every cached pair of apiKey. Call it whenever a secret
// of that key is created or revoked: the next request verifies against the
// store. A verification that was in flight when Invalidate ran is not cached.
func (a *Authenticator) Invalidate(apiKey string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen[apiKey]++
	for k := range a.cache {
		if k.apiKey == apiKey {
			delete(a.cache, k)
		}
	}
}

func (a *Authenticator) cacheKey(apiKey, secret string) cacheKey {
	m := hmac.New(sha256.New, a.hasher.pepper)
	m.Write([]byte(apiKey))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	var k cacheKey
	k.apiKey = apiKey
	copy(k.mac[:], m.Sum(nil))
	return k
}

func (a *Authenticator) cached(k cacheKey) bool {
	if a.ttl < 0 {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	at, ok := a.cache[k]
	if !ok {
		return false
	}
	if a.now().Sub(at) >= a.ttl {
		delete(a.cache, k)
		return false
	}
	return true
}

func (a *Authenticator) generation(apiKey string) uint64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen[apiKey]
}

// remember caches k unless the key was invalidated since gen was read.
func (a *Authenticator) remember(k cacheKey, gen uint64) {
	if a.ttl < 0 {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.gen[k.apiKey] != gen {
		return
	}
	if len(a.cache) >= a.size {
		clear(a.cache)
	}
	a.cache[k] = a.now()
}

// IsUnauthorized reports whether err is an authentication failure.
func IsUnauthorized(err error) bool {
	var e *kassa.Error
	return errors.As(err, &e) && e.Code == kassa.EUNAUTHORIZED
}
