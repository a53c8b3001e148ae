package httpapi

import (
	"io"
	"net/http"
	"testing"
)

// BenchmarkPublic measures public endpoints over loopback HTTP against the
// real stack; /healthz is the baseline (HTTP and routing only), so report
// the others as ratios to it.
func BenchmarkPublic(b *testing.B) {
	h := newHarness(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for _, c := range []struct{ name, path, encoding string }{
		{"healthz", "/healthz", ""},
		{"get-balance", "/account/get-balance", ""},
		{"country-pricing", "/account/get-pricing/outbound/sms?country=GB", ""},
		{"full-pricing-gzip", "/account/get-full-pricing/outbound/sms", "gzip"},
	} {
		b.Run(c.name, func(b *testing.B) {
			req, _ := http.NewRequest("GET", h.srv.URL+c.path, nil)
			req.SetBasicAuth(testKey, testSecret)
			if c.encoding != "" {
				req.Header.Set("Accept-Encoding", c.encoding)
			}
			for b.Loop() {
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
