package storetest

import (
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

func (h harness) testSecrets(t *testing.T) {
	t.Run("Lifecycle", h.testSecretLifecycle)
	t.Run("Unknown", h.testSecretUnknown)
	t.Run("ConcurrentCreateKeepsTheLimit", h.testSecretLimitRace)
}

func (h harness) testSecretLifecycle(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "sec00001", 0)
	first, err := s.Secrets(ctx, "sec00001")
	noErr(t, err, "secrets")

	clock.Advance(1e9)
	second := NewSecret("sec00001")
	noErr(t, s.CreateSecret(ctx, second), "create the second secret")
	sameTime(t, "second CreatedAt", second.CreatedAt, clock.Now())

	list, err := s.Secrets(ctx, "sec00001")
	noErr(t, err, "secrets")
	if len(list) != 2 || list[0].ID != first[0].ID || list[1].ID != second.ID {
		t.Fatalf("secrets = %v, want the first then the second", secretIDs(list))
	}

	wantCode(t, s.CreateSecret(ctx, NewSecret("sec00001")), kassa.ELIMIT)

	noErr(t, s.DeleteSecret(ctx, "sec00001", first[0].ID), "delete the first secret")
	list, err = s.Secrets(ctx, "sec00001")
	noErr(t, err, "secrets")
	if len(list) != 1 || list[0].ID != second.ID {
		t.Fatalf("after delete: %v, want only the second", secretIDs(list))
	}
	wantCode(t, s.DeleteSecret(ctx, "sec00001", second.ID), kassa.EFORBIDDEN)
	list, err = s.Secrets(ctx, "sec00001")
	noErr(t, err, "secrets")
	if len(list) != 1 {
		t.Fatalf("refused delete of the last secret left %d secrets", len(list))
	}
}

func secretIDs(list []*kassa.Secret) []string {
	var ids []string
	for _, s := range list {
		ids = append(ids, s.ID)
	}
	return ids
}

func (h harness) testSecretUnknown(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "own00001", 0)
	MustCreateAccount(t, s, "oth00001", 0)
	mine, err := s.Secrets(ctx, "own00001")
	noErr(t, err, "secrets")
	noErr(t, s.CreateSecret(ctx, NewSecret("own00001")), "second secret")

	_, err = s.Secrets(ctx, "nobody00")
	wantCode(t, err, kassa.ENOTFOUND)
	wantCode(t, s.CreateSecret(ctx, NewSecret("nobody00")), kassa.ENOTFOUND)
	wantCode(t, s.DeleteSecret(ctx, "nobody00", mine[0].ID), kassa.ENOTFOUND)
	wantCode(t, s.DeleteSecret(ctx, "own00001", NewID()), kassa.ENOTFOUND)
	// Another account's secret is not found through this one.
	wantCode(t, s.DeleteSecret(ctx, "oth00001", mine[0].ID), kassa.ENOTFOUND)
	list, err := s.Secrets(ctx, "own00001")
	noErr(t, err, "secrets")
	if len(list) != 2 {
		t.Errorf("own00001 has %d secrets after refused deletes, want 2", len(list))
	}
}

// testSecretLimitRace creates secrets concurrently: the limit must hold.
func (h harness) testSecretLimitRace(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "race0001", 0)
	const n = 16
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = kassa.ErrorCode(s.CreateSecret(ctx, NewSecret("race0001")))
		}()
	}
	wg.Wait()
	ok := 0
	for _, c := range codes {
		switch c {
		case "":
			ok++
		case kassa.ELIMIT:
		default:
			t.Errorf("concurrent CreateSecret failed with %q", c)
		}
	}
	list, err := s.Secrets(ctx, "race0001")
	noErr(t, err, "secrets")
	if ok != kassa.MaxSecrets-1 || len(list) != kassa.MaxSecrets {
		t.Errorf("%d concurrent creates succeeded and %d secrets exist, want %d and %d", ok, len(list), kassa.MaxSecrets-1, kassa.MaxSecrets)
	}
}
