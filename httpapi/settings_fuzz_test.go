package httpapi

import (
	"bytes"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
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

// FuzzSettingsParams: the settings request parsing (parameters, callback
// URL syntax, httpForwardMethod, the legacy newSecret) never panics,
// refuses only with EINVALID errors, keeps the forward method in its enum,
// and never puts the new secret in an error message.
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
	h, err := auth.NewHasher(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query string, body []byte) {
		p, err := fuzzRequestParams(t, query, body)
		if err != nil {
			wantInvalid(t, "readParams", err)
			return
		}
		next, changed, err := settingsFromParams(kassa.Settings{}, p)
		if err != nil {
			wantInvalid(t, "settingsFromParams", err)
		} else {
			switch next.HTTPForwardMethod {
			case "", kassa.ForwardGetQuery, kassa.ForwardPostQuery, kassa.ForwardPostJSON:
			default:
				t.Fatalf("forward method %q accepted", next.HTTPForwardMethod)
			}
			if !changed && next != (kassa.Settings{}) {
				t.Fatalf("settings changed without a parameter: %+v", next)
			}
			for field, u := range map[string]string{"moCallBackUrl": next.MOCallbackURL, "drCallBackUrl": next.DRCallbackURL} {
				if u == "" {
					continue
				}
				if err := validateCallbackURL(field, u); err != nil {
					wantInvalid(t, "validateCallbackURL", err)
				}
			}
		}
		plain, _ := p.lookup(paramNewSecret)
		sec, err := newSecretParam("abcd1234", p, h, time.Unix(0, 0))
		switch {
		case err != nil:
			wantInvalid(t, "newSecretParam", err)
			if len(plain) >= 4 && strings.Contains(kassa.ErrorMessage(err), plain) {
				t.Fatalf("the error message %q shows the secret", kassa.ErrorMessage(err))
			}
		case sec != nil:
			if kassa.ValidateSecret(plain) != nil || !h.Verify(sec, plain) {
				t.Fatalf("accepted secret %q does not validate or verify", plain)
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
