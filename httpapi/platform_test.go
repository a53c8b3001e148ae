package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/pricing"
)

const testServiceToken = "service-token-for-tests"

// platform sends a platform API request with the service token and, when
// key is not empty, an Idempotency-Key.
func (h *harness) platform(method, path, body, key string) response {
	h.t.Helper()
	header := map[string]string{"Authorization": "Bearer " + testServiceToken, "Content-Type": "application/json"}
	if key != "" {
		header["Idempotency-Key"] = key
	}
	return h.do(req{method: method, path: path, body: body, header: header})
}

// wantProblem fails unless the answer is RFC 7807 with the status and a
// type ending in slug, and returns its body.
func (r response) wantProblem(t *testing.T, status int, slug string) map[string]any {
	t.Helper()
	r.wantStatus(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", ct, r.body)
	}
	p := r.json(t)
	if typ, _ := p["type"].(string); !strings.HasSuffix(typ, "/"+slug) {
		t.Fatalf("problem type %q, want one ending in %q; body %s", typ, slug, r.body)
	}
	return p
}

// wantInvalidParam fails unless the problem names the parameter.
func wantInvalidParam(t *testing.T, p map[string]any, name string) {
	t.Helper()
	params, _ := p["invalid_params"].([]any)
	for _, x := range params {
		if m, _ := x.(map[string]any); m["name"] == name {
			return
		}
	}
	t.Fatalf("invalid_params %v does not name %q", p["invalid_params"], name)
}

// wantFields fails unless the JSON object has exactly these string values.
func wantFields(t *testing.T, got map[string]any, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if s := stringOf(got[k]); s != v {
			t.Errorf("%s = %q, want %q (body %v)", k, s, v, got)
		}
	}
}

func stringOf(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case json.Number:
		return x.String()
	case nil:
		return "<absent>"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// verifyClean fails unless every balance equals the sum of its entries and
// the usage rollups agree with the entries.
func (h *harness) verifyClean(t *testing.T) {
	t.Helper()
	d, err := h.db.Verify(context.Background())
	if err != nil || len(d) != 0 {
		t.Fatalf("verify: %v, %+v", err, d)
	}
	u, err := h.db.VerifyUsage(context.Background())
	if err != nil || len(u) != 0 {
		t.Fatalf("verify usage: %v, %+v", err, u)
	}
}

func TestPlatformAuth(t *testing.T) {
	h := newHarness(t)
	body := `{"account":"abcd1234","type":"sms","to":"447700900123"}`
	for name, auth := range map[string]string{
		"none":        "",
		"wrong token": "Bearer nope",
		"admin token": "Bearer " + testAdminToken,
		"basic":       "Basic YWJjZDEyMzQ6U2VjcmV0MTIzNA==",
		"token twice": "Bearer " + testServiceToken + testServiceToken,
	} {
		t.Run(name, func(t *testing.T) {
			header := map[string]string{}
			if auth != "" {
				header["Authorization"] = auth
			}
			r := h.do(req{method: http.MethodPost, path: "/platform/v1/rate", body: body, header: header})
			r.wantProblem(t, http.StatusUnauthorized, "unauthorized")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Fatal("no WWW-Authenticate header")
			}
		})
	}
	h.do(req{method: http.MethodPost, path: "/platform/v1/nope", header: map[string]string{}}).wantProblem(t, http.StatusUnauthorized, "unauthorized")
	h.platform(http.MethodPost, "/platform/v1/nope", "", "").wantStatus(t, http.StatusNotFound)
	r := h.platform(http.MethodGet, "/platform/v1/rate", "", "")
	r.wantStatus(t, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "POST" {
		t.Fatalf("Allow %q, want POST", r.header.Get("Allow"))
	}
}

func TestPlatformRate(t *testing.T) {
	h := newHarness(t)
	h.createAccount("usd12345", testSecret, "1", kassa.USD, noReload)
	for _, to := range []string{"447700900123", "+44 7700 900123", "0044-7700-900123", "+44 (7700) 900123"} {
		got := h.platform(http.MethodPost, "/platform/v1/rate", `{"account":"abcd1234","type":"sms","to":"`+to+`"}`, "").wantStatus(t, http.StatusOK).json(t)
		wantFields(t, got, map[string]string{"account": "abcd1234", "type": "sms", "to": "447700900123", "country": "GB",
			"network_code": "23410", "network_name": "O2 UK", "network_type": "mobile", "unit_price": "0.04000000", "currency": "EUR"})
	}
	// The country's default price when no network range matches; the
	// account's currency.
	got := h.platform(http.MethodPost, "/platform/v1/rate", `{"account":"usd12345","type":"sms","to":"442071838750"}`, "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"country": "GB", "unit_price": "0.04162500", "currency": "USD", "network_code": ""})
}

func TestPlatformRateErrors(t *testing.T) {
	h := newHarness(t)
	for name, tc := range map[string]struct {
		body   string
		status int
		slug   string
		param  string
	}{
		"unknown account":   {`{"account":"nobody99","type":"sms","to":"447700900123"}`, 404, "not-found", ""},
		"no account":        {`{"type":"sms","to":"447700900123"}`, 400, "invalid", "account"},
		"unknown type":      {`{"account":"abcd1234","type":"fax","to":"447700900123"}`, 400, "invalid", "type"},
		"no type":           {`{"account":"abcd1234","to":"447700900123"}`, 400, "invalid", "type"},
		"letters in number": {`{"account":"abcd1234","type":"sms","to":"44abc"}`, 400, "invalid", "to"},
		"short number":      {`{"account":"abcd1234","type":"sms","to":"44"}`, 400, "invalid", "to"},
		"long number":       {`{"account":"abcd1234","type":"sms","to":"4477009001234567"}`, 400, "invalid", "to"},
		"no number":         {`{"account":"abcd1234","type":"sms"}`, 400, "invalid", "to"},
		"unpriced":          {`{"account":"abcd1234","type":"voice","to":"12015550123"}`, 404, "not-found", ""},
		"unknown field":     {`{"account":"abcd1234","type":"sms","to":"447700900123","x":1}`, 400, "invalid", "x"},
		"number as number":  {`{"account":"abcd1234","type":"sms","to":447700900123}`, 400, "invalid", "to"},
		"malformed":         {`{"account":`, 400, "invalid", ""},
		"two objects":       {`{} {}`, 400, "invalid", ""},
		"too large":         {`{"account":"` + strings.Repeat("a", DefaultMaxBodyBytes) + `"}`, 413, "payload-too-large", ""},
	} {
		t.Run(name, func(t *testing.T) {
			p := h.platform(http.MethodPost, "/platform/v1/rate", tc.body, "").wantProblem(t, tc.status, tc.slug)
			if tc.param != "" {
				wantInvalidParam(t, p, tc.param)
			}
		})
	}
}

func TestPlatformCharge(t *testing.T) {
	h := newHarness(t)
	body := `{"account":"abcd1234","type":"sms","to":"+447700900123","units":2,"reference":"msg-1"}`
	first := h.platform(http.MethodPost, "/platform/v1/charges", body, "c1").wantStatus(t, http.StatusCreated)
	got := first.json(t)
	wantFields(t, got, map[string]string{"account": "abcd1234", "type": "sms", "to": "447700900123", "country": "GB",
		"network_code": "23410", "network_name": "O2 UK", "unit_price": "0.04000000", "units": "2", "amount": "0.08000000",
		"currency": "EUR", "balance_after": "10.09127500"})
	if got["id"] == "" || got["created_at"] == "" || first.header.Get("Idempotency-Replayed") != "" {
		t.Fatalf("first answer %s, headers %v", first.body, first.header)
	}
	again := h.platform(http.MethodPost, "/platform/v1/charges", body, "c1").wantStatus(t, http.StatusOK)
	if string(again.body) != string(first.body) || again.header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("replay %s (replayed %q), want the identical body %s", again.body, again.header.Get("Idempotency-Replayed"), first.body)
	}
	other := strings.Replace(body, `"units":2`, `"units":3`, 1)
	h.platform(http.MethodPost, "/platform/v1/charges", other, "c1").wantProblem(t, http.StatusConflict, "idempotency-conflict")
	// Voice units are billed minutes.
	voice := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"voice","to":"442071838750","units":3}`, "c2").wantStatus(t, http.StatusCreated).json(t)
	wantFields(t, voice, map[string]string{"unit_price": "0.01000000", "units": "3", "amount": "0.03000000", "balance_after": "10.06127500"})
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("10.061275") {
		t.Fatalf("balance %s, want 10.061275", b)
	}
	h.verifyClean(t)
}

func TestPlatformChargeErrors(t *testing.T) {
	h := newHarness(t)
	h.createAccount("poor1234", testSecret, "0.05", kassa.EUR, noReload)
	ok := `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`
	p := h.platform(http.MethodPost, "/platform/v1/charges", ok, "").wantProblem(t, 400, "invalid")
	wantInvalidParam(t, p, "Idempotency-Key")
	h.platform(http.MethodPost, "/platform/v1/charges", ok, "has space").wantProblem(t, 400, "invalid")
	h.platform(http.MethodPost, "/platform/v1/charges", ok, "kassa:capture:x").wantProblem(t, 400, "invalid")
	for name, tc := range map[string]struct {
		body   string
		status int
		slug   string
		param  string
	}{
		"no units":        {`{"account":"abcd1234","type":"sms","to":"447700900123"}`, 400, "invalid", "units"},
		"zero units":      {`{"account":"abcd1234","type":"sms","to":"447700900123","units":0}`, 400, "invalid", "units"},
		"1001 units":      {`{"account":"abcd1234","type":"sms","to":"447700900123","units":1001}`, 400, "invalid", "units"},
		"fraction units":  {`{"account":"abcd1234","type":"sms","to":"447700900123","units":1.5}`, 400, "invalid", "units"},
		"string units":    {`{"account":"abcd1234","type":"sms","to":"447700900123","units":"1"}`, 400, "invalid", "units"},
		"unknown field":   {`{"account":"abcd1234","type":"sms","to":"447700900123","units":1,"amount":"1"}`, 400, "invalid", "amount"},
		"bad number":      {`{"account":"abcd1234","type":"sms","to":"++44","units":1}`, 400, "invalid", "to"},
		"unknown account": {`{"account":"nobody99","type":"sms","to":"447700900123","units":1}`, 404, "not-found", ""},
		"insufficient":    {`{"account":"poor1234","type":"sms","to":"447700900123","units":2}`, 402, "insufficient-funds", ""},
		"long reference":  {`{"account":"abcd1234","type":"sms","to":"447700900123","units":1,"reference":"` + strings.Repeat("r", 256) + `"}`, 400, "invalid", "reference"},
	} {
		t.Run(name, func(t *testing.T) {
			p := h.platform(http.MethodPost, "/platform/v1/charges", tc.body, "key-"+strings.ReplaceAll(name, " ", "-")).wantProblem(t, tc.status, tc.slug)
			if tc.param != "" {
				wantInvalidParam(t, p, tc.param)
			}
		})
	}
	// Nothing was written by any refused request.
	if b := h.account("poor1234").Balance; b != kassa.MustParseAmount("0.05") {
		t.Fatalf("poor balance %s, want 0.05", b)
	}
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("10.171275") {
		t.Fatalf("balance %s, want unchanged 10.171275", b)
	}
	h.verifyClean(t)
}

func TestPlatformRefund(t *testing.T) {
	h := newHarness(t)
	c := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":10}`, "c1").wantStatus(t, 201).json(t)
	id := stringOf(c["id"])
	path := "/platform/v1/charges/" + id + "/refund"
	first := h.platform(http.MethodPost, path, `{"amount":"0.1"}`, "r1").wantStatus(t, http.StatusCreated)
	wantFields(t, first.json(t), map[string]string{"charge_id": id, "account": "abcd1234", "amount": "0.10000000", "currency": "EUR", "balance_after": "9.87127500"})
	again := h.platform(http.MethodPost, path, `{"amount":"0.1"}`, "r1").wantStatus(t, http.StatusOK)
	if string(again.body) != string(first.body) || again.header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("refund replay %s, want %s", again.body, first.body)
	}
	h.platform(http.MethodPost, path, `{"amount":"0.2"}`, "r1").wantProblem(t, 409, "idempotency-conflict")
	p := h.platform(http.MethodPost, path, `{"amount":"0.30000001"}`, "r2").wantProblem(t, 400, "invalid")
	wantInvalidParam(t, p, "amount")
	h.platform(http.MethodPost, path, `{"amount":"-1"}`, "r3").wantProblem(t, 400, "invalid")
	h.platform(http.MethodPost, path, `{"amount":"0"}`, "r3").wantProblem(t, 400, "invalid")
	h.platform(http.MethodPost, path, `{"amount":"1e-2"}`, "r3").wantProblem(t, 400, "invalid")
	h.platform(http.MethodPost, path, `{"amount":true}`, "r3").wantProblem(t, 400, "invalid")
	h.platform(http.MethodPost, path, `{}`, "").wantProblem(t, 400, "invalid")
	rest := h.platform(http.MethodPost, path, ``, "r4").wantStatus(t, http.StatusCreated).json(t)
	wantFields(t, rest, map[string]string{"amount": "0.30000000", "balance_after": "10.17127500"})
	h.platform(http.MethodPost, path, ``, "r5").wantProblem(t, 409, "conflict")
	h.platform(http.MethodPost, "/platform/v1/charges/abc/refund", ``, "r6").wantProblem(t, 404, "not-found")
	h.platform(http.MethodPost, "/platform/v1/charges/99999/refund", ``, "r6").wantProblem(t, 404, "not-found")
	h.verifyClean(t)
}

func TestPlatformHolds(t *testing.T) {
	h := newHarness(t)
	first := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"1.00","ttl_seconds":600}`, "h1").wantStatus(t, http.StatusCreated)
	hold := first.json(t)
	wantFields(t, hold, map[string]string{"account": "abcd1234", "amount": "1.00000000", "currency": "EUR", "state": "open", "balance_after": "9.17127500", "captured": "0.00000000"})
	id := stringOf(hold["id"])
	again := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"1.00","ttl_seconds":600}`, "h1").wantStatus(t, http.StatusOK)
	if string(again.body) != string(first.body) || again.header.Get("Idempotency-Replayed") != "true" {
		t.Fatalf("hold replay %s, want %s", again.body, first.body)
	}
	h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"2.00"}`, "h1").wantProblem(t, 409, "idempotency-conflict")
	got := h.platform(http.MethodGet, "/platform/v1/holds/"+id, "", "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, got, map[string]string{"id": id, "state": "open", "amount": "1.00000000"})

	p := h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/capture", `{"amount":"1.00000001"}`, "").wantProblem(t, 400, "invalid")
	wantInvalidParam(t, p, "amount")
	h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/capture", `{}`, "").wantProblem(t, 400, "invalid")
	captured := h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/capture", `{"amount":"0.30"}`, "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, captured, map[string]string{"state": "captured", "captured": "0.30000000", "balance_after": "9.87127500"})
	replay := h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/capture", `{"amount":"0.3"}`, "").wantStatus(t, http.StatusOK)
	if replay.header.Get("Idempotency-Replayed") != "true" || stringOf(replay.json(t)["charge_id"]) != stringOf(captured["charge_id"]) {
		t.Fatalf("capture replay %s", replay.body)
	}
	h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/capture", `{"amount":"0.4"}`, "").wantProblem(t, 409, "conflict")
	h.platform(http.MethodPost, "/platform/v1/holds/"+id+"/release", ``, "").wantProblem(t, 409, "conflict")
	// The captured amount is a charge that can be refunded.
	h.platform(http.MethodPost, "/platform/v1/charges/"+stringOf(captured["charge_id"])+"/refund", `{"amount":"0.31"}`, "rh").wantProblem(t, 400, "invalid")
	h.platform(http.MethodPost, "/platform/v1/charges/"+stringOf(captured["charge_id"])+"/refund", ``, "rh").wantStatus(t, http.StatusCreated)

	// A hold priced from a destination, then released.
	priced := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","type":"voice","to":"442071838750","units":30}`, "h2").wantStatus(t, http.StatusCreated).json(t)
	wantFields(t, priced, map[string]string{"amount": "0.30000000", "state": "open", "balance_after": "9.87127500"})
	released := h.platform(http.MethodPost, "/platform/v1/holds/"+stringOf(priced["id"])+"/release", ``, "").wantStatus(t, http.StatusOK).json(t)
	wantFields(t, released, map[string]string{"state": "released", "balance_after": "10.17127500", "captured": "0.00000000"})
	h.platform(http.MethodPost, "/platform/v1/holds/"+stringOf(priced["id"])+"/release", `{"x":1}`, "").wantProblem(t, 400, "invalid")
	h.verifyClean(t)
}

func TestPlatformHoldErrors(t *testing.T) {
	h := newHarness(t)
	for name, tc := range map[string]struct {
		body   string
		status int
		slug   string
		param  string
	}{
		"nothing to price":  {`{"account":"abcd1234"}`, 400, "invalid", "amount"},
		"amount and type":   {`{"account":"abcd1234","amount":"1","type":"sms","to":"447700900123"}`, 400, "invalid", "amount"},
		"zero amount":       {`{"account":"abcd1234","amount":"0"}`, 400, "invalid", "amount"},
		"exponent amount":   {`{"account":"abcd1234","amount":"1e2"}`, 400, "invalid", "amount"},
		"no account":        {`{"amount":"1"}`, 400, "invalid", "account"},
		"zero ttl":          {`{"account":"abcd1234","amount":"1","ttl_seconds":0}`, 400, "invalid", "ttl_seconds"},
		"huge ttl":          {`{"account":"abcd1234","amount":"1","ttl_seconds":999999999}`, 400, "invalid", "ttl_seconds"},
		"units over 1000":   {`{"account":"abcd1234","type":"voice","to":"442071838750","units":1001}`, 400, "invalid", "units"},
		"unknown account":   {`{"account":"nobody99","amount":"1"}`, 404, "not-found", ""},
		"more than balance": {`{"account":"abcd1234","amount":"10.17127501"}`, 402, "insufficient-funds", ""},
	} {
		t.Run(name, func(t *testing.T) {
			p := h.platform(http.MethodPost, "/platform/v1/holds", tc.body, "k-"+strings.ReplaceAll(name, " ", "-")).wantProblem(t, tc.status, tc.slug)
			if tc.param != "" {
				wantInvalidParam(t, p, tc.param)
			}
		})
	}
	h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"1"}`, "").wantProblem(t, 400, "invalid")
	h.platform(http.MethodGet, "/platform/v1/holds/hld_nope", "", "").wantProblem(t, 404, "not-found")
	h.platform(http.MethodPost, "/platform/v1/holds/hld_nope/capture", `{"amount":"1"}`, "").wantProblem(t, 404, "not-found")
	h.platform(http.MethodPost, "/platform/v1/holds/hld_nope/release", ``, "").wantProblem(t, 404, "not-found")
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("10.171275") {
		t.Fatalf("balance %s after refused holds, want 10.171275", b)
	}
	h.verifyClean(t)
}

// TestPlatformWithoutPriceBook: before any price book is active, rating
// and charging answer 503 unavailable and nothing is charged.
func TestPlatformWithoutPriceBook(t *testing.T) {
	h := newHarness(t)
	empty := pricing.NewService(h.db, testRef(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	srv := httptest.NewServer(New(Config{Store: h.db, Ledger: h.ledger, Pricing: empty, ServiceToken: testServiceToken}))
	t.Cleanup(srv.Close)
	h2 := *h
	h2.srv = srv
	h2.platform(http.MethodPost, "/platform/v1/rate", `{"account":"abcd1234","type":"sms","to":"447700900123"}`, "").wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	h2.platform(http.MethodPost, "/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`, "k").wantProblem(t, http.StatusServiceUnavailable, "unavailable")
	// Holds for a given amount need no price book.
	h2.platform(http.MethodPost, "/platform/v1/holds", `{"account":"abcd1234","amount":"0.1"}`, "h").wantStatus(t, http.StatusCreated)
	if b := h.account(testKey).Balance; b != kassa.MustParseAmount("10.071275") {
		t.Fatalf("balance %s, want only the hold taken", b)
	}
}
