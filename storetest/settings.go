package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

func (h harness) testUpdateSettings(t *testing.T) {
	t.Run("OnlyTheGivenFields", h.testSettingsPartial)
	t.Run("RotationInTheSameTransaction", h.testSettingsRotation)
	t.Run("RefusedRotationChangesNothing", h.testSettingsRotationRefused)
	t.Run("ConcurrentFieldsAllKept", h.testSettingsConcurrent)
}

func ptr[T any](v T) *T { return &v }

func (h harness) testSettingsPartial(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	a := MustCreateAccount(t, s, "set00001", amt("3"))
	start := kassa.Settings{MOCallbackURL: "https://example.com/mo", DRCallbackURL: "https://example.com/dr", HTTPForwardMethod: kassa.ForwardPostJSON}
	before, got, err := s.UpdateSettings(ctx, a.APIKey, kassa.SettingsUpdate{
		MOCallbackURL: &start.MOCallbackURL, DRCallbackURL: &start.DRCallbackURL, HTTPForwardMethod: &start.HTTPForwardMethod})
	noErr(t, err, "set every field")
	if before != (kassa.Settings{}) || got.Settings != start {
		t.Fatalf("first update: before %+v, after %+v", before, got.Settings)
	}

	later := clock.Advance(5e9)
	before, got, err = s.UpdateSettings(ctx, a.APIKey, kassa.SettingsUpdate{DRCallbackURL: ptr("")})
	noErr(t, err, "clear one field")
	want := start
	want.DRCallbackURL = ""
	if before != start || got.Settings != want {
		t.Errorf("clearing dr: before %+v, after %+v; want %+v then %+v", before, got.Settings, start, want)
	}
	sameTime(t, "UpdatedAt", got.UpdatedAt, later)
	if got.Limits != a.Limits || got.AutoReload != a.AutoReload || got.Balance != amt("3") {
		t.Errorf("a settings update changed other fields: %+v", accountFields(got))
	}
	found, err := s.FindAccount(ctx, a.APIKey)
	noErr(t, err, "find")
	if accountFields(found) != accountFields(got) {
		t.Errorf("UpdateSettings returned %+v but the store has %+v", accountFields(got), accountFields(found))
	}
	_, _, err = s.UpdateSettings(ctx, "nobody00", kassa.SettingsUpdate{MOCallbackURL: ptr("https://example.com/x")})
	wantCode(t, err, kassa.ENOTFOUND)
}

func (h harness) testSettingsRotation(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "rot00001", 0)
	for _, n := range []int{1, 2} { // with room for a third secret, and at the limit of two
		t.Run(fmt.Sprintf("%d secrets", n), func(t *testing.T) {
			if n == 2 {
				noErr(t, s.CreateSecret(ctx, NewSecret("rot00001")), "second secret")
			}
			old, err := s.Secrets(ctx, "rot00001")
			noErr(t, err, "secrets")
			now := clock.Advance(1e9)
			next := NewSecret("rot00001")
			next.AccountKey = ""
			url := fmt.Sprintf("https://example.com/%d", n)
			_, got, err := s.UpdateSettings(ctx, "rot00001", kassa.SettingsUpdate{MOCallbackURL: &url, NewSecret: next, ReplaceSecret: old[0].ID})
			noErr(t, err, "rotate")
			if got.Settings.MOCallbackURL != url || next.AccountKey != "rot00001" {
				t.Errorf("after the rotation: settings %+v, new secret's account %q", got.Settings, next.AccountKey)
			}
			sameTime(t, "new secret's CreatedAt", next.CreatedAt, now)
			list, err := s.Secrets(ctx, "rot00001")
			noErr(t, err, "secrets")
			ids := secretIDs(list)
			if len(list) != n || ids[len(ids)-1] != next.ID || contains(ids, old[0].ID) {
				t.Errorf("secrets after rotating %s into %s: %v", old[0].ID, next.ID, ids)
			}
			if string(list[len(list)-1].Hash) != string(next.Hash) {
				t.Errorf("the new secret's hash was not stored")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// testSettingsRotationRefused: a rotation that fails after the settings
// were written in the same transaction (an unknown secret to replace, a new
// secret whose ID is taken) leaves the settings and the secrets as they were.
func (h harness) testSettingsRotationRefused(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	MustCreateAccount(t, s, "ref00001", 0)
	noErr(t, s.CreateSecret(ctx, NewSecret("ref00001")), "second secret")
	old, err := s.Secrets(ctx, "ref00001")
	noErr(t, err, "secrets")
	taken := NewSecret("ref00001")
	taken.ID = old[1].ID
	cases := map[string]struct {
		upd  kassa.SettingsUpdate
		code string
	}{
		"unknown secret": {kassa.SettingsUpdate{MOCallbackURL: ptr("https://example.com/a"), NewSecret: NewSecret("ref00001"), ReplaceSecret: NewID()}, kassa.ENOTFOUND},
		"taken id":       {kassa.SettingsUpdate{DRCallbackURL: ptr("https://example.com/b"), NewSecret: taken, ReplaceSecret: old[0].ID}, kassa.ECONFLICT},
	}
	for name, c := range cases {
		_, _, err := s.UpdateSettings(ctx, "ref00001", c.upd)
		wantCode(t, err, c.code)
		a, err := s.FindAccount(ctx, "ref00001")
		noErr(t, err, "find")
		if a.Settings != (kassa.Settings{}) {
			t.Errorf("%s: the refused update left settings %+v", name, a.Settings)
		}
		list, err := s.Secrets(ctx, "ref00001")
		noErr(t, err, "secrets")
		if ids := secretIDs(list); len(ids) != 2 || ids[0] != old[0].ID || ids[1] != old[1].ID {
			t.Errorf("%s: the refused rotation left secrets %v, want %v", name, ids, secretIDs(old))
		}
	}
}

// testSettingsConcurrent updates the two callback URLs from many goroutines
// at once, each goroutine one field: both fields must end set (an update
// written from a stale copy would put the other field back to "").
func (h harness) testSettingsConcurrent(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	const workers = 32
	for round := range 4 {
		key := fmt.Sprintf("cset%04d", round)
		MustCreateAccount(t, s, key, 0)
		var wg sync.WaitGroup
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				url := fmt.Sprintf("https://example.com/%d", i)
				upd := kassa.SettingsUpdate{MOCallbackURL: &url}
				if i%2 == 1 {
					upd = kassa.SettingsUpdate{DRCallbackURL: &url}
				}
				if _, _, err := s.UpdateSettings(ctx, key, upd); err != nil {
					t.Errorf("update %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		a, err := s.FindAccount(ctx, key)
		noErr(t, err, "find")
		if a.Settings.MOCallbackURL == "" || a.Settings.DRCallbackURL == "" {
			t.Errorf("round %d: settings %+v after concurrent updates of both fields: one was lost", round, a.Settings)
		}
	}
}
