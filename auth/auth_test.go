package auth

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
)

func testHasher(t testing.TB) *Hasher {
	h, err := NewHasher(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHasher(t *testing.T) {
	h := testHasher(t)
	s, err := h.NewSecret("abcd1234", "Secret1234", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !h.Verify(s, "Secret1234") {
		t.Error("the right secret does not verify")
	}
	for _, wrong := range []string{"", "Secret123", "Secret12345", "secret1234"} {
		if h.Verify(s, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	if bytes.Contains(s.Hash, []byte("Secret1234")) || len(s.Salt) != SaltSize {
		t.Error("hash holds the secret or salt size wrong")
	}
	// Same secret, new salt: another hash.
	s2, _ := h.NewSecret("abcd1234", "Secret1234", time.Now())
	if bytes.Equal(s.Hash, s2.Hash) || s.ID == s2.ID {
		t.Error("two secrets share a hash or an id")
	}
	// Another pepper does not verify.
	other, _ := NewHasher(bytes.Repeat([]byte{2}, 32))
	if other.Verify(s, "Secret1234") {
		t.Error("verifies under another pepper")
	}
	if _, err := h.NewSecret("abcd1234", "weak", time.Now()); kassa.ErrorCode(err) != kassa.EINVALID {
		t.Errorf("weak secret: %v", err)
	}
	if _, err := NewHasher([]byte("short")); err == nil {
		t.Error("short pepper accepted")
	}
}

func TestGenerators(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		s := GenerateSecret()
		if err := kassa.ValidateSecret(s); err != nil {
			t.Fatalf("generated secret %q: %v", s, err)
		}
		k := GenerateAPIKey()
		if len(k) != 8 || !kassa.ValidAPIKey(k) {
			t.Fatalf("generated key %q", k)
		}
		if seen[s] {
			t.Fatalf("secret %q generated twice", s)
		}
		seen[s] = true
	}
}

// authHarness is a real SQLite store with one account.
func authHarness(t *testing.T, opts Options) (*sqlite.DB, *Hasher, *Authenticator) {
	t.Helper()
	db := testkit.OpenSQLite(t, sqlite.Options{})
	h := testHasher(t)
	sec, err := h.NewSecret("abcd1234", "Secret1234", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(context.Background(), &kassa.Account{APIKey: "abcd1234", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, sec, nil); err != nil {
		t.Fatal(err)
	}
	return db, h, NewAuthenticator(db, h, opts)
}

func TestAuthenticate(t *testing.T) {
	_, _, a := authHarness(t, Options{CacheTTL: time.Hour})
	ctx := context.Background()
	acct, err := a.Authenticate(ctx, "abcd1234", "Secret1234")
	if err != nil || acct.APIKey != "abcd1234" {
		t.Fatalf("Authenticate: %v, %v", acct, err)
	}
	// Cached the second time; still the account.
	if acct, err := a.Authenticate(ctx, "abcd1234", "Secret1234"); err != nil || acct.APIKey != "abcd1234" {
		t.Fatalf("cached Authenticate: %v", err)
	}
	var msgs []string
	for _, c := range [][2]string{{"abcd1234", "Wrong1234"}, {"nosuch00", "Secret1234"}, {"", ""}, {"abcd1234", ""}} {
		_, err := a.Authenticate(ctx, c[0], c[1])
		if !IsUnauthorized(err) {
			t.Errorf("%v: err %v, want unauthorized", c, err)
		}
		msgs = append(msgs, err.Error())
	}
	for _, m := range msgs[1:] {
		if m != msgs[0] {
			t.Errorf("failure messages differ: %q vs %q", m, msgs[0])
		}
	}
}

// TestRevokedSecretStopsAtOnce: with an hour-long cache, a revoked secret
// fails on the next request because the revocation invalidates the cache.
func TestRevokedSecretStopsAtOnce(t *testing.T) {
	db, h, a := authHarness(t, Options{CacheTTL: time.Hour})
	ctx := context.Background()
	second, _ := h.NewSecret("abcd1234", "Second1234", time.Now())
	if err := db.CreateSecret(ctx, second); err != nil {
		t.Fatal(err)
	}
	a.Invalidate("abcd1234")
	for _, s := range []string{"Secret1234", "Second1234"} {
		if _, err := a.Authenticate(ctx, "abcd1234", s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	secrets, _ := db.Secrets(ctx, "abcd1234")
	if err := db.DeleteSecret(ctx, "abcd1234", secrets[0].ID); err != nil {
		t.Fatal(err)
	}
	// Without Invalidate the cache still trusts the pair: that is the
	// window a TTL bounds on other nodes.
	if _, err := a.Authenticate(ctx, "abcd1234", "Secret1234"); err != nil {
		t.Fatalf("cached pair refused before Invalidate: %v", err)
	}
	a.Invalidate("abcd1234")
	if _, err := a.Authenticate(ctx, "abcd1234", "Secret1234"); !IsUnauthorized(err) {
		t.Fatalf("revoked secret: err %v", err)
	}
	if _, err := a.Authenticate(ctx, "abcd1234", "Second1234"); err != nil {
		t.Fatalf("remaining secret: %v", err)
	}
}

// TestCacheTTL: a cached pair is re-verified after the TTL, so a revocation
// made elsewhere (another node) takes effect within it.
func TestCacheTTL(t *testing.T) {
	var now atomic.Int64
	now.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, now.Load()) }
	db, h, a := authHarness(t, Options{CacheTTL: time.Second, Now: clock})
	ctx := context.Background()
	second, _ := h.NewSecret("abcd1234", "Second1234", time.Now())
	db.CreateSecret(ctx, second)
	if _, err := a.Authenticate(ctx, "abcd1234", "Secret1234"); err != nil {
		t.Fatal(err)
	}
	secrets, _ := db.Secrets(ctx, "abcd1234")
	db.DeleteSecret(ctx, "abcd1234", secrets[0].ID) // as another node would, without Invalidate here
	now.Add(int64(time.Second))
	if _, err := a.Authenticate(ctx, "abcd1234", "Secret1234"); !IsUnauthorized(err) {
		t.Fatalf("after the TTL: err %v", err)
	}
}

// TestInvalidateRace: verifications racing with revocations never leave a
// revoked secret cached.
func TestInvalidateRace(t *testing.T) {
	db, h, a := authHarness(t, Options{CacheTTL: time.Hour})
	ctx := context.Background()
	second, _ := h.NewSecret("abcd1234", "Second1234", time.Now())
	db.CreateSecret(ctx, second)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
					a.Authenticate(ctx, "abcd1234", "Second1234")
				}
			}
		}()
	}
	time.Sleep(20 * time.Millisecond)
	if err := db.DeleteSecret(ctx, "abcd1234", second.ID); err != nil {
		t.Fatal(err)
	}
	a.Invalidate("abcd1234")
	close(stop)
	wg.Wait()
	if _, err := a.Authenticate(ctx, "abcd1234", "Second1234"); !IsUnauthorized(err) {
		t.Fatalf("revoked secret still accepted: %v", err)
	}
}

func TestStoreUnavailable(t *testing.T) {
	db, _, a := authHarness(t, Options{})
	db.Close()
	if _, err := a.Authenticate(context.Background(), "abcd1234", "Secret1234"); kassa.ErrorCode(err) != kassa.EUNAVAILABLE {
		t.Fatalf("err %v, want EUNAVAILABLE", err)
	}
}

// BenchmarkAuthenticate compares a cached verification with an uncached
// one (run both in the same invocation and report the ratio).
func BenchmarkAuthenticate(b *testing.B) {
	for _, c := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", time.Hour}, {"uncached", -1}} {
		b.Run(c.name, func(b *testing.B) {
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "kassa.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			h := testHasher(b)
			sec, _ := h.NewSecret("abcd1234", "Secret1234", time.Now())
			db.CreateAccount(context.Background(), &kassa.Account{APIKey: "abcd1234", Currency: kassa.EUR}, sec, nil)
			a := NewAuthenticator(db, h, Options{CacheTTL: c.ttl})
			b.ResetTimer()
			for b.Loop() {
				if _, err := a.Authenticate(context.Background(), "abcd1234", "Secret1234"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
