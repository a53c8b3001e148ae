package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// testClock is a clock that tests move by hand.
type testClock = storetest.Clock

// newPriceBookHarness is the real stack of newHarness (SQLite, the pricing
// service on testRef with testBook active as version 1) with one injected
// clock shared by the server, the store and the pricing service.
func newPriceBookHarness(t *testing.T) (*harness, *testClock) {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC))
	db := testkit.OpenSQLite(t, sqlite.Options{Now: clock.Now})
	hasher, err := auth.NewHasher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	prices := pricing.NewService(db, testRef(), pricing.ServiceOptions{FX: map[string]string{"EUR/USD": "1.25"}, Now: clock.Now, Logger: slog.New(slog.DiscardHandler)})
	v, err := prices.Import(ctx, testBook(), "test")
	if err != nil {
		t.Fatalf("import test price book: %v", err)
	}
	if err := prices.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatalf("activate: %v", err)
	}
	ledger := charging.New(db, charging.Options{Now: clock.Now})
	t.Cleanup(ledger.Close)
	h := &harness{t: t, db: db, hasher: hasher, ledger: ledger, prices: prices}
	authn := auth.NewAuthenticator(db, hasher, auth.Options{CacheTTL: time.Hour, MaxFailures: -1, Now: clock.Now})
	s := New(Config{Store: db, Hasher: hasher, Auth: authn, Ledger: ledger, Pricing: prices, Now: clock.Now,
		AdminToken: testAdminToken, RateLimitsOff: true, CheckCallback: acceptEveryCallback})
	h.srv = httptest.NewServer(s)
	t.Cleanup(h.srv.Close)
	h.createAccount(testKey, testSecret, "10", kassa.EUR, noReload)
	return h, clock
}

// adminDeck makes an admin API request with the admin token and a body of
// any content type.
func (h *harness) adminDeck(method, path, contentType, body string) response {
	h.t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + testAdminToken}
	if contentType != "" {
		hdr["Content-Type"] = contentType
	}
	return h.do(req{method: method, path: path, body: body, header: hdr})
}

// priceBookList is the answer of GET /admin/v1/pricebooks.
type priceBookList struct {
	Versions []priceBookJSON `json:"versions"`
	Active   *int64          `json:"active"`
}

func (h *harness) priceBooks() priceBookList {
	h.t.Helper()
	var l priceBookList
	resp := h.adminDeck(http.MethodGet, "/admin/v1/pricebooks", "", "").wantStatus(h.t.(*testing.T), http.StatusOK)
	if err := json.Unmarshal(resp.body, &l); err != nil {
		h.t.Fatalf("list: %v: %s", err, resp.body)
	}
	return l
}

// importResult decodes a 201 answer of an import.
func importResult(t *testing.T, resp response) importResultJSON {
	t.Helper()
	resp.wantStatus(t, http.StatusCreated)
	var out importResultJSON
	if err := json.Unmarshal(resp.body, &out); err != nil {
		t.Fatalf("import answer: %v: %s", err, resp.body)
	}
	return out
}

// countryPrice is the public get-pricing answer's default price of a country.
func (h *harness) countryPrice(t *testing.T, typ, country string) string {
	t.Helper()
	b := h.get("/account/get-pricing/outbound/"+typ+"?country="+country).wantStatus(t, http.StatusOK).json(t)
	p, _ := b["defaultPrice"].(string)
	return p
}

const goodSMSDeck = "country,network code,price\n" +
	"GB,,0.05\n" +
	"GB,23410,0.06\n" +
	"US,,0.007\n" +
	"ZM,,0.3\n"

func TestPriceBookImportCSVThenActivate(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	out := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms&name=Carrier+A+December", "text/csv", goodSMSDeck))
	if out.Version != 2 || out.Name != "Carrier A December" || out.Source != "csv" || out.Active || out.ActivatedAt != nil || len(out.Checksum) != 64 {
		t.Fatalf("import answer %+v", out)
	}
	// base=active: sms is replaced, voice and sms-transit are copied from 1.
	if out.CopiedFrom == nil || *out.CopiedFrom != 1 || fmt.Sprint(out.ReplacedTypes) != "[sms]" || out.Prices != 4+2 {
		t.Fatalf("replaced %v copied from %v, %d prices", out.ReplacedTypes, out.CopiedFrom, out.Prices)
	}
	l := h.priceBooks()
	if len(l.Versions) != 2 || l.Versions[0].Version != 2 || l.Active == nil || *l.Active != 1 || !l.Versions[1].Active || l.Versions[0].Active {
		t.Fatalf("list %+v", l)
	}
	// Not active yet: the public API still answers version 1's prices.
	if p := h.countryPrice(t, "sms", "GB"); p != "0.03330000" {
		t.Fatalf("GB before activation: %s", p)
	}
	act := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks/2/activate", "", "").wantStatus(t, http.StatusOK)
	var v priceBookJSON
	if err := json.Unmarshal(act.body, &v); err != nil || !v.Active || v.ActivatedAt == nil || v.Scheduled {
		t.Fatalf("activate answer %s (%v)", act.body, err)
	}
	if p := h.countryPrice(t, "sms", "GB"); p != "0.05000000" {
		t.Errorf("GB sms after activation: %s, want 0.05000000", p)
	}
	if p := h.countryPrice(t, "voice", "GB"); p != "0.01000000" {
		t.Errorf("GB voice (copied from version 1): %s, want 0.01000000", p)
	}
	if l := h.priceBooks(); *l.Active != 2 || !l.Versions[0].Active || l.Versions[1].Active {
		t.Errorf("list after activation %+v", l)
	}
	one := h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/2", "", "").wantStatus(t, http.StatusOK).json(t)
	if one["version"] != json.Number("2") || one["active"] != true {
		t.Errorf("GET version 2: %v", one)
	}
	if a := h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/active", "", "").wantStatus(t, http.StatusOK).json(t); a["version"] != json.Number("2") {
		t.Errorf("GET active: %v", a)
	}
	// The import and the activation are in the audit log.
	events, _, err := h.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "price_book.activate"})
	if err != nil || len(events) != 1 || !strings.Contains(events[0].Detail, `"version":2`) {
		t.Errorf("audit %v %v", events, err)
	}
}

func TestPriceBookImportBaseNone(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	out := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms&base=none", "text/csv", goodSMSDeck))
	if out.CopiedFrom != nil || out.Prices != 4 || out.Name != "CSV import" {
		t.Fatalf("import %+v", out)
	}
	h.adminDeck(http.MethodPost, "/admin/v1/pricebooks/2/activate", "", "").wantStatus(t, http.StatusOK)
	// Voice is not priced in version 2: GB voice has no default price.
	if p := h.countryPrice(t, "voice", "GB"); p != "" {
		t.Errorf("GB voice with base=none: %q, want none", p)
	}
}

func TestPriceBookImportTypeColumn(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	deck := "type,country,price,currency\nvoice,GB,0.02,EUR\nsms-transit,ZM,0.25,EUR\n"
	out := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks", "text/csv; charset=utf-8", deck))
	if fmt.Sprint(out.ReplacedTypes) != "[sms-transit voice]" || *out.CopiedFrom != 1 {
		t.Fatalf("import %+v", out)
	}
}

// TestPriceBookImportJSONAndRoundTrip exports every way, imports the
// export as a new version, activates it, and compares the public
// get-full-pricing answers byte for byte.
func TestPriceBookImportJSONAndRoundTrip(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	// A version with extra networks (a new prefix) to make the trip harder.
	deck := "country,prefix,network name,price\nGB,44,,0.05\nGB,447700900,Test Numbers,0.001\nZM,2609,,0.3\nUS,1,,0.007\n"
	importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", deck))
	h.adminDeck(http.MethodPost, "/admin/v1/pricebooks/2/activate", "", "").wantStatus(t, http.StatusOK)
	full := func(typ, cur string) []byte {
		if cur == "USD" {
			return h.do(req{path: "/account/get-full-pricing/outbound/" + typ, basic: [2]string{"usd00001", testSecret}}).wantStatus(t, http.StatusOK).body
		}
		return h.get("/account/get-full-pricing/outbound/"+typ).wantStatus(t, http.StatusOK).body
	}
	h.createAccount("usd00001", testSecret, "1", kassa.USD, noReload)
	for _, tc := range []struct{ typ, format, currency string }{
		{"sms", "json", "EUR"}, {"sms", "csv", "EUR"}, {"voice", "json", "EUR"}, {"sms-transit", "csv", ""},
	} {
		t.Run(tc.typ+"_"+tc.format, func(t *testing.T) {
			before := full(tc.typ, "EUR")
			beforeUSD := full(tc.typ, "USD")
			exp := h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/active/export?type="+tc.typ+"&format="+tc.format+"&currency="+tc.currency, "", "").wantStatus(t, http.StatusOK)
			if tc.format == "json" && !bytes.Equal(exp.body, before) {
				t.Fatalf("the JSON export is not the get-full-pricing answer:\n%s\n%s", exp.body, before)
			}
			q := url.Values{"type": {tc.typ}, "format": {tc.format}}
			out := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?"+q.Encode(), "", string(exp.body)))
			h.adminDeck(http.MethodPost, fmt.Sprintf("/admin/v1/pricebooks/%d/activate", out.Version), "", "").wantStatus(t, http.StatusOK)
			if after := full(tc.typ, "EUR"); !bytes.Equal(after, before) {
				t.Errorf("get-full-pricing differs after export, import and activate:\nbefore %s\nafter  %s", before, after)
			}
			if after := full(tc.typ, "USD"); !bytes.Equal(after, beforeUSD) {
				t.Errorf("USD get-full-pricing differs after the round trip")
			}
		})
	}
	// Exporting a version that is not current compiles it from the store.
	old := h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/1/export?type=sms&format=csv", "", "").wantStatus(t, http.StatusOK)
	if ct := old.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(string(old.body), "sms,GB,,,,,,,0.03330000,EUR") {
		t.Errorf("export of version 1 (%s):\n%s", ct, old.body)
	}
}

// TestPriceBookBadDecks: every kind of bad deck is a 400 problem naming the
// line and column, and no version is stored.
func TestPriceBookBadDecks(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	before := h.priceBooks()
	tests := []struct {
		name, query, contentType, body string
		param                          string // the invalid_params name expected
		reason                         string // in its reason
	}{
		{"decimal comma", "type=sms", "text/csv", "country,price\nGB,0.05\nUS,0,007\n", "line 3", "fields"},
		{"bad number in price", "type=sms", "text/csv", "country,price\nGB,0.05\nUS,abc\n", `line 3, column "price"`, "bad number"},
		{"unknown country", "type=sms", "text/csv", "country,price\nGB,0.05\nXX,0.01\n", `line 3, column "country"`, "XX"},
		{"duplicate prefix", "type=sms", "text/csv", "prefix,price\n4477,0.05\n4477,0.06\n", `line 3, column "prefix"`, "duplicate prefix"},
		{"negative price", "type=sms", "text/csv", "country,Rate\nGB,-0.05\n", `line 2, column "Rate"`, "negative price"},
		{"latin-1", "type=sms", "text/csv", "country,network name,price\nGB,T\xe9l\xe9com,0.05\n", "line 2, column 2", "UTF-8"},
		{"truncated", "type=sms", "text/csv", "country,network name,price\nGB,,0.05\nUS,\"Verizon", "line 3", "unbalanced quotes"},
		{"no price column", "type=sms", "text/csv", "country,cost of it\nGB,0.05\n", "line 1 (header)", "no price column"},
		{"truncated json", "type=sms&format=json", "", `{"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":"0.05"`, "body", "truncated"},
		{"json bad price", "type=sms", "application/json", `{"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":"x"}]}`, "countries[0] (GB)", "bad defaultPrice"},
		{"json unknown country", "type=sms", "application/json", `{"countries":[{"countryCode":"XX","currency":"EUR","defaultPrice":"0.1"}]}`, "line 1 (sms XX default EUR)", "unknown country"},
		{"empty", "type=sms", "text/csv", "", "body", "empty"},
		{"no format", "type=sms", "application/octet-stream", goodSMSDeck, "format", "csv or json"},
		{"json without type", "format=json", "", "{}", "type", "required"},
		{"bad type", "type=fax", "text/csv", goodSMSDeck, "type", "sms"},
		{"bad currency", "type=sms&currency=GBP", "text/csv", goodSMSDeck, "currency", "EUR or USD"},
		{"bad base", "type=sms&base=previous", "text/csv", goodSMSDeck, "base", "active or none"},
		{"control in name", "type=sms&name=a%0Ab", "text/csv", goodSMSDeck, "name", "printable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?"+tt.query, tt.contentType, tt.body).wantStatus(t, http.StatusBadRequest)
			if ct := resp.header.Get("Content-Type"); ct != contentProblem {
				t.Errorf("Content-Type %q", ct)
			}
			var p problem
			if err := json.Unmarshal(resp.body, &p); err != nil || p.Status != 400 || p.Detail == "" {
				t.Fatalf("problem %s (%v)", resp.body, err)
			}
			found := false
			for _, ip := range p.InvalidParams {
				if ip.Name == tt.param && strings.Contains(ip.Reason, tt.reason) {
					found = true
				}
			}
			if !found {
				t.Errorf("invalid_params %+v: want %q with %q", p.InvalidParams, tt.param, tt.reason)
			}
		})
	}
	after := h.priceBooks()
	if len(after.Versions) != len(before.Versions) || *after.Active != *before.Active {
		t.Errorf("a rejected deck changed the versions: %+v", after)
	}
}

// TestPriceBookManyProblems: every problem of a deck gets its own entry.
func TestPriceBookManyProblems(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	deck := "country,network name,price\nGB,,x\nXX,,0.1\nUS,\"a; b\",-1\n"
	resp := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", deck).wantStatus(t, http.StatusBadRequest)
	var p problem
	if err := json.Unmarshal(resp.body, &p); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, ip := range p.InvalidParams {
		names = append(names, ip.Name)
	}
	want := `[line 2, column "price" line 3, column "country" line 4, column "price"]`
	if fmt.Sprint(names) != want {
		t.Errorf("invalid_params names %v, want %s\n%s", names, want, resp.body)
	}
}

func TestPriceBookDeckTooLarge(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	s := New(Config{Store: h.db, Pricing: h.prices, AdminToken: testAdminToken})
	// A declared length over the limit is refused before any byte is read.
	r := httptest.NewRequest(http.MethodPost, "/admin/v1/pricebooks?type=sms", strings.NewReader(goodSMSDeck))
	r.Header.Set("Authorization", "Bearer "+testAdminToken)
	r.Header.Set("Content-Type", "text/csv")
	r.ContentLength = pricing.MaxImportBytes + 1
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "64 MiB") || !strings.Contains(w.Body.String(), "problems/payload-too-large") {
		t.Errorf("declared too large: %d %s", w.Code, w.Body)
	}
	// A body that is larger than it said is cut at the limit (streamed:
	// the reader is never held whole by the test).
	r = httptest.NewRequest(http.MethodPost, "/admin/v1/pricebooks?type=sms", &repeatReader{line: []byte("GB,0.05\n"), n: pricing.MaxImportBytes + 100})
	r.Header.Set("Authorization", "Bearer "+testAdminToken)
	r.Header.Set("Content-Type", "text/csv")
	r.ContentLength = -1
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("streamed too large: %d %s", w.Code, w.Body)
	}
	if l := h.priceBooks(); len(l.Versions) != 1 {
		t.Errorf("%d versions after too-large decks", len(l.Versions))
	}
}

// repeatReader yields line over and over, n bytes in all.
type repeatReader struct {
	line []byte
	n    int64
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.n > 0 {
		c := copy(p[n:], r.line[r.off:])
		if int64(c) > r.n {
			c = int(r.n)
		}
		n += c
		r.n -= int64(c)
		r.off = (r.off + c) % len(r.line)
	}
	return n, nil
}

// TestPriceBookScheduledActivation: a version activated for a future time
// is not in effect until that time on the injected clock.
func TestPriceBookScheduledActivation(t *testing.T) {
	h, clock := newPriceBookHarness(t)
	importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", goodSMSDeck))
	at := clock.Now().Add(time.Hour).Format(time.RFC3339)
	resp := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks/2/activate", "application/json", `{"effective_at":"`+at+`"}`).wantStatus(t, http.StatusOK)
	var v priceBookJSON
	if err := json.Unmarshal(resp.body, &v); err != nil || v.Active || !v.Scheduled || v.EffectiveAt == nil || *v.EffectiveAt != at {
		t.Fatalf("scheduled activation answer %s (%v)", resp.body, err)
	}
	if p := h.countryPrice(t, "sms", "GB"); p != "0.03330000" {
		t.Fatalf("GB before the effective time: %s", p)
	}
	clock.Advance(59 * time.Minute)
	if err := h.prices.Load(context.Background()); err != nil { // what Run does on its timer
		t.Fatal(err)
	}
	if p := h.countryPrice(t, "sms", "GB"); p != "0.03330000" {
		t.Fatalf("GB a minute before the effective time: %s", p)
	}
	if l := h.priceBooks(); *l.Active != 1 || !l.Versions[0].Scheduled {
		t.Fatalf("list before the effective time %+v", l)
	}
	clock.Advance(time.Minute)
	if err := h.prices.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if p := h.countryPrice(t, "sms", "GB"); p != "0.05000000" {
		t.Errorf("GB at the effective time: %s, want 0.05000000", p)
	}
	if l := h.priceBooks(); *l.Active != 2 || l.Versions[0].Scheduled || !l.Versions[0].Active {
		t.Errorf("list at the effective time %+v", l)
	}
}

func TestPriceBookActivateErrors(t *testing.T) {
	h, clock := newPriceBookHarness(t)
	past := clock.Now().Add(-time.Hour).Format(time.RFC3339)
	tests := []struct {
		name, path, body string
		status           int
		want             string
	}{
		{"unknown version", "/admin/v1/pricebooks/99/activate", "", http.StatusNotFound, "not-found"},
		{"not a version", "/admin/v1/pricebooks/latest/activate", "", http.StatusNotFound, "versions are numbers"},
		{"past time", "/admin/v1/pricebooks/1/activate", `{"effective_at":"` + past + `"}`, http.StatusBadRequest, "in the past"},
		{"bad time", "/admin/v1/pricebooks/1/activate", `{"effective_at":"tomorrow"}`, http.StatusBadRequest, "RFC 3339"},
		{"unknown field", "/admin/v1/pricebooks/1/activate", `{"when":"now"}`, http.StatusBadRequest, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.adminDeck(http.MethodPost, tt.path, "application/json", tt.body).wantStatus(t, tt.status)
			if !strings.Contains(string(resp.body), tt.want) {
				t.Errorf("body %s, want %q", resp.body, tt.want)
			}
		})
	}
	h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/1/activate", "", "").wantStatus(t, http.StatusMethodNotAllowed)
	h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/7", "", "").wantStatus(t, http.StatusNotFound)
	h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/1/export?type=fax", "", "").wantStatus(t, http.StatusBadRequest)
	h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/1/export?type=sms&format=xml", "", "").wantStatus(t, http.StatusBadRequest)
	h.adminDeck(http.MethodGet, "/admin/v1/pricebooks/9/export?type=sms", "", "").wantStatus(t, http.StatusNotFound)
	// Without the admin token nothing is shown or changed.
	for _, r := range []req{
		{method: http.MethodGet, path: "/admin/v1/pricebooks"},
		{method: http.MethodPost, path: "/admin/v1/pricebooks?type=sms", body: goodSMSDeck, header: map[string]string{"Content-Type": "text/csv"}},
		{method: http.MethodPost, path: "/admin/v1/pricebooks/1/activate"},
		{method: http.MethodGet, path: "/admin/v1/pricebooks/1/export?type=sms", header: map[string]string{"Authorization": "Bearer wrong"}},
	} {
		h.do(r).wantStatus(t, http.StatusUnauthorized)
	}
	if l := h.priceBooks(); len(l.Versions) != 1 {
		t.Errorf("%d versions", len(l.Versions))
	}
}

// TestPriceBookConcurrentImports: imports and activations from many
// goroutines each get their own version, and the list stays consistent.
func TestPriceBookConcurrentImports(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	const workers = 8
	var wg sync.WaitGroup
	versions := make(chan int64, workers)
	for i := range workers {
		wg.Go(func() {
			deck := fmt.Sprintf("country,price\nGB,0.%04d\n", i+1)
			resp := h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", deck)
			if resp.status != http.StatusCreated {
				t.Errorf("import %d: %d %s", i, resp.status, resp.body)
				return
			}
			var out importResultJSON
			json.Unmarshal(resp.body, &out)
			if r := h.adminDeck(http.MethodPost, fmt.Sprintf("/admin/v1/pricebooks/%d/activate", out.Version), "", ""); r.status != http.StatusOK {
				t.Errorf("activate %d: %d %s", out.Version, r.status, r.body)
			}
			versions <- out.Version
		})
	}
	wg.Wait()
	close(versions)
	seen := map[int64]bool{}
	for v := range versions {
		if seen[v] {
			t.Errorf("version %d given twice", v)
		}
		seen[v] = true
	}
	l := h.priceBooks()
	if len(l.Versions) != workers+1 || l.Active == nil || !seen[*l.Active] {
		t.Fatalf("list %+v", l)
	}
	actives := 0
	for _, v := range l.Versions {
		if v.Active {
			actives++
		}
	}
	if actives != 1 {
		t.Errorf("%d versions marked active", actives)
	}
}

// slowReader yields its chunks with a pause before each.
type slowReader struct {
	chunks []string
	pause  time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.chunks) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := copy(p, r.chunks[0])
	r.chunks[0] = r.chunks[0][n:]
	if r.chunks[0] == "" {
		r.chunks = r.chunks[1:]
	}
	return n, nil
}

// TestPriceBookSlowUpload: an upload may take longer than the server's
// read timeout (a large deck on a slow link); the import extends it.
func TestPriceBookSlowUpload(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	srv := httptest.NewUnstartedServer(New(Config{Store: h.db, Pricing: h.prices, AdminToken: testAdminToken}))
	srv.Config.ReadTimeout = 200 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	body := &slowReader{chunks: []string{"country,price\n", "GB,0.05\n", "US,0.007\n", "ZM,0.3\n"}, pause: 150 * time.Millisecond}
	r, err := http.NewRequest(http.MethodPost, srv.URL+"/admin/v1/pricebooks?type=sms", body)
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Authorization", "Bearer "+testAdminToken)
	r.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("slow upload: %v", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("slow upload: %d %s", resp.StatusCode, data)
	}
}

// An sms deck imported over the demo tariff (base=active) leaves voice and
// sms-transit with the demo tariff's made-up prices: the new version says
// so (demo, demo_types), in the import answer and in the list. base=none
// and a deck that replaces every type give a version with no demo prices.
func TestPriceBookImportOverDemoKeepsTheDemoLabel(t *testing.T) {
	h, _ := newPriceBookHarness(t)
	ctx := context.Background()
	demo, err := h.prices.Import(ctx, pricing.DemoBook(testRef()), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if err := h.prices.Activate(ctx, demo.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	merged := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms", "text/csv", goodSMSDeck))
	if !merged.Demo || fmt.Sprint(merged.DemoTypes) != "[sms-transit voice]" {
		t.Errorf("sms deck over the demo tariff: demo %v, demo_types %v; want true, [sms-transit voice]", merged.Demo, merged.DemoTypes)
	}
	alone := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks?type=sms&base=none", "text/csv", goodSMSDeck))
	if alone.Demo || alone.DemoTypes == nil || len(alone.DemoTypes) != 0 {
		t.Errorf("base=none: demo %v, demo_types %#v; want false, []", alone.Demo, alone.DemoTypes)
	}
	every := importResult(t, h.adminDeck(http.MethodPost, "/admin/v1/pricebooks", "text/csv",
		"type,country,price\nsms,GB,0.05\nvoice,GB,0.02\nsms-transit,ZM,0.25\n"))
	if every.Demo || len(every.DemoTypes) != 0 {
		t.Errorf("every type replaced: demo %v, demo_types %v; want none", every.Demo, every.DemoTypes)
	}
	byVersion := map[int64]priceBookJSON{}
	for _, v := range h.priceBooks().Versions {
		byVersion[v.Version] = v
	}
	if v := byVersion[merged.Version]; !v.Demo || fmt.Sprint(v.DemoTypes) != "[sms-transit voice]" {
		t.Errorf("listed: demo %v, demo_types %v", v.Demo, v.DemoTypes)
	}
	if v := byVersion[demo.Version]; !v.Demo || fmt.Sprint(v.DemoTypes) != "[sms sms-transit voice]" {
		t.Errorf("the demo tariff listed: demo %v, demo_types %v", v.Demo, v.DemoTypes)
	}
}
