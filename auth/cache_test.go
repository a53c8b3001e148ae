package auth

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestCachedAccountWithoutStoreRead: on a cache hit AuthenticateCachedFrom
// answers without the store (it works with the store closed), while
// AuthenticateFrom still reads the account; a wrong secret on a cached key
// is refused.
func TestCachedAccountWithoutStoreRead(t *testing.T) {
	db, _, a := authHarness(t, Options{CacheTTL: time.Hour})
	ctx := context.Background()
	if _, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", "Secret1234"); err != nil {
		t.Fatal(err)
	}
	for _, wrong := range []string{"Secret123", "Secret12345", "secret1234", strings.Repeat("S", 500)} {
		if _, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", wrong); !IsUnauthorized(err) {
			t.Errorf("wrong secret %.20q on a cached key: err %v", wrong, err)
		}
	}
	db.Close()
	acct, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", "Secret1234")
	if err != nil || acct.APIKey != "abcd1234" || acct.Currency != kassa.EUR {
		t.Fatalf("cached hit with the store closed: %+v, %v", acct, err)
	}
	acct.Currency = kassa.USD // a caller's change must not reach the cache
	if again, _ := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", "Secret1234"); again.Currency != kassa.EUR {
		t.Fatalf("the cached account was changed through a returned copy: %s", again.Currency)
	}
	if _, err := a.AuthenticateFrom(ctx, "c", "abcd1234", "Secret1234"); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Fatalf("AuthenticateFrom must read the store: err %v", err)
	}
}

// TestCachedRevocationAtOnce: after a revocation and Invalidate, the revoked
// secret fails on the next cached authentication; the other secret works.
func TestCachedRevocationAtOnce(t *testing.T) {
	db, h, a := authHarness(t, Options{CacheTTL: time.Hour})
	ctx := context.Background()
	second, _ := h.NewSecret("abcd1234", "Second1234", time.Now())
	if err := db.CreateSecret(ctx, second); err != nil {
		t.Fatal(err)
	}
	a.Invalidate("abcd1234")
	for _, s := range []string{"Secret1234", "Second1234"} {
		if _, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := db.DeleteSecret(ctx, "abcd1234", second.ID); err != nil {
		t.Fatal(err)
	}
	a.Invalidate("abcd1234")
	if _, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", "Second1234"); !IsUnauthorized(err) {
		t.Fatalf("revoked secret after Invalidate: err %v", err)
	}
	if _, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", "Secret1234"); err != nil {
		t.Fatalf("remaining secret: %v", err)
	}
}

// TestCacheDigests: digests depend on the secret and on the per-process key,
// and long secrets take the allocating path with the same result shape.
func TestCacheDigests(t *testing.T) {
	c1 := newVerifiedCache(time.Hour, 10, time.Now)
	c2 := newVerifiedCache(time.Hour, 10, time.Now)
	if c1.digest("Secret1234") != c1.digest("Secret1234") {
		t.Fatal("digest is not deterministic")
	}
	if c1.digest("Secret1234") == c1.digest("Secret1235") {
		t.Fatal("two secrets share a digest")
	}
	if c1.digest("Secret1234") == c2.digest("Secret1234") {
		t.Fatal("two processes' caches share a digest: the key is not random")
	}
	long := strings.Repeat("x", 200)
	if c1.digest(long) != c1.digest(long) || c1.digest(long) == c1.digest(long+"y") {
		t.Fatal("long secrets")
	}
	// The boundary between the stack buffer and the allocating path.
	for n := 80; n < 100; n++ {
		s := strings.Repeat("a", n)
		if c1.digest(s) == c1.digest(s+"a") {
			t.Fatalf("length %d collides with %d", n, n+1)
		}
	}
}

// TestCacheBounded: the number of cached keys never exceeds the size, and
// expired secrets do not authenticate.
func TestCacheBounded(t *testing.T) {
	var now atomic.Int64
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	c := newVerifiedCache(time.Second, 3, clock)
	for i := range 10 {
		key := string(rune('a' + i))
		c.remember(key, c.digest("s"), &kassa.Account{APIKey: key}, c.generation(key))
		n := 0
		c.entries.Range(func(any, any) bool { n++; return true })
		if n > 3 || c.count != n {
			t.Fatalf("%d entries (count %d), size 3", n, c.count)
		}
	}
	if _, ok := c.lookup("j", c.digest("s")); !ok {
		t.Fatal("the last remembered key is not cached")
	}
	now.Add(int64(time.Second))
	if _, ok := c.lookup("j", c.digest("s")); ok {
		t.Fatal("an expired secret authenticates")
	}
	// A remember that raced with an invalidate is dropped.
	gen := c.generation("k")
	c.invalidate("k")
	c.remember("k", c.digest("s"), &kassa.Account{APIKey: "k"}, gen)
	if _, ok := c.lookup("k", c.digest("s")); ok {
		t.Fatal("a verification older than the invalidation was cached")
	}
}

// TestCachedConcurrent: many goroutines authenticate with the right and
// wrong secrets while another invalidates the key over and over; the right
// secret always works and a wrong one never does.
func TestCachedConcurrent(t *testing.T) {
	_, _, a := authHarness(t, Options{CacheTTL: time.Hour, MaxFailures: -1})
	ctx := context.Background()
	var wg sync.WaitGroup
	var bad atomic.Int64
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
				a.Invalidate("abcd1234")
				time.Sleep(100 * time.Microsecond)
			}
		}
	}()
	var workers sync.WaitGroup
	for g := range 16 {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for i := range 200 {
				secret, want := "Secret1234", true
				if (g+i)%3 == 0 {
					secret, want = "Secret1234x", false
				}
				acct, err := a.AuthenticateCachedFrom(ctx, "c", "abcd1234", secret)
				if ok := err == nil && acct.APIKey == "abcd1234"; ok != want {
					bad.Add(1)
				}
			}
		}()
	}
	workers.Wait()
	close(stop)
	wg.Wait()
	if n := bad.Load(); n > 0 {
		t.Fatalf("%d wrong answers", n)
	}
}

// BenchmarkAuthenticateCachedHit is the cost of a cache hit (one SHA-256,
// one map lookup); BenchmarkAuthenticateHit adds the store read of the
// account that AuthenticateFrom does. Compare the two in one run.
func BenchmarkAuthenticateCachedHit(b *testing.B) {
	benchAuth(b, false)
}

// BenchmarkAuthenticateHit: see BenchmarkAuthenticateCachedHit.
func BenchmarkAuthenticateHit(b *testing.B) {
	benchAuth(b, true)
}

func benchAuth(b *testing.B, fresh bool) {
	ctx := context.Background()
	db := testkit.OpenSQLite(b, sqlite.Options{})
	h := testHasher(b)
	sec, _ := h.NewSecret("abcd1234", "Secret1234", time.Now())
	if err := db.CreateAccount(ctx, &kassa.Account{APIKey: "abcd1234", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, sec, nil); err != nil {
		b.Fatal(err)
	}
	a := NewAuthenticator(db, h, Options{CacheTTL: time.Hour})
	if _, err := a.AuthenticateFrom(ctx, "c", "abcd1234", "Secret1234"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if fresh {
			_, err = a.AuthenticateFrom(ctx, "c", "abcd1234", "Secret1234")
		} else {
			_, err = a.AuthenticateCachedFrom(ctx, "c", "abcd1234", "Secret1234")
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}
