package httpapi

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/pricing"
)

// TestStreamedPricingAnswers serves the same active version from a server
// whose pricing service pre-renders the answers and from one that streams
// them (as for a large book): every answer has the same status, type and
// body, plain and gzip; a streamed answer's ETag gives 304, and HEAD has no
// body.
func TestStreamedPricingAnswers(t *testing.T) {
	h := newHarness(t)
	streamed := pricing.NewService(h.db, testRef(), pricing.ServiceOptions{FX: map[string]string{"EUR/USD": "1.25"}, Logger: slog.New(slog.DiscardHandler), PreRenderLimit: -1})
	if err := streamed.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !streamed.Current().Streamed() || h.prices.Current().Streamed() {
		t.Fatal("want one streamed and one pre-rendered snapshot")
	}
	authn := auth.NewAuthenticator(h.db, h.hasher, auth.Options{CacheTTL: time.Hour, MaxFailures: -1})
	srv := httptest.NewServer(New(Config{Store: h.db, Hasher: h.hasher, Auth: authn, Ledger: h.ledger, Pricing: streamed,
		AdminToken: testAdminToken, RateLimitsOff: true, CheckCallback: acceptEveryCallback}))
	t.Cleanup(srv.Close)
	get := func(base, path string, header map[string]string) (*http.Response, []byte) {
		t.Helper()
		r, _ := http.NewRequest(http.MethodGet, base+path, nil)
		r.SetBasicAuth(testKey, testSecret)
		for k, v := range header {
			r.Header.Set(k, v)
		}
		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			body, err = io.ReadAll(zr)
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
		return resp, body
	}
	paths := []string{
		"/account/get-full-pricing/outbound/sms", "/account/get-full-pricing/outbound/voice",
		"/account/get-pricing/outbound/sms?country=GB", "/account/get-pricing/outbound/sms?country=XX",
		"/account/get-prefix-pricing/outbound/sms?prefix=44", "/account/get-prefix-pricing/outbound/sms?prefix=999",
		"/account/get-prefix-pricing/outbound?prefix=1", "/account/get-prefix-pricing/outbound?prefix=1&page_index=2",
	}
	for _, path := range paths {
		for _, hdr := range []map[string]string{nil, {"Accept-Encoding": "gzip"}, {"Accept": "application/xml"}, {"Accept": "application/xml", "Accept-Encoding": "gzip"}} {
			a, ab := get(h.srv.URL, path, hdr)
			b, bb := get(srv.URL, path, hdr)
			if a.StatusCode != b.StatusCode || a.Header.Get("Content-Type") != b.Header.Get("Content-Type") || !bytes.Equal(ab, bb) {
				t.Errorf("%s %v: pre-rendered %d %q %d bytes, streamed %d %q %d bytes", path, hdr, a.StatusCode, a.Header.Get("Content-Type"), len(ab), b.StatusCode, b.Header.Get("Content-Type"), len(bb))
			}
			// A streamed answer is offered gzip-compressed whatever its size
			// (a large book's country can be megabytes); a pre-rendered
			// one when it is a full list.
			if a.Header.Get("Content-Encoding") == "gzip" && b.Header.Get("Content-Encoding") != "gzip" {
				t.Errorf("%s %v: the streamed answer is not gzip-compressed", path, hdr)
			}
			if b.Header.Get("Content-Encoding") == "gzip" && b.Header.Get("Vary") != "Accept, Accept-Encoding" {
				t.Errorf("%s %v: streamed Vary %q", path, hdr, b.Header.Get("Vary"))
			}
			if etag := b.Header.Get("ETag"); etag != "" {
				hdr304 := map[string]string{"If-None-Match": etag}
				for k, v := range hdr {
					hdr304[k] = v
				}
				if r, body := get(srv.URL, path, hdr304); r.StatusCode != http.StatusNotModified || len(body) != 0 {
					t.Errorf("%s %v: If-None-Match %s gave %d with %d bytes", path, hdr, etag, r.StatusCode, len(body))
				}
			}
		}
	}
	r, _ := http.NewRequest(http.MethodHead, srv.URL+paths[0], nil)
	r.SetBasicAuth(testKey, testSecret)
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) != 0 {
		t.Errorf("HEAD: %d with %d bytes", resp.StatusCode, len(body))
	}
}
