package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/openapi/openapitest"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/sqlite"
)

// Credentials of the account every harness starts with.
const (
	testKey        = "abcd1234"
	testSecret     = "Secret1234"
	testTrx        = "8ef2447e69604f642ae59363aa5f781b"
	testAdminToken = "admin-token-for-tests"
)

// harness is the real stack: SQLite in a temp dir, the charging ledger, the
// pricing service on a small test book, and the server on loopback.
type harness struct {
	t      testing.TB
	db     *sqlite.DB
	hasher *auth.Hasher
	ledger *charging.Ledger
	prices *pricing.Service
	topUp  *reload.Reloader // top-ups without a payment (the ledger-only gateway)
	srv    *httptest.Server
	api    *apiCoverage // the operations whose answers were validated; nil: not recorded
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	ctx := context.Background()
	db := testkit.OpenSQLite(t, sqlite.Options{})
	hasher, err := auth.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	prices := pricing.NewService(db, testRef(), pricing.ServiceOptions{FX: map[string]string{"EUR/USD": "1.25"}, Logger: slog.New(slog.DiscardHandler)})
	v, err := prices.Import(ctx, testBook(), "test")
	if err != nil {
		t.Fatalf("import test price book: %v", err)
	}
	if err := prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatalf("activate: %v", err)
	}
	ledger := charging.New(db, charging.Options{})
	t.Cleanup(ledger.Close)
	topUp := reload.New(db, ledger, reload.LedgerOnly{}, reload.Options{})
	h := &harness{t: t, db: db, hasher: hasher, ledger: ledger, prices: prices, topUp: topUp}
	// A cache TTL of an hour: revocations must work through Invalidate,
	// not through expiry.
	// The brute-force limiter is off here (tests of failures make many);
	// TestBruteForceOnTheWire builds a server with it.
	authn := auth.NewAuthenticator(db, hasher, auth.Options{CacheTTL: time.Hour, MaxFailures: -1})
	// Rate limits off and every callback URL accepted: the tests of those
	// features (ratelimits_test.go, callbacks_test.go) build their own
	// servers with a clock and real callback servers.
	s := New(Config{Store: db, Hasher: hasher, Auth: authn, Ledger: ledger, Pricing: prices, TopUp: topUp,
		AdminToken: testAdminToken, ServiceToken: "service-token-for-tests", RateLimitsOff: true, CheckCallback: acceptEveryCallback})
	h.srv = httptest.NewServer(s)
	t.Cleanup(h.srv.Close)
	h.createAccount(testKey, testSecret, "10.17127500", kassa.EUR, kassa.AutoReload{Enabled: true, Trx: testTrx, Amount: kassa.MustParseAmount("50"), Threshold: kassa.MustParseAmount("20"), DailyCap: 100})
	return h
}

// createAccount stores an account with one secret and an opening balance.
func (h *harness) createAccount(key, secret, balance string, cur kassa.Currency, ar kassa.AutoReload) {
	h.t.Helper()
	sec, err := h.hasher.NewSecret(key, secret, time.Now())
	if err != nil {
		h.t.Fatal(err)
	}
	var opening *kassa.Entry
	if b := kassa.MustParseAmount(balance); b != 0 {
		opening = &kassa.Entry{Account: key, Kind: kassa.KindCredit, Amount: b, Reason: "opening"}
	}
	acct := &kassa.Account{APIKey: key, Currency: cur, Limits: kassa.DefaultLimits, AutoReload: ar}
	if err := h.db.CreateAccount(context.Background(), acct, sec, opening); err != nil {
		h.t.Fatalf("create account %s: %v", key, err)
	}
}

// account reads an account from the store.
func (h *harness) account(key string) *kassa.Account {
	h.t.Helper()
	a, err := h.db.FindAccount(context.Background(), key)
	if err != nil {
		h.t.Fatalf("find account %s: %v", key, err)
	}
	return a
}

// response is a received answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// req describes one request.
type req struct {
	method string
	path   string // with the query
	body   string
	header map[string]string
	basic  [2]string // key, secret; empty for none
	raw    bool      // do not ask for transparent gzip
}

func (h *harness) do(r req) response {
	h.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	var body io.Reader
	if r.body != "" {
		body = strings.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, h.srv.URL+r.path, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range r.header {
		if k == "Host" {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	if r.basic[0] != "" {
		hr.SetBasicAuth(r.basic[0], r.basic[1])
	}
	tr := &http.Transport{DisableCompression: r.raw}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr}).Do(hr)
	if err != nil {
		h.t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	validateAnswer(h.t, h.api, hr, resp.StatusCode, resp.Header, data)
	if resp.StatusCode < 300 {
		if _, err := openapitest.CheckRequest(hr, []byte(r.body)); err != nil {
			h.t.Errorf("%v\nrequest body: %.300s", err, r.body)
		}
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}
}

// get is a GET with the test account's Basic credentials.
func (h *harness) get(path string, header ...string) response {
	h.t.Helper()
	return h.do(req{path: path, basic: [2]string{testKey, testSecret}, header: pairs(header)})
}

// post is a form POST with the test account's Basic credentials.
func (h *harness) post(path, form string) response {
	h.t.Helper()
	return h.do(req{method: http.MethodPost, path: path, body: form, basic: [2]string{testKey, testSecret},
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}})
}

func pairs(kv []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// wantStatus fails the test unless the answer has the status.
func (r response) wantStatus(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return v
}

// example reads a reference example from testdata/examples.
func example(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "examples", path))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// jsonShape maps every path of a JSON document to its JSON type; array
// elements share the path "name[]".
func jsonShape(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v: %s", err, data)
	}
	out := map[string]string{}
	shapeOf(v, "", out)
	return out
}

func shapeOf(v any, path string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range x {
			shapeOf(e, path+"/"+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range x {
			shapeOf(e, path+"[]", out)
		}
	case json.Number:
		out[path] = "number"
	case string:
		out[path] = "string"
	case bool:
		out[path] = "boolean"
	case nil:
		out[path] = "null"
	}
}

// wantShapeCovers fails unless every path of the example exists in got
// with the same JSON type (got may have more fields).
func wantShapeCovers(t *testing.T, got, example []byte) {
	t.Helper()
	g, e := jsonShape(t, got), jsonShape(t, example)
	for _, p := range sortedKeys(e) {
		if g[p] != e[p] {
			t.Errorf("JSON path %q: got type %q, the example has %q\ngot: %s", p, g[p], e[p], got)
		}
	}
}

// xmlPaths returns the set of element paths of an XML document.
func xmlPaths(t *testing.T, data []byte) map[string]bool {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	out := map[string]bool{}
	var stack []string
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not XML: %v: %s", err, data)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			stack = append(stack, x.Name.Local)
			out[strings.Join(stack, "/")] = true
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	return out
}

// wantXMLCovers fails unless every element path of the example exists in got.
func wantXMLCovers(t *testing.T, got, example []byte) {
	t.Helper()
	g, e := xmlPaths(t, got), xmlPaths(t, example)
	for _, p := range sortedKeys(e) {
		if !g[p] {
			t.Errorf("XML element %q of the example is missing\ngot: %s", p, got)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// testRef is a small reference set: GB, US, CA, UM (sharing +1), ZM.
func testRef() *refdata.Data {
	countries := []kassa.Country{
		{Code: "GB", Name: "United Kingdom", DisplayName: "United Kingdom", DialingPrefix: "44"},
		{Code: "US", Name: "United States", DisplayName: "United States", DialingPrefix: "1"},
		{Code: "CA", Name: "Canada", DisplayName: "Canada", DialingPrefix: "1"},
		{Code: "UM", Name: "United States Minor Outlying Islands", DisplayName: "United States Minor Outlying Islands", DialingPrefix: "1"},
		{Code: "ZM", Name: "Zambia", DisplayName: "Zambia", DialingPrefix: "260"},
	}
	networks := []kassa.Network{
		{Code: "23410", Name: "O2 UK", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "10", Aliases: []string{"23411"}, Ranges: []string{"4477"}},
		{Code: "GB-FIXED", Name: "United Kingdom Landline", Type: kassa.Landline, Country: "GB", Ranges: []string{"441"}},
		{Code: "310004", Name: "Verizon Wireless", Type: kassa.Mobile, Country: "US", MCC: "310", MNC: "004", Ranges: []string{"1201"}},
		{Code: "302320", Name: "Rogers Communications Canada Inc.", Type: kassa.Mobile, Country: "CA", MCC: "302", MNC: "320", Ranges: []string{"1204"}},
		{Code: "64502", Name: "MTN Zambia", Type: kassa.Mobile, Country: "ZM", MCC: "645", MNC: "02", Ranges: []string{"26096"}},
	}
	return refdata.New(countries, networks)
}

// testBook prices GB, US, CA and ZM in EUR; UM stays unpriced.
func testBook() *kassa.PriceBook {
	p := func(t kassa.ServiceType, country, network, price string) kassa.Price {
		return kassa.Price{Type: t, Country: country, Network: network, Currency: kassa.EUR, Price: kassa.MustParseAmount(price)}
	}
	return &kassa.PriceBook{Name: "test book", Prices: []kassa.Price{
		p(kassa.SMS, "GB", "", "0.0333"),
		p(kassa.SMS, "GB", "23410", "0.04"),
		p(kassa.SMS, "US", "", "0.0057"),
		p(kassa.SMS, "CA", "", "0.0057"),
		p(kassa.SMS, "ZM", "", "0.28725"),
		p(kassa.Voice, "GB", "", "0.01"),
		p(kassa.SMSTransit, "ZM", "64502", "0.2"),
	}}
}

// noReload is an auto-reload configuration that is off.
var noReload = kassa.AutoReload{Amount: kassa.DefaultReloadAmount, Threshold: kassa.DefaultReloadThreshold, DailyCap: 5}

// acceptEveryCallback is a CheckCallback for tests that are not about the
// live check.
func acceptEveryCallback(ctx context.Context, url string) error { return nil }
