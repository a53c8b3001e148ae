package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestSettingsConcurrentPartialUpdates: clients that change different
// settings at the same time (half moCallBackUrl, half drCallBackUrl) all
// keep their change: an update is written from the stored settings, not
// from a copy read at authentication (which put the other field back).
func TestSettingsConcurrentPartialUpdates(t *testing.T) {
	h := newHarness(t)
	const rounds, workers = 8, 16
	for round := range rounds {
		h.post("/account/settings", "moCallBackUrl=&drCallBackUrl=").wantStatus(t, http.StatusOK)
		var wg sync.WaitGroup
		statuses := make([]int, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				field := "moCallBackUrl"
				if i%2 == 1 {
					field = "drCallBackUrl"
				}
				statuses[i] = h.post("/account/settings", fmt.Sprintf("%s=https%%3A%%2F%%2Fexample.com%%2F%d-%d", field, round, i)).status
			}()
		}
		wg.Wait()
		for i, st := range statuses {
			if st != http.StatusOK {
				t.Fatalf("round %d, request %d: status %d", round, i, st)
			}
		}
		if s := h.account(testKey).Settings; s.MOCallbackURL == "" || s.DRCallbackURL == "" {
			t.Fatalf("round %d: settings %+v after %d concurrent changes of both URLs: one was lost", round, s, workers)
		}
	}
}

// failingSettingsStore is the real store whose settings write fails, as
// when the disk is full at that moment.
type failingSettingsStore struct{ kassa.Store }

var errSettingsWrite = kassa.Errorf(kassa.EUNAVAILABLE, "the settings write failed (forced by the test)")

func (failingSettingsStore) UpdateSettings(context.Context, string, kassa.SettingsUpdate) (kassa.Settings, *kassa.Account, error) {
	return kassa.Settings{}, nil, errSettingsWrite
}

func (failingSettingsStore) UpdateAccount(context.Context, string, kassa.AccountUpdate) (*kassa.Account, error) {
	return nil, errSettingsWrite
}

// TestSettingsRotationUndoneWhenTheWriteFails: a newSecret rotation and a
// settings change are one write: when it fails, the old secret keeps
// working, the new one does not exist, and the settings are unchanged.
func TestSettingsRotationUndoneWhenTheWriteFails(t *testing.T) {
	h := newHarness(t)
	h.srv.Config.Handler = New(Config{Store: failingSettingsStore{h.db}, Hasher: h.hasher, Ledger: h.ledger, Pricing: h.prices,
		RateLimitsOff: true, CheckCallback: acceptEveryCallback})
	h.post("/account/settings", "moCallBackUrl=https%3A%2F%2Fexample.com%2Fmo&newSecret=Rotated9876").wantStatus(t, http.StatusServiceUnavailable)
	if st := h.balanceStatus(testKey, testSecret); st != http.StatusOK {
		t.Errorf("the old secret answers %d after the failed rotation, want 200", st)
	}
	if st := h.balanceStatus(testKey, "Rotated9876"); st != http.StatusUnauthorized {
		t.Errorf("the new secret answers %d after the failed rotation, want 401", st)
	}
	if n := h.secretCount(testKey); n != 1 {
		t.Errorf("%d secrets after the failed rotation, want 1", n)
	}
	if s := h.account(testKey).Settings; s.MOCallbackURL != "" {
		t.Errorf("settings %+v after the failed write", s)
	}
}
