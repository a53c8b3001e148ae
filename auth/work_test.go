package auth

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/sqlite"
)

// countingStore counts the store reads of the authenticator.
type countingStore struct {
	Store
	secrets, accounts atomic.Int64
}

func (c *countingStore) Secrets(ctx context.Context, apiKey string) ([]*kassa.Secret, error) {
	c.secrets.Add(1)
	return c.Store.Secrets(ctx, apiKey)
}

func (c *countingStore) FindAccount(ctx context.Context, apiKey string) (*kassa.Account, error) {
	c.accounts.Add(1)
	return c.Store.FindAccount(ctx, apiKey)
}

// work is what one failed authentication cost.
type work struct{ secretsReads, accountReads, hashes int64 }

// TestSameWorkForUnknownKeys: a failed authentication costs the same store
// reads and the same number of hash computations whether the key is
// unknown, known with one secret, known with two, or the secret missing, so
// that timing does not tell which (#13.5). The stores make the read itself
// one statement either way (see their TestSecretsSameStatementsForUnknownKeys).
func TestSameWorkForUnknownKeys(t *testing.T) {
	db, h, _ := authHarness(t, Options{})
	ctx := context.Background()
	if err := db.CreateAccount(ctx, &kassa.Account{APIKey: "twosecs1", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, mustSecret(t, h, "twosecs1", "Secret1234"), nil); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSecret(ctx, mustSecret(t, h, "twosecs1", "Second1234")); err != nil {
		t.Fatal(err)
	}
	cs := &countingStore{Store: db}
	a := NewAuthenticator(cs, h, Options{CacheTTL: time.Hour, MaxFailures: -1})
	var hashes atomic.Int64
	check := a.check
	a.check = func(s *kassa.Secret, secret string) bool { hashes.Add(1); return check(s, secret) }
	// A verified pair in the cache must not change the work of a wrong secret.
	if _, err := a.Authenticate(ctx, "abcd1234", "Secret1234"); err != nil {
		t.Fatal(err)
	}
	measure := func(key, secret string) work {
		s0, a0, h0 := cs.secrets.Load(), cs.accounts.Load(), hashes.Load()
		if _, err := a.Authenticate(ctx, key, secret); !IsUnauthorized(err) {
			t.Fatalf("%s: %v, want unauthorized", key, err)
		}
		return work{cs.secrets.Load() - s0, cs.accounts.Load() - a0, hashes.Load() - h0}
	}
	want := measure("nosuch00", "Wrong1234")
	if want.secretsReads != 1 || want.hashes != kassa.MaxSecrets {
		t.Fatalf("unknown key: %+v, want one secrets read and %d hashes", want, kassa.MaxSecrets)
	}
	for _, c := range []struct{ name, key, secret string }{
		{"known key, one secret", "abcd1234", "Wrong1234"},
		{"known key, two secrets", "twosecs1", "Wrong1234"},
		{"known key, no secret given", "abcd1234", ""},
		{"no key given", "", "Wrong1234"},
	} {
		if got := measure(c.key, c.secret); got != want {
			t.Errorf("%s: %+v, want the unknown key's %+v", c.name, got, want)
		}
	}
}

func mustSecret(t *testing.T, h *Hasher, key, plain string) *kassa.Secret {
	t.Helper()
	s, err := h.NewSecret(key, plain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// BenchmarkAuthenticateFailure compares a wrong secret on a known key with
// an unknown key (run both in one invocation; the ratio should be near 1).
func BenchmarkAuthenticateFailure(b *testing.B) {
	db := testkit.OpenSQLite(b, sqlite.Options{})
	h := testHasher(b)
	sec, _ := h.NewSecret("abcd1234", "Secret1234", time.Now())
	if err := db.CreateAccount(context.Background(), &kassa.Account{APIKey: "abcd1234", Currency: kassa.EUR, Limits: kassa.DefaultLimits}, sec, nil); err != nil {
		b.Fatal(err)
	}
	a := NewAuthenticator(db, h, Options{MaxFailures: -1})
	for _, key := range []string{"abcd1234", "nosuch00"} {
		b.Run(key, func(b *testing.B) {
			for b.Loop() {
				if _, err := a.Authenticate(context.Background(), key, "Wrong1234"); !IsUnauthorized(err) {
					b.Fatal(err)
				}
			}
		})
	}
}
