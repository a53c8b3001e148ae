package httpapi

import (
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestRedactPath(t *testing.T) {
	cases := map[string]string{
		"/account/get-balance/abcd1234/S3cretSecret1":      "/account/get-balance/{redacted}/{redacted}",
		"/account/get-balance/abcd1234/S3cretSecret1/":     "/account/get-balance/{redacted}/{redacted}/",
		"//account//get-balance//abcd1234//S3cretSecret1":  "//account//get-balance//{redacted}//{redacted}",
		"/ACCOUNT/Get-Balance/abcd1234/S3cretSecret1":      "/ACCOUNT/{redacted}/{redacted}/{redacted}",
		"/account/get-pricing/outbound/k/S3cretSecret1/DE": "/account/get-pricing/outbound/k/{redacted}/{redacted}",
		"/account/get-balance":                             "/account/get-balance",
		"/account/get-pricing/outbound/sms-transit":        "/account/get-pricing/outbound/sms-transit",
		"/account/": "/account/",
		"/accounts/abcd1234/secrets/ad6dc56f-07b5-46e1-a527": "/accounts/abcd1234/secrets/ad6dc56f-07b5-46e1-a527",
		"/admin/v1/accounts/abcd1234":                        "/admin/v1/accounts/abcd1234",
		"/accountX/get-balance/abcd1234/S3cretSecret1":       "/accountX/get-balance/abcd1234/S3cretSecret1",
		"/account/get-balance/abcd1234/S3cretSecret1?x=1":    "/account/get-balance/{redacted}/{redacted}",
	}
	for in, want := range cases {
		if got := RedactPath(in); got != want {
			t.Errorf("RedactPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzRedactPath: no path under /account/ keeps a segment that is a valid
// secret, whatever surrounds it.
func FuzzRedactPath(f *testing.F) {
	for _, s := range []string{"/account/get-balance/k/S3cretSecret1", "//Account/x//Ab1cdefgh/", "/account/", "/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		out := RedactPath(path)
		if !underLegacyAccount(path) {
			if out != path {
				t.Fatalf("%q changed to %q outside /account/", path, out)
			}
			return
		}
		for _, seg := range strings.Split(out, "/") {
			if kassa.ValidateSecret(seg) == nil {
				t.Fatalf("%q keeps %q, a valid secret", out, seg)
			}
		}
	})
}
