package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
)

// maxCachedPerKey bounds the verified secrets remembered per api key (an
// account has at most kassa.MaxSecrets; a little slack covers a rotation).
const maxCachedPerKey = 4

// verifiedCache remembers the (api key, secret) pairs verified against the
// store in the last TTL, so that a request on a hit costs one SHA-256 of the
// presented secret and a map lookup instead of the salted HMACs and the
// store read of the secrets. Profiles of the public API under load showed
// the verification and the store reads as the largest costs after HTTP.
//
// Why it is safe:
//
//   - It never holds a secret. Per api key it keeps digests
//     SHA-256(k || len(secret) || secret), where k is 32 random bytes drawn
//     when the process starts, never stored or logged. A digest of a secret
//     that was never verified cannot be produced without k, and a wrong
//     secret is accepted only on a SHA-256 collision.
//   - A presented digest is compared with every cached digest of the key in
//     constant time (crypto/subtle), whatever matches, so timing does not
//     say how many bytes of a digest an attacker got right.
//   - Revocation takes effect at once on this node: Invalidate removes the
//     key's entry and bumps its generation under the lock, and a
//     verification that started before an Invalidate is not remembered
//     (remember compares generations). On other nodes sharing the store, a
//     revocation takes effect within the TTL (DefaultCacheTTL, 1 s).
//   - Entries expire after the TTL; the number of keys is bounded (when
//     full, the cache is emptied: every caller verifies once more).
//
// The entry also keeps the account as it was read at the verification, for
// AuthenticateCachedFrom (see there for what may be stale in it).
type verifiedCache struct {
	ttl  time.Duration // < 0: disabled
	size int
	now  func() time.Time
	key  [32]byte

	// entries maps an api key to its *cacheEntry (replaced, never
	// changed). Reads take no lock: a sync.Map's loads of keys already
	// in it write no shared memory, where an RWMutex's read lock makes
	// both cores update one counter on every request. mu orders the
	// writers (remember, invalidate) and guards gen and count.
	entries sync.Map
	mu      sync.Mutex
	count   int               // keys stored since the map was last emptied
	gen     map[string]uint64 // per-key generation, bumped by invalidate
}

// cacheEntry is what the cache knows of one api key. It is never modified
// once in the map (remember stores a new one), so readers need no lock.
type cacheEntry struct {
	secrets []verifiedSecret
	account *kassa.Account // as read when a secret was last verified
}

// verifiedSecret is the digest of one verified secret and when it was
// verified.
type verifiedSecret struct {
	digest [sha256.Size]byte
	at     time.Time
}

func newVerifiedCache(ttl time.Duration, size int, now func() time.Time) *verifiedCache {
	c := &verifiedCache{ttl: ttl, size: size, now: now, gen: make(map[string]uint64)}
	rand.Read(c.key[:]) // never fails (crypto/rand panics on an unusable source)
	return c
}

// digest returns SHA-256(key || len(secret) || secret) without allocating
// for secrets of ordinary length.
func (c *verifiedCache) digest(secret string) [sha256.Size]byte {
	var buf [128]byte
	if len(secret) > len(buf)-len(c.key)-8 {
		h := sha256.New()
		h.Write(c.key[:])
		h.Write(lengthPrefix(len(secret)))
		h.Write([]byte(secret))
		var d [sha256.Size]byte
		h.Sum(d[:0])
		return d
	}
	n := copy(buf[:], c.key[:])
	n += copy(buf[n:], lengthPrefix(len(secret)))
	n += copy(buf[n:], secret)
	return sha256.Sum256(buf[:n])
}

// lengthPrefix is n as 8 big-endian bytes.
func lengthPrefix(n int) []byte {
	var b [8]byte
	for i := range b {
		b[7-i] = byte(uint64(n) >> (8 * i))
	}
	return b[:]
}

// lookup returns the account cached with apiKey when d is the digest of a
// secret of apiKey verified less than the TTL ago.
func (c *verifiedCache) lookup(apiKey string, d [sha256.Size]byte) (*kassa.Account, bool) {
	if c.ttl < 0 {
		return nil, false
	}
	now := c.now()
	v, ok := c.entries.Load(apiKey)
	if !ok {
		return nil, false
	}
	e := v.(*cacheEntry)
	hit := 0
	for i := range e.secrets {
		fresh := now.Sub(e.secrets[i].at) < c.ttl
		same := subtle.ConstantTimeCompare(e.secrets[i].digest[:], d[:])
		if fresh {
			hit |= same
		}
	}
	return e.account, hit == 1
}

// generation returns apiKey's generation, to hand to remember.
func (c *verifiedCache) generation(apiKey string) uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen[apiKey]
}

// remember caches d as verified for apiKey, with the account read at the
// verification, unless the key was invalidated since gen was read.
func (c *verifiedCache) remember(apiKey string, d [sha256.Size]byte, acct *kassa.Account, gen uint64) {
	if c.ttl < 0 {
		return
	}
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen[apiKey] != gen {
		return
	}
	var old *cacheEntry
	if v, ok := c.entries.Load(apiKey); ok {
		old = v.(*cacheEntry)
	}
	if old == nil {
		if c.count >= c.size {
			c.entries.Clear()
			c.count = 0
		}
		c.count++
	}
	e := &cacheEntry{account: acct, secrets: make([]verifiedSecret, 0, maxCachedPerKey)}
	e.secrets = append(e.secrets, verifiedSecret{digest: d, at: now})
	if old != nil {
		for _, s := range old.secrets {
			if len(e.secrets) < maxCachedPerKey && s.digest != d && now.Sub(s.at) < c.ttl {
				e.secrets = append(e.secrets, s)
			}
		}
	}
	c.entries.Store(apiKey, e)
}

// invalidate forgets every verified secret of apiKey.
func (c *verifiedCache) invalidate(apiKey string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen[apiKey]++
	if _, ok := c.entries.LoadAndDelete(apiKey); ok {
		c.count--
	}
}
