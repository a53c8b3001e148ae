package httpapi

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

// TestCountryPricing compares the per-country answers with the reference.
func TestCountryPricing(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/account/get-pricing/outbound/sms?country=gb").wantStatus(t, http.StatusOK)
	if ct := resp.header.Get("Content-Type"); ct != contentJSON {
		t.Errorf("Content-Type %q", ct)
	}
	wantShapeCovers(t, resp.body, example(t, "pricing/per-country-pricing/JSON"))
	b := resp.json(t)
	if b["countryCode"] != "GB" || b["defaultPrice"] != "0.03330000" || b["currency"] != "EUR" || b["dialingPrefix"] != "44" {
		t.Errorf("body %s", resp.body)
	}
	x := h.get("/account/get-pricing/outbound/sms?country=GB", "Accept", "application/xml").wantStatus(t, http.StatusOK)
	wantXMLCovers(t, x.body, example(t, "pricing/per-country-pricing/XML"))
	// Query credentials, as the Ruby SDK sends them.
	h.do(req{path: "/account/get-pricing/outbound/voice?country=GB&api_key=" + testKey + "&api_secret=" + testSecret}).wantStatus(t, http.StatusOK)
}

// TestPricingInAccountCurrency: a USD account gets USD prices.
func TestPricingInAccountCurrency(t *testing.T) {
	h := newHarness(t)
	h.createAccount("usd00001", testSecret, "1", kassa.USD, noReload)
	resp := h.do(req{path: "/account/get-pricing/outbound/sms?country=GB", basic: [2]string{"usd00001", testSecret}}).wantStatus(t, http.StatusOK)
	if b := resp.json(t); b["currency"] != "USD" || b["defaultPrice"] != "0.04162500" {
		t.Errorf("body %s", resp.body)
	}
}

// TestFullPricing checks the shape, gzip, the ETag and 304.
func TestFullPricing(t *testing.T) {
	h := newHarness(t)
	resp := h.do(req{path: "/account/get-full-pricing/outbound/sms", basic: [2]string{testKey, testSecret}, raw: true}).wantStatus(t, http.StatusOK)
	if resp.header.Get("Content-Encoding") != "" {
		t.Errorf("Content-Encoding %q without Accept-Encoding", resp.header.Get("Content-Encoding"))
	}
	wantShapeCovers(t, resp.body, example(t, "pricing/full-pricing/JSON"))
	b := resp.json(t)
	if n := b["count"]; n == nil || n.(interface{ String() string }).String() != "5" {
		t.Errorf("count %v", b["count"])
	}
	x := h.get("/account/get-full-pricing/outbound/sms", "Accept", "application/xml").wantStatus(t, http.StatusOK)
	wantXMLCovers(t, x.body, example(t, "pricing/full-pricing/XML"))

	gz := h.do(req{path: "/account/get-full-pricing/outbound/sms", basic: [2]string{testKey, testSecret}, raw: true,
		header: map[string]string{"Accept-Encoding": "gzip"}}).wantStatus(t, http.StatusOK)
	if gz.header.Get("Content-Encoding") != "gzip" {
		t.Errorf("no gzip for Accept-Encoding: gzip")
	} else {
		zr, err := gzip.NewReader(bytes.NewReader(gz.body))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(plain, resp.body) {
			t.Errorf("gzip body differs from the plain one (err %v)", err)
		}
		if gz.header.Get("ETag") == resp.header.Get("ETag") {
			t.Errorf("gzip and identity share an ETag")
		}
	}
	etag := resp.header.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	nm := h.do(req{path: "/account/get-full-pricing/outbound/sms", basic: [2]string{testKey, testSecret}, raw: true,
		header: map[string]string{"If-None-Match": etag}}).wantStatus(t, http.StatusNotModified)
	if len(nm.body) != 0 {
		t.Errorf("304 with a body")
	}
	h.get("/account/get-full-pricing/outbound/sms", "If-None-Match", `"other"`).wantStatus(t, http.StatusOK)
}

// TestPrefixPricing checks the typed and the legacy untyped prefix paths.
func TestPrefixPricing(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/account/get-prefix-pricing/outbound/sms?prefix=1").wantStatus(t, http.StatusOK)
	b := resp.json(t)
	if n := b["count"].(interface{ String() string }).String(); n != "3" {
		t.Errorf("count %s", n)
	}
	legacy := h.get("/account/get-prefix-pricing/outbound?prefix=1&page_index=1").wantStatus(t, http.StatusOK)
	wantShapeCovers(t, legacy.body, example(t, "pricing/prefix/JSON"))
	x := h.get("/account/get-prefix-pricing/outbound?prefix=1", "Accept", "application/xml").wantStatus(t, http.StatusOK)
	wantXMLCovers(t, x.body, example(t, "pricing/prefix/XML"))
	page2 := h.get("/account/get-prefix-pricing/outbound?prefix=1&page_index=2").wantStatus(t, http.StatusOK)
	if p := page2.json(t); p["count"].(interface{ String() string }).String() != "0" {
		t.Errorf("page 2: %s", page2.body)
	}
}

// TestPricingBadInput: each bad parameter is a clear 4xx in the pricing
// shape, an unknown type a 404, an unknown country an empty 200.
func TestPricingBadInput(t *testing.T) {
	h := newHarness(t)
	for _, c := range []struct{ path, param string }{
		{"/account/get-pricing/outbound/sms", "country"},
		{"/account/get-pricing/outbound/sms?country=", "country"},
		{"/account/get-pricing/outbound/sms?country=GBR", "country"},
		{"/account/get-prefix-pricing/outbound/sms", "prefix"},
		{"/account/get-prefix-pricing/outbound/sms?prefix=4x4", "prefix"},
		{"/account/get-prefix-pricing/outbound?prefix=abc", "prefix"},
	} {
		resp := h.get(c.path).wantStatus(t, http.StatusBadRequest)
		b := resp.json(t)
		ip, _ := b["invalid_parameters"].(map[string]any)
		if b["type"] != "BAD_REQUEST" || b["error_title"] != "Bad Request" || ip["parameter"] != c.param || ip["message"] == "" {
			t.Errorf("%s: body %s", c.path, resp.body)
		}
	}
	for _, path := range []string{"/account/get-pricing/outbound/mms?country=GB", "/account/get-full-pricing/outbound/fax", "/account/get-prefix-pricing/outbound/x?prefix=1", "/account/get-pricing/outbound?country=GB"} {
		resp := h.get(path).wantStatus(t, http.StatusNotFound)
		if b := resp.json(t); b["error-code"] != "404" {
			t.Errorf("%s: %s", path, resp.body)
		}
	}
	resp := h.get("/account/get-pricing/outbound/sms?country=XX").wantStatus(t, http.StatusOK)
	if got := strings.TrimSpace(string(resp.body)); got != "{}" {
		t.Errorf("unknown country: %s", got)
	}
	// An unpriced but known country has no defaultPrice and no networks.
	um := h.get("/account/get-pricing/outbound/sms?country=UM").wantStatus(t, http.StatusOK).json(t)
	if _, ok := um["defaultPrice"]; ok || um["countryCode"] != "UM" {
		t.Errorf("UM: %v", um)
	}
}

// TestPricingAnswersGzipFromMinSize: any pricing answer of
// pricing.GzipMinSize or more (a prefix answer, not only a full list) is
// sent gzip-compressed to a client that accepts it, with Vary naming
// Accept-Encoding, its own ETag and 304 on it; a smaller one is sent
// plain with Vary: Accept, whatever Accept-Encoding says.
func TestPricingAnswersGzipFromMinSize(t *testing.T) {
	serve := func(d *pricing.Document, header ...string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/account/get-prefix-pricing/outbound/sms?prefix=1", nil)
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		w := httptest.NewRecorder()
		serveDocument(w, r, d)
		return w
	}
	body := bytes.Repeat([]byte(`{"countryCode":"US","networks":[]},`), 100)
	large := &pricing.Document{Body: body, ContentType: pricing.ContentTypeJSON, ETag: `"plain"`}
	plain := serve(large)
	if plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), body) ||
		plain.Header().Get("Vary") != "Accept, Accept-Encoding" || plain.Header().Get("ETag") != `"plain"` {
		t.Errorf("without Accept-Encoding: %v", plain.Header())
	}
	gz := serve(large, "Accept-Encoding", "gzip, deflate, br")
	etag := gz.Header().Get("ETag")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("Vary") != "Accept, Accept-Encoding" || etag == `"plain"` || etag == "" {
		t.Fatalf("with Accept-Encoding gzip: %v", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, body) {
		t.Errorf("the gzip body does not decompress to the answer (%v)", err)
	}
	if nm := serve(large, "Accept-Encoding", "gzip", "If-None-Match", etag); nm.Code != http.StatusNotModified || nm.Body.Len() != 0 {
		t.Errorf("If-None-Match with the gzip ETag: %d, %d bytes", nm.Code, nm.Body.Len())
	}
	if no := serve(large, "Accept-Encoding", "gzip;q=0"); no.Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	small := &pricing.Document{Body: []byte(`{"count":0,"countries":[]}`), ContentType: pricing.ContentTypeJSON, ETag: `"small"`}
	if s := serve(small, "Accept-Encoding", "gzip"); s.Header().Get("Content-Encoding") != "" || s.Header().Get("Vary") != "Accept" {
		t.Errorf("a small answer: %v", s.Header())
	}
}
