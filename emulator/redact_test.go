package emulator

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestRedactPairs: sensitive names in a query or form lose their value,
// every other byte stays as sent (escapes, empty pairs, a trailing '&').
func TestRedactPairs(t *testing.T) {
	var rd redactor
	got, vals := rd.pairs("api_key=abcd1234&api%5Fsecret=Se%2Bcret123&newSecret=Fresh1234X&&moCallBackUrl=http%3A%2F%2Fx&")
	want := "api_key=abcd1234&api%5Fsecret=REDACTED&newSecret=REDACTED&&moCallBackUrl=http%3A%2F%2Fx&"
	if got != want {
		t.Errorf("pairs = %q\nwant %q", got, want)
	}
	if vals.Get("api_key") != "abcd1234" || vals.Get("api_secret") != "Se+cret123" {
		t.Errorf("parsed pairs %v", vals)
	}
	if text := rd.scrub("path/Se+cret123/and/Se%2Bcret123"); strings.Contains(text, "cret123") {
		t.Errorf("scrub left a secret: %q", text)
	}
}

// TestRedactJSON: sensitive keys at any depth are redacted; the text is
// kept as sent when the secret is written plainly, and re-encoded when it
// is written with escapes, so that no secret is ever left.
func TestRedactJSON(t *testing.T) {
	var rd redactor
	got, top := rd.jsonBody([]byte(`{ "secret" : "Plain1234X", "nested": {"Password": "Pw123456"}, "list": [{"token": "tok-123456"}], "api_key": "abcd1234" }`))
	want := `{ "secret" : "REDACTED", "nested": {"Password": "REDACTED"}, "list": [{"token": "REDACTED"}], "api_key": "abcd1234" }`
	if got != want {
		t.Errorf("json = %s\nwant %s", got, want)
	}
	if top["api_key"] != "abcd1234" {
		t.Errorf("top-level fields %v", top)
	}
	got, _ = rd.jsonBody([]byte(`{"secret":"\u0053ecret1234"}`))
	if strings.Contains(got, "ecret1234") || !strings.Contains(got, Redacted) {
		t.Errorf("escaped secret: %s", got)
	}
	got, _ = rd.jsonBody([]byte(`{"secret": 12345678}`))
	if strings.Contains(got, "12345678") {
		t.Errorf("a number under a secret key is kept: %s", got)
	}
}

// FuzzRedactBody: whatever the body, JSON or form, no value under a
// sensitive name survives the journal's redaction.
func FuzzRedactBody(f *testing.F) {
	for _, seed := range []string{
		`{"secret":"Abc123456"}`, `{"a":{"api_secret":["x",{"token":1}]}}`, `api_secret=S3cret999&api_key=k`,
		`{"secret":"\u0041bc"}`, `newSecret=%41bc123456&x=1`, `[{"password":null}]`, `{"secret":"a\"b"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var rd redactor
		trimmed := strings.TrimLeft(string(body), " \t\r\n")
		if strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[") {
			out, _ := rd.jsonBody(body)
			var doc any
			if err := json.Unmarshal([]byte(out), &doc); err == nil {
				var found []string
				other := redactJSON(doc, &found)
				if other {
					t.Fatalf("a non-string secret survives in %s", out)
				}
				for _, s := range found {
					if s != Redacted {
						t.Fatalf("secret %q survives in %s", s, out)
					}
				}
			}
			return
		}
		out, _ := rd.pairs(string(body))
		_, vals := (&redactor{}).pairs(out)
		for name, vs := range vals {
			for _, v := range vs {
				if sensitiveName(name) && v != "" && v != Redacted {
					t.Fatalf("%s=%q survives in %q", name, v, out)
				}
			}
		}
	})
}
