package client

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kassa-dev/kassa"
)

func answer(status int, header http.Header) *http.Response {
	if header == nil {
		header = http.Header{}
	}
	return &http.Response{StatusCode: status, Header: header}
}

// TestParseErrorShapes covers every error body shape of the reference.
func TestParseErrorShapes(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   Error
		kassa  string
	}{
		{"legacy auth", 401, `{"error-code":"401","error-code-label":"authentication failed"}`,
			Error{Status: 401, Code: "401", Label: "authentication failed"}, kassa.EUNAUTHORIZED},
		{"legacy not auto-reload", 401, `{"error-code":"401","error-code-label":"not auto-reload enabled"}`,
			Error{Status: 401, Code: "401", Label: "not auto-reload enabled"}, kassa.ECONFLICT},
		{"legacy top-up failed", 420, `{"error-code":"420","error-code-label":"topup failed"}`,
			Error{Status: 420, Code: "420", Label: "topup failed"}, kassa.EPAYMENTDECLINED},
		{"legacy numeric code", 500, `{"error-code":500,"error-code-label":"unknown error"}`,
			Error{Status: 500, Code: "500", Label: "unknown error"}, kassa.EINTERNAL},
		{"pricing bad request", 400, `{"error_title":"Bad Request","invalid_parameters":{"message":"Is required","parameter":"country"},"type":"BAD_REQUEST"}`,
			Error{Status: 400, Code: "BAD_REQUEST", Type: "BAD_REQUEST", Title: "Bad Request", InvalidParams: []InvalidParam{{"country", "Is required"}}}, kassa.EINVALID},
		{"top-up bad request map", 400, `{"type":"BAD_REQUEST","error_title":"Bad Request","invalid_parameters":{"trx":"Is required.","z":"y"}}`,
			Error{Status: 400, Code: "BAD_REQUEST", Type: "BAD_REQUEST", Title: "Bad Request", InvalidParams: []InvalidParam{{"trx", "Is required."}, {"z", "y"}}}, kassa.EINVALID},
		{"secrets validation", 400, `{"type":"https://developer.nexmo.com/api-errors/account/secret-management#validation","title":"Bad Request","detail":"The request failed due to validation errors","invalid_parameters":[{"name":"secret","reason":"Does not meet complexity requirements"}],"instance":"797a8f199c45014ab7b08bfe9cc1c12c"}`,
			Error{Status: 400, Code: "validation", Type: "https://developer.nexmo.com/api-errors/account/secret-management#validation", Title: "Bad Request",
				Detail: "The request failed due to validation errors", Instance: "797a8f199c45014ab7b08bfe9cc1c12c",
				InvalidParams: []InvalidParam{{"secret", "Does not meet complexity requirements"}}}, kassa.EINVALID},
		{"secrets max", 403, `{"type":"https://developer.nexmo.com/api-errors/account/secret-management#add-excess-secret","title":"Secret Addition Forbidden","detail":"Account reached maximum number [2] of allowed secrets","instance":"x"}`,
			Error{Status: 403, Code: "add-excess-secret", Type: "https://developer.nexmo.com/api-errors/account/secret-management#add-excess-secret",
				Title: "Secret Addition Forbidden", Detail: "Account reached maximum number [2] of allowed secrets", Instance: "x"}, kassa.ELIMIT},
		{"secrets last", 403, `{"type":"https://developer.nexmo.com/api-errors/account/secret-management#delete-last-secret","title":"Secret Deletion Forbidden"}`,
			Error{Status: 403, Code: "delete-last-secret", Type: "https://developer.nexmo.com/api-errors/account/secret-management#delete-last-secret", Title: "Secret Deletion Forbidden"}, kassa.EFORBIDDEN},
		{"secrets unknown key", 404, `{"type":"https://developer.nexmo.com/api-errors#invalid-api-key","title":"Invalid API Key"}`,
			Error{Status: 404, Code: "invalid-api-key", Type: "https://developer.nexmo.com/api-errors#invalid-api-key", Title: "Invalid API Key"}, kassa.ENOTFOUND},
		{"kassa problem", 402, `{"type":"https://kassa.dev/problems/insufficient-funds","title":"Insufficient funds","status":402,"detail":"balance 1.00000000 EUR is below the 5.00000000 EUR charge","invalid_params":[{"name":"amount","reason":"must be positive"}]}`,
			Error{Status: 402, Code: "insufficient-funds", Type: "https://kassa.dev/problems/insufficient-funds", Title: "Insufficient funds",
				Detail: "balance 1.00000000 EUR is below the 5.00000000 EUR charge", InvalidParams: []InvalidParam{{"amount", "must be positive"}}}, kassa.EINSUFFICIENT},
		{"kassa idempotency", 409, `{"type":"https://kassa.dev/problems/idempotency-conflict","title":"Idempotency conflict"}`,
			Error{Status: 409, Code: "idempotency-conflict", Type: "https://kassa.dev/problems/idempotency-conflict", Title: "Idempotency conflict"}, kassa.EIDEMPOTENCY},
		{"empty body 404", 404, ``, Error{Status: 404}, kassa.ENOTFOUND},
		{"html 502", 502, `<html>bad gateway</html>`, Error{Status: 502, Detail: "<html>bad gateway</html>", Retryable: true}, kassa.EUNAVAILABLE},
		{"plain 429", 429, ``, Error{Status: 429, Retryable: true}, kassa.ERATELIMITED},
		{"binary junk", 500, "\x00\x01\xff", Error{Status: 500}, kassa.EINTERNAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseError("GET", "/x", answer(tt.status, nil), []byte(tt.body))
			tt.want.Method, tt.want.Path = "GET", "/x"
			if diff := cmp.Diff(&tt.want, got); diff != "" {
				t.Errorf("parseError (-want +got):\n%s", diff)
			}
			if code := got.KassaCode(); code != tt.kassa {
				t.Errorf("KassaCode = %q, want %q", code, tt.kassa)
			}
			if got.Error() == "" || got.Message() == "" {
				t.Error("empty message")
			}
		})
	}
}

func TestLegacy420(t *testing.T) {
	body := []byte(`{"error-code":"420","error-code-label":"callback URL did not answer 200"}`)
	if got := parseError("POST", "/account/settings", answer(420, nil), body).KassaCode(); got != kassa.ECALLBACKREJECTED {
		t.Errorf("420 on settings: %q, want %q", got, kassa.ECALLBACKREJECTED)
	}
	if got := parseError("POST", "/account/top-up", answer(420, nil), body).KassaCode(); got != kassa.EPAYMENTDECLINED {
		t.Errorf("420 on top-up: %q, want %q", got, kassa.EPAYMENTDECLINED)
	}
}

func TestErrorMessage(t *testing.T) {
	e := parseError("POST", "/admin/v1/accounts/k/debits", answer(402, nil),
		[]byte(`{"type":"https://kassa.dev/problems/insufficient-funds","title":"Insufficient funds","detail":"balance too low"}`))
	if got, want := e.Error(), "POST /admin/v1/accounts/k/debits: 402 Insufficient funds: balance too low"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = parseError("GET", "/x", answer(404, nil), nil)
	if got, want := e.Error(), "GET /x: 404 Not Found"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	tests := map[string]time.Duration{
		"":                              0,
		"0":                             0,
		"3":                             3 * time.Second,
		" 12 ":                          12 * time.Second,
		"-1":                            0,
		"soon":                          0,
		"99999999999":                   24 * time.Hour,
		"Thu, 26 Nov 2026 10:00:30 GMT": 30 * time.Second,
		"Thu, 26 Nov 2026 09:00:00 GMT": time.Millisecond,
	}
	for in, want := range tests {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
	e := parseError("GET", "/x", answer(429, http.Header{"Retry-After": {"7"}}), nil)
	if e.RetryAfter != 7*time.Second || !e.Retryable {
		t.Errorf("429 with Retry-After 7: %+v", e)
	}
}

func TestBackoffIsJitteredAndBounded(t *testing.T) {
	c := New("http://x", WithBackoff(10*time.Millisecond, 80*time.Millisecond))
	for attempt := range 40 {
		ceiling := min(80*time.Millisecond, (10*time.Millisecond)<<min(attempt, 20))
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.backoff(attempt)
			if d < 0 || d > ceiling {
				t.Fatalf("backoff(%d) = %v, want within [0, %v]", attempt, d, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 10 {
			t.Fatalf("backoff(%d) took only %d distinct values in 200 draws: no jitter", attempt, len(seen))
		}
	}
}

func TestRetryPolicy(t *testing.T) {
	c := New("http://x", WithRetries(3))
	get := &request{method: "GET"}
	post := &request{method: "POST"}
	keyed := &request{method: "POST", idempotencyKey: "k"}
	del := &request{method: "DELETE"}
	conn := &connError{method: "GET", path: "/", err: bytes.ErrTooLarge}
	unavailable := &Error{Status: 503, Retryable: true}
	limited := &Error{Status: 429, Retryable: true}
	bad := &Error{Status: 400}
	tests := []struct {
		name    string
		r       *request
		attempt int
		err     error
		want    bool
	}{
		{"429 GET", get, 0, limited, true},
		{"429 POST", post, 0, limited, true},
		{"429 last attempt", get, 3, limited, false},
		{"503 GET", get, 0, unavailable, true},
		{"503 POST", post, 0, unavailable, false},
		{"503 keyed POST", keyed, 0, unavailable, true},
		{"conn GET", get, 0, conn, true},
		{"conn POST", post, 0, conn, false},
		{"conn keyed POST", keyed, 0, conn, true},
		{"conn DELETE", del, 0, conn, false},
		{"400", get, 0, bad, false},
		{"ok", get, 0, nil, false},
	}
	for _, tt := range tests {
		if _, got := c.retryWait(tt.r, tt.attempt, tt.err); got != tt.want {
			t.Errorf("%s: retry = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMoneyJSON(t *testing.T) {
	tests := map[string]kassa.Amount{
		`"5.00000000"`:  kassa.MustParseAmount("5"),
		`"-0.5"`:        kassa.MustParseAmount("-0.5"),
		`10.17127500`:   kassa.MustParseAmount("10.171275"),
		`3.14159`:       kassa.MustParseAmount("3.14159"),
		`1.5e-3`:        kassa.MustParseAmount("0.0015"),
		`2E2`:           kassa.MustParseAmount("200"),
		`1e-9`:          0, // half-even: 0.1 of a unit rounds to 0
		`0.000000015`:   2, // half-even: 1.5 units round to 2
		`""`:            0,
		`null`:          0,
		`"0.033300000"`: kassa.MustParseAmount("0.0333"),
	}
	for in, want := range tests {
		var m money
		if err := json.Unmarshal([]byte(in), &m); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if kassa.Amount(m) != want {
			t.Errorf("%s = %v, want %v", in, kassa.Amount(m), want)
		}
	}
	for _, bad := range []string{`"1,5"`, `"abc"`, `1e400`, `"1e400"`, `true`, `"NaN"`} {
		var m money
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s: no error, got %v", bad, kassa.Amount(m))
		}
	}
	b, err := json.Marshal(money(kassa.MustParseAmount("0.0333")))
	if err != nil || string(b) != `"0.03330000"` {
		t.Errorf("marshal = %s, %v", b, err)
	}
}

func TestBalanceKeepsExactValue(t *testing.T) {
	var b Balance
	if err := json.Unmarshal([]byte(`{"value": 92233720368.54775807, "autoReload": true}`), &b); err != nil {
		t.Fatal(err)
	}
	if b.Value != kassa.MaxAmount || !b.AutoReload {
		t.Fatalf("balance = %+v, want MaxAmount exactly (a float64 would round it)", b)
	}
	out, err := json.Marshal(b)
	if err != nil || string(out) != `{"value":92233720368.54775807,"autoReload":true}` {
		t.Fatalf("marshal = %s, %v", out, err)
	}
}
