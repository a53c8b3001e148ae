package client_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

func TestBalance(t *testing.T) {
	ts := startKassa(t)
	b, err := accountClient(ts).Balance(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := kassa.MustParseAmount("10"); b.Value != want || b.AutoReload {
		t.Fatalf("balance = %v (auto-reload %v), want %v without auto-reload", b.Value, b.AutoReload, want)
	}
}

func TestBalanceBadCredentials(t *testing.T) {
	ts := startKassa(t)
	_, err := client.New(ts.URL, client.WithCredentials(testKey, "Wrong1234")).Balance(testCtx(t))
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *client.Error", err)
	}
	if e.Status != 401 || e.Code != "401" || e.Label != "authentication failed" || e.KassaCode() != kassa.EUNAUTHORIZED {
		t.Fatalf("error = %+v, want 401 authentication failed (unauthorized)", e)
	}
	if e.Retryable {
		t.Error("a 401 must not be retryable")
	}
}

func TestSettingsReadAndUpdate(t *testing.T) {
	ts := startKassa(t)
	c := accountClient(ts)
	ctx := testCtx(t)
	s, err := c.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s.MOCallbackURL != "" || s.DRCallbackURL != "" || s.MaxOutboundRequest != kassa.DefaultLimits.MaxOutboundRequest ||
		s.MaxInboundRequest != kassa.DefaultLimits.MaxInboundRequest || s.MaxCallsPerSecond != kassa.DefaultLimits.MaxCallsPerSecond {
		t.Fatalf("fresh settings = %+v, want no URLs and the default limits", s)
	}
	mo, method := ts.CallbackURL+"/inbound", kassa.ForwardPostJSON
	s, err = c.UpdateSettings(ctx, client.SettingsUpdate{MOCallbackURL: &mo, HTTPForwardMethod: &method})
	if err != nil {
		t.Fatal(err)
	}
	if s.MOCallbackURL != mo || s.DRCallbackURL != "" {
		t.Fatalf("after update = %+v, want mo %q and no dr", s, mo)
	}
	// A read afterwards sees the change; the forward method shows on the
	// admin API.
	if s, err = c.Settings(ctx); err != nil || s.MOCallbackURL != mo {
		t.Fatalf("read back = %+v, %v; want mo %q", s, err, mo)
	}
	a, err := adminClient(ts).GetAccount(ctx, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if a.Settings.MOCallbackURL != mo || a.Settings.HTTPForwardMethod != method {
		t.Fatalf("admin view of settings = %+v", a.Settings)
	}
	// An empty string unsets.
	empty := ""
	if s, err = c.UpdateSettings(ctx, client.SettingsUpdate{MOCallbackURL: &empty}); err != nil || s.MOCallbackURL != "" {
		t.Fatalf("after unset = %+v, %v; want no mo URL", s, err)
	}
}

func TestSettingsRejectsBadURL(t *testing.T) {
	ts := startKassa(t)
	c := accountClient(ts)
	ctx := testCtx(t)
	bad := "not a url"
	_, err := c.UpdateSettings(ctx, client.SettingsUpdate{DRCallbackURL: &bad})
	var e *client.Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status > 499 {
		t.Fatalf("malformed URL: err = %v, want a 4xx *client.Error", err)
	}
	// A well-formed URL that does not answer fails the live check.
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL + "/dr"
	dead.Close()
	_, err = c.UpdateSettings(ctx, client.SettingsUpdate{DRCallbackURL: &deadURL})
	if code := kassaCode(t, err); code != kassa.ECALLBACKREJECTED {
		t.Fatalf("dead URL: code %q (%v), want %q", code, err, kassa.ECALLBACKREJECTED)
	}
	if s, err := c.Settings(ctx); err != nil || s.DRCallbackURL != "" {
		t.Fatalf("settings after refused URLs = %+v, %v; want unchanged", s, err)
	}
}

func TestTopUp(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := accountClient(ts)

	// Without auto-reload the top-up is refused and the balance unchanged.
	_, err := c.TopUp(ctx, "8ef2447e69604f642ae59363aa5f781b")
	var e *client.Error
	if !errors.As(err, &e) || e.Label != "not auto-reload enabled" || e.KassaCode() != kassa.ECONFLICT {
		t.Fatalf("top-up without auto-reload: err = %v, want 'not auto-reload enabled' (conflict)", err)
	}

	trx := "8ef2447e69604f642ae59363aa5f781b"
	_, err = adminClient(ts).SetAutoReload(ctx, testKey, client.AutoReload{
		Enabled: true, Trx: trx, Amount: kassa.MustParseAmount("50"), Threshold: kassa.MustParseAmount("5"), DailyCap: 5,
	})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.TopUp(ctx, trx)
	if err != nil {
		t.Fatal(err)
	}
	if res.Code != "200" || res.Label != "success" {
		t.Fatalf("top-up = %+v, want 200 success", res)
	}
	b, err := c.Balance(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := kassa.MustParseAmount("60"); b.Value != want || !b.AutoReload {
		t.Fatalf("balance after top-up = %v (auto-reload %v), want %v with auto-reload", b.Value, b.AutoReload, want)
	}
}
