package httpapi

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// BenchmarkPlatform measures the platform rate and charge over loopback
// HTTP against the real stack (SQLite, the ledger's group commit: a charge
// is one fsync'd transaction when alone); /healthz is the baseline, so
// report the others as ratios to it.
func BenchmarkPlatform(b *testing.B) {
	h := newHarness(b)
	h.admin("POST", "/admin/v1/accounts/"+testKey+"/credits", `{"amount":"1000000"}`)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	for _, c := range []struct{ name, path, body string }{
		{"healthz", "/healthz", ""},
		{"rate", "/platform/v1/rate", `{"account":"abcd1234","type":"sms","to":"447700900123"}`},
		{"charge", "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			n := 0
			for b.Loop() {
				n++
				method := http.MethodGet
				if c.body != "" {
					method = http.MethodPost
				}
				req, _ := http.NewRequest(method, h.srv.URL+c.path, strings.NewReader(c.body))
				req.Header.Set("Authorization", "Bearer "+testServiceToken)
				req.Header.Set("Idempotency-Key", c.name+"-"+strconv.Itoa(n)+"-"+strconv.Itoa(b.N))
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
