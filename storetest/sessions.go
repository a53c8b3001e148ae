package storetest

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testSessions(t *testing.T) {
	t.Run("Lifecycle", h.testSessionLifecycle)
	t.Run("Refused", h.testSessionRefused)
	t.Run("EndWithTheirSecret", h.testSessionSecretCascade)
	t.Run("EndWhenTheirSecretIsRotated", h.testSessionSecretRotation)
	t.Run("BoundedPerPrincipal", h.testSessionBound)
	t.Run("ExpiredSweptOnCreate", h.testSessionSweep)
	t.Run("RevocationRacesSignIn", h.testSessionRevocationRace)
}

// NewTokenHash returns a random session token hash.
func NewTokenHash() []byte {
	b := make([]byte, kassa.SessionTokenHashSize)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// AccountSession returns an account session opened at now on the secret,
// ending after an hour unless touched.
func AccountSession(apiKey, secretID string, now time.Time) *kassa.Session {
	return &kassa.Session{TokenHash: NewTokenHash(), Role: kassa.SessionAccount, AccountKey: apiKey, SecretID: secretID,
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}
}

// OperatorSession returns an operator session opened at now, ending after
// an hour unless touched.
func OperatorSession(now time.Time) *kassa.Session {
	return &kassa.Session{TokenHash: NewTokenHash(), Role: kassa.SessionOperator, AdminFingerprint: []byte("fingerprint"),
		CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Hour)}
}

// firstSecret returns the ID of the account's oldest secret.
func firstSecret(t testing.TB, s kassa.Store, apiKey string) string {
	t.Helper()
	list, err := s.Secrets(context.Background(), apiKey)
	noErr(t, err, "secrets of %s", apiKey)
	return list[0].ID
}

// sessionLive reports whether the store still has the session.
func sessionLive(t testing.TB, s kassa.Store, hash []byte) bool {
	t.Helper()
	_, err := s.Session(context.Background(), hash)
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return false
	}
	noErr(t, err, "read session")
	return true
}

func sameSession(t testing.TB, got, want *kassa.Session) {
	t.Helper()
	if !bytes.Equal(got.TokenHash, want.TokenHash) || got.Role != want.Role || got.AccountKey != want.AccountKey ||
		got.SecretID != want.SecretID || !bytes.Equal(got.AdminFingerprint, want.AdminFingerprint) || !bytes.Equal(got.Flash, want.Flash) {
		t.Fatalf("session read back as %+v, want %+v", got, want)
	}
	sameTime(t, "CreatedAt", got.CreatedAt, want.CreatedAt)
	sameTime(t, "SeenAt", got.SeenAt, want.SeenAt)
	sameTime(t, "ExpiresAt", got.ExpiresAt, want.ExpiresAt)
}

func (h harness) testSessionLifecycle(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "ses00001", 0)
	acct := AccountSession("ses00001", firstSecret(t, s, "ses00001"), clock.Now())
	noErr(t, s.CreateSession(ctx, acct), "create an account session")
	op := OperatorSession(clock.Now())
	noErr(t, s.CreateSession(ctx, op), "create an operator session")

	for _, want := range []*kassa.Session{acct, op} {
		got, err := s.Session(ctx, want.TokenHash)
		noErr(t, err, "read the %s session", want.Role)
		sameSession(t, got, want)
	}

	seen := clock.Advance(10 * time.Minute)
	noErr(t, s.TouchSession(ctx, acct.TokenHash, seen, seen.Add(30*time.Minute)), "touch")
	acct.SeenAt, acct.ExpiresAt = seen, seen.Add(30*time.Minute)
	noErr(t, s.SetSessionFlash(ctx, acct.TokenHash, []byte("sealed message")), "set flash")
	acct.Flash = []byte("sealed message")
	got, err := s.Session(ctx, acct.TokenHash)
	noErr(t, err, "read after touch")
	sameSession(t, got, acct)
	noErr(t, s.SetSessionFlash(ctx, acct.TokenHash, nil), "clear flash")
	got, err = s.Session(ctx, acct.TokenHash)
	noErr(t, err, "read after clearing the flash")
	if got.Flash != nil {
		t.Fatalf("cleared flash reads back as %q", got.Flash)
	}
	if other, _ := s.Session(ctx, op.TokenHash); other.Flash != nil || !other.SeenAt.Equal(op.SeenAt) {
		t.Fatal("changing one session changed another")
	}

	noErr(t, s.DeleteSession(ctx, acct.TokenHash), "delete")
	_, err = s.Session(ctx, acct.TokenHash)
	wantCode(t, err, kassa.ENOTFOUND)
	// A session that has just ended is not an error for the others.
	noErr(t, s.DeleteSession(ctx, acct.TokenHash), "delete twice")
	noErr(t, s.TouchSession(ctx, acct.TokenHash, seen, seen.Add(time.Hour)), "touch an ended session")
	noErr(t, s.SetSessionFlash(ctx, acct.TokenHash, []byte("x")), "flash an ended session")
	if sessionLive(t, s, acct.TokenHash) {
		t.Fatal("touching an ended session brought it back")
	}
	if !sessionLive(t, s, op.TokenHash) {
		t.Fatal("deleting one session ended another")
	}
}

func (h harness) testSessionRefused(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "ses00001", 0)
	MustCreateAccount(t, s, "ses00002", 0)
	secret, now := firstSecret(t, s, "ses00001"), clock.Now()
	invalid := map[string]func(*kassa.Session){
		"short hash":               func(x *kassa.Session) { x.TokenHash = x.TokenHash[:16] },
		"unknown role":             func(x *kassa.Session) { x.Role = "admin" },
		"account without a secret": func(x *kassa.Session) { x.SecretID = "" },
		"account without a key":    func(x *kassa.Session) { x.AccountKey = "" },
		"account with fingerprint": func(x *kassa.Session) { x.AdminFingerprint = []byte("f") },
		"no creation time":         func(x *kassa.Session) { x.CreatedAt = time.Time{} },
		"expired at birth":         func(x *kassa.Session) { x.ExpiresAt = x.SeenAt },
	}
	for name, spoil := range invalid {
		x := AccountSession("ses00001", secret, now)
		spoil(x)
		if err := s.CreateSession(ctx, x); kassa.ErrorCode(err) != kassa.EINVALID {
			t.Errorf("%s: error %v, want EINVALID", name, err)
		}
	}
	op := OperatorSession(now)
	op.SecretID = secret
	wantCode(t, s.CreateSession(ctx, op), kassa.EINVALID)
	op = OperatorSession(now)
	op.AdminFingerprint = nil
	wantCode(t, s.CreateSession(ctx, op), kassa.EINVALID)

	// The secret must exist and be the account's own.
	wantCode(t, s.CreateSession(ctx, AccountSession("ses00001", NewID(), now)), kassa.ENOTFOUND)
	wantCode(t, s.CreateSession(ctx, AccountSession("ses00002", secret, now)), kassa.ENOTFOUND)
	wantCode(t, s.CreateSession(ctx, AccountSession("nobody00", secret, now)), kassa.ENOTFOUND)

	first := AccountSession("ses00001", secret, now)
	noErr(t, s.CreateSession(ctx, first), "create")
	dup := AccountSession("ses00001", secret, now)
	dup.TokenHash = first.TokenHash
	wantCode(t, s.CreateSession(ctx, dup), kassa.ECONFLICT)
}

// testSessionSecretCascade: deleting a secret ends exactly the sessions
// opened with it.
func (h harness) testSessionSecretCascade(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "ses00001", 0)
	a := firstSecret(t, s, "ses00001")
	b := NewSecret("ses00001")
	noErr(t, s.CreateSecret(ctx, b), "second secret")
	now := clock.Now()
	onA := []*kassa.Session{AccountSession("ses00001", a, now), AccountSession("ses00001", a, now)}
	onB := AccountSession("ses00001", b.ID, now)
	op := OperatorSession(now)
	for _, x := range append(onA, onB, op) {
		noErr(t, s.CreateSession(ctx, x), "create")
	}
	noErr(t, s.DeleteSecret(ctx, "ses00001", a), "revoke the first secret")
	for _, x := range onA {
		if sessionLive(t, s, x.TokenHash) {
			t.Fatal("a session outlived the secret it was opened with")
		}
	}
	if !sessionLive(t, s, onB.TokenHash) || !sessionLive(t, s, op.TokenHash) {
		t.Fatal("revoking one secret ended sessions of another secret or of operators")
	}
	// A refused deletion (the last secret) ends nothing.
	wantCode(t, s.DeleteSecret(ctx, "ses00001", b.ID), kassa.EFORBIDDEN)
	if !sessionLive(t, s, onB.TokenHash) {
		t.Fatal("a refused revocation ended a session")
	}
	// A revoked secret cannot open a session.
	wantCode(t, s.CreateSession(ctx, AccountSession("ses00001", a, now)), kassa.ENOTFOUND)
}

// testSessionSecretRotation: a settings update that replaces a secret
// (the legacy newSecret rotation) ends the sessions of the replaced secret
// in its transaction; a refused rotation ends none.
func (h harness) testSessionSecretRotation(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "ses00001", 0)
	noErr(t, s.CreateSecret(ctx, NewSecret("ses00001")), "second secret")
	list, err := s.Secrets(ctx, "ses00001")
	noErr(t, err, "secrets")
	now := clock.Now()
	onOld := AccountSession("ses00001", list[0].ID, now)
	onOther := AccountSession("ses00001", list[1].ID, now)
	for _, x := range []*kassa.Session{onOld, onOther} {
		noErr(t, s.CreateSession(ctx, x), "create")
	}
	refused := kassa.SettingsUpdate{NewSecret: NewSecret("ses00001"), ReplaceSecret: NewID()}
	_, _, err = s.UpdateSettings(ctx, "ses00001", refused)
	wantCode(t, err, kassa.ENOTFOUND)
	if !sessionLive(t, s, onOld.TokenHash) || !sessionLive(t, s, onOther.TokenHash) {
		t.Fatal("a refused rotation ended a session")
	}
	url := "https://example.com/mo"
	_, _, err = s.UpdateSettings(ctx, "ses00001", kassa.SettingsUpdate{MOCallbackURL: &url, NewSecret: NewSecret("ses00001"), ReplaceSecret: list[0].ID})
	noErr(t, err, "rotate the first secret")
	if sessionLive(t, s, onOld.TokenHash) {
		t.Fatal("a session outlived the rotation of its secret")
	}
	if !sessionLive(t, s, onOther.TokenHash) {
		t.Fatal("rotating one secret ended another secret's session")
	}
}

// testSessionBound: one principal keeps at most MaxSessionsPerPrincipal
// sessions; the oldest go first and other principals keep theirs.
func (h harness) testSessionBound(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "ses00001", 0)
	MustCreateAccount(t, s, "ses00002", 0)
	secret := firstSecret(t, s, "ses00001")
	other := AccountSession("ses00002", firstSecret(t, s, "ses00002"), clock.Now())
	noErr(t, s.CreateSession(ctx, other), "other account's session")
	op := OperatorSession(clock.Now())
	noErr(t, s.CreateSession(ctx, op), "operator session")
	const extra = 5
	var mine []*kassa.Session
	for range kassa.MaxSessionsPerPrincipal + extra {
		x := AccountSession("ses00001", secret, clock.Advance(time.Second))
		noErr(t, s.CreateSession(ctx, x), "create")
		mine = append(mine, x)
	}
	for i, x := range mine {
		if live, want := sessionLive(t, s, x.TokenHash), i >= extra; live != want {
			t.Fatalf("session %d of %d: live %v, want %v", i+1, len(mine), live, want)
		}
	}
	if !sessionLive(t, s, other.TokenHash) || !sessionLive(t, s, op.TokenHash) {
		t.Fatal("one account's sign-ins ended another principal's session")
	}
}

// testSessionSweep: creating a session deletes up to SessionSweepBatch
// expired ones, earliest first, and never a live one.
func (h harness) testSessionSweep(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	start := clock.Now()
	const perAccount, accounts = 40, 3 // 120 sessions, within the per-principal bound
	var expiring []*kassa.Session
	for a := range accounts {
		key := fmt.Sprintf("swp%05d", a)
		MustCreateAccount(t, s, key, 0)
		secret := firstSecret(t, s, key)
		for i := range perAccount {
			x := AccountSession(key, secret, start)
			x.ExpiresAt = start.Add(time.Duration(len(expiring)+1) * time.Second)
			noErr(t, s.CreateSession(ctx, x), "create %s session %d", key, i)
			expiring = append(expiring, x)
		}
	}
	lasting := OperatorSession(start)
	lasting.ExpiresAt = start.Add(24 * time.Hour)
	noErr(t, s.CreateSession(ctx, lasting), "create a lasting session")
	for _, x := range expiring {
		if !sessionLive(t, s, x.TokenHash) {
			t.Fatal("a session was swept before it expired")
		}
	}

	clock.Set(start.Add(time.Hour)) // every expiring session has expired
	noErr(t, s.CreateSession(ctx, OperatorSession(clock.Now())), "create after expiry")
	for i, x := range expiring {
		if live, want := sessionLive(t, s, x.TokenHash), i >= kassa.SessionSweepBatch; live != want {
			t.Fatalf("expired session %d: live %v after one sweep, want %v", i+1, live, want)
		}
	}
	noErr(t, s.CreateSession(ctx, OperatorSession(clock.Now())), "create again")
	for _, x := range expiring {
		if sessionLive(t, s, x.TokenHash) {
			t.Fatal("an expired session survived the second sweep")
		}
	}
	if !sessionLive(t, s, lasting.TokenHash) {
		t.Fatal("the sweep deleted an unexpired session")
	}
}

// testSessionRevocationRace: sign-ins on a secret racing with its
// revocation never leave a session of the revoked secret behind.
func (h harness) testSessionRevocationRace(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	const rounds, workers = 5, 8
	for round := range rounds {
		key := fmt.Sprintf("race%04d", round)
		MustCreateAccount(t, s, key, 0)
		doomed := firstSecret(t, s, key)
		noErr(t, s.CreateSecret(ctx, NewSecret(key)), "second secret")
		var wg sync.WaitGroup
		created := make([]*kassa.Session, workers)
		errs := make([]error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := AccountSession(key, doomed, clock.Now())
				if errs[i] = s.CreateSession(ctx, x); errs[i] == nil {
					created[i] = x
				}
			}()
		}
		var revokeErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			revokeErr = s.DeleteSecret(ctx, key, doomed)
		}()
		wg.Wait()
		noErr(t, revokeErr, "revoke")
		for i, x := range created {
			if errs[i] != nil && kassa.ErrorCode(errs[i]) != kassa.ENOTFOUND {
				t.Fatalf("a sign-in racing a revocation failed with %v, want success or ENOTFOUND", errs[i])
			}
			if x != nil && sessionLive(t, s, x.TokenHash) {
				t.Fatalf("round %d: a session of the revoked secret survived", round)
			}
		}
	}
}
