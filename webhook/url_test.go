package webhook

import (
	"net/netip"
	"strings"
	"testing"
)

func TestValidateURL(t *testing.T) {
	ok := []string{
		"http://example.com/mo",
		"https://example.com:8443/dr?x=1#f",
		"HTTP://Example.COM/",
		"http://192.0.2.10/",
		"http://[2001:db8::1]:8080/x",
		"http://user:pw@example.com/",
		"http://my_host.example./",
	}
	for _, u := range ok {
		if _, err := ValidateURL(u); err != nil {
			t.Errorf("ValidateURL(%q) = %v, want nil", u, err)
		}
	}
	bad := map[string]string{
		"":                          "not an absolute http(s) URL",
		"/relative":                 "not an absolute http(s) URL",
		"example.com/x":             "not an absolute http(s) URL",
		"ftp://example.com/":        "not an absolute http(s) URL",
		"javascript:alert(1)":       "not an absolute http(s) URL",
		"mailto:a@b.c":              "not an absolute http(s) URL",
		" http://example.com/":      "not an absolute http(s) URL",
		"http:///path":              "URL has no host",
		"http://:80/":               "URL has no host",
		"http://example.com:0/":     "port",
		"http://example.com:99999/": "port",
		"http://example.com:/":      "empty port",
		"http://2130706433/":        "non-standard",
		"http://0177.0.0.1/":        "non-standard",
		"http://0x7f000001/":        "non-standard",
		"http://0x7f.0.0.1/":        "non-standard",
		"http://127.1/":             "non-standard",
		"http://017700000001/":      "non-standard",
		"http://[::1/":              "not an absolute http(s) URL",
		"http://[127.0.0.1]/":       "not an absolute http(s) URL",
		"http://exa mple.com/":      "not an absolute http(s) URL",
		"http://ex%C3%A4mple.com/":  "xn--",
		"http://" + strings.Repeat("a", 64) + ".com/":             "label",
		"http://example.com/" + strings.Repeat("a", MaxURLLength): "longer than",
	}
	for u, want := range bad {
		_, err := ValidateURL(u)
		if err == nil {
			t.Errorf("ValidateURL(%q) = nil, want error containing %q", u, want)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateURL(%q) = %q, want it to contain %q", u, err, want)
		}
	}
}

func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"http://example.com/", "https://[::1]:443/x", "http://2130706433/", "http://0177.0.0.1/",
		"http://0x7f.1/", "ftp://x/", "http://a..b/", "http://[fe80::1%25eth0]/", "http://x:65536/",
		"http://169.254.169.254/latest/meta-data/", "HTTPS://EXAMPLE.COM.", "http://%31%32%37.0.0.1/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ValidateURL(raw)
		if err != nil {
			if u != nil {
				t.Fatalf("ValidateURL(%q) returned a URL with an error", raw)
			}
			return
		}
		if len(raw) > MaxURLLength {
			t.Fatalf("accepted %d characters", len(raw))
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("accepted scheme %q", u.Scheme)
		}
		host := u.Hostname()
		if host == "" {
			t.Fatalf("accepted %q without a host", raw)
		}
		if _, perr := netip.ParseAddr(host); perr != nil && looksNumeric(host) {
			t.Fatalf("accepted numeric host %q in a non-standard form", host)
		}
		if _, err := ValidateURL(u.String()); err != nil {
			t.Fatalf("re-validating %q (from %q) failed: %v", u.String(), raw, err)
		}
	})
}
