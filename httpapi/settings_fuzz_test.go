package httpapi

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
)

// fuzzRequestParams reads the parameters of a POST with this query and body
// the way the public API does.
func fuzzRequestParams(t *testing.T, query string, body []byte) (params, error) {
	r := httptest.NewRequest("POST", "/account/settings", bytes.NewReader(body))
	r.URL.RawQuery = query
	return readParams(r, DefaultMaxBodyBytes)
}

// wantInvalid fails unless err is a caller-safe EINVALID *kassa.Error.
func wantInvalid(t *testing.T, what string, err error) {
	t.Helper()
	var e *kassa.Error
	if !errors.As(err, &e) || e.Code != kassa.EINVALID || e.Message == "" {
		t.Fatalf("%s: error %v is not an EINVALID *kassa.Error", what, err)
	}
}

// FuzzSettingsParams: a settings request (parameters, callback URL
// syntax, httpForwardMethod, the legacy newSecret) through the real use
// case on a real store never panics, refuses only with EINVALID errors,
// keeps the forward method in its enum, never puts the new secret in an
// error message, and an accepted newSecret is the account's secret after.
func FuzzSettingsParams(f *testing.F) {
	for _, s := range [][2]string{
		{"", "moCallBackUrl=https%3A%2F%2Fexample.com%2Fmo&drCallBackUrl=https%3A%2F%2Fexample.com%2Fdr"},
		{"moCallbackUrl=http://example.org/in", `{"drCallbackUrl":"","httpForwardMethod":"POST_JSON"}`},
		{"", "newSecret=Rotated9876"},
		{"newSecret=weak", "httpForwardMethod=PUT"},
		{"", `{"moCallBackUrl":"http://[::1]:80/x","newSecret":"Ab1Ab1Ab1"}`},
		{"", "moCallBackUrl=http%3A%2F%2F2130706433%2F&newSecret=%FF%FE"},
		{"a=%zz", `{"moCallBackUrl":["x"]}`},
	} {
		f.Add(s[0], []byte(s[1]))
	}
	h := newHarness(f)
	svc := app.New(app.Config{Store: h.db, Hasher: h.hasher}) // no live check: the syntax only
	current := testSecret
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		p, err := fuzzRequestParams(t, query, body)
		if err != nil {
			wantInvalid(t, "readParams", err)
			return
		}
		call := &publicCall{params: p, account: &kassa.Account{APIKey: testKey}, secret: current}
		change := settingsChange(call)
		res, err := svc.UpdateSettings(t.Context(), app.System, testKey, change)
		if err != nil {
			wantInvalid(t, "UpdateSettings", err)
			if plain, ok := p.lookup(app.FieldNewSecret); ok && len(plain) >= 4 && strings.Contains(kassa.ErrorMessage(err), plain) {
				t.Fatalf("the error message %q shows the secret", kassa.ErrorMessage(err))
			}
			return
		}
		switch m := res.Account.Settings.HTTPForwardMethod; m {
		case "", kassa.ForwardGetQuery, kassa.ForwardPostQuery, kassa.ForwardPostJSON:
		default:
			t.Fatalf("forward method %q accepted", m)
		}
		if change.NewSecret != nil {
			current = *change.NewSecret
			if _, err := auth.NewAuthenticator(h.db, h.hasher, auth.Options{CacheTTL: -1}).Authenticate(t.Context(), testKey, current); err != nil {
				t.Fatalf("the accepted new secret %q does not authenticate: %v", current, err)
			}
		}
	})
}

// FuzzSecretsParams: a secrets-API create body either gives a secret that
// passes the complexity rules and verifies, or an EINVALID error; never a
// panic.
func FuzzSecretsParams(f *testing.F) {
	for _, s := range []string{`{"secret":"NewSecret99"}`, "secret=NewSecret99", `{"secret":["Ab1Ab1Ab1"]}`, `{}`, "secret=", `{"secret":"short1A"}`, `{"secret":"example-4PI-secret"}`, `{"secret":"\u0000Ab1Ab1Ab1"}`} {
		f.Add([]byte(s))
	}
	h, err := auth.NewHasher(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := fuzzRequestParams(t, "", body)
		if err != nil {
			wantInvalid(t, "readParams", err)
			return
		}
		plain := p.get("secret")
		sec, err := h.NewSecret("abcd1234", plain, time.Unix(0, 0))
		if err != nil {
			wantInvalid(t, "NewSecret", err)
			return
		}
		n := len([]rune(plain))
		if n < kassa.MinSecretLength || n > kassa.MaxSecretLength || !h.Verify(sec, plain) || h.Verify(sec, plain+"x") {
			t.Fatalf("secret %q accepted wrongly", plain)
		}
	})
}
