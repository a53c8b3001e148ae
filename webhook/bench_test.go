package webhook

import (
	"net/netip"
	"net/url"
	"testing"
)

// BenchmarkURLParse is the baseline for BenchmarkValidateURL: the standard
// library's parse alone.
func BenchmarkURLParse(b *testing.B) {
	for b.Loop() {
		if _, err := url.Parse("https://callbacks.example.com:8443/webhooks/inbound-sms?x=1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkValidateURL measures the syntax check of a callback URL.
func BenchmarkValidateURL(b *testing.B) {
	for b.Loop() {
		if _, err := ValidateURL("https://callbacks.example.com:8443/webhooks/inbound-sms?x=1"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGuardCheck measures the address check done before every dial.
func BenchmarkGuardCheck(b *testing.B) {
	g := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}}
	addr := netip.MustParseAddr("93.184.216.34")
	for b.Loop() {
		if err := g.Check(addr); err != nil {
			b.Fatal(err)
		}
	}
}
