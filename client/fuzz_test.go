package client

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
)

// FuzzParseError: any status and body give an *Error with that status and
// a non-empty message, without panicking.
func FuzzParseError(f *testing.F) {
	f.Add(401, `{"error-code":"401","error-code-label":"authentication failed"}`, "")
	f.Add(400, `{"type":"BAD_REQUEST","invalid_parameters":{"trx":"Is required."}}`, "")
	f.Add(400, `{"invalid_parameters":[{"name":"secret","reason":"weak"}]}`, "")
	f.Add(402, `{"type":"https://kassa.dev/problems/insufficient-funds","title":"Insufficient funds"}`, "")
	f.Add(429, ``, "Thu, 26 Nov 2026 10:00:30 GMT")
	f.Add(503, `{"error-code":[1]}`, "5")
	f.Fuzz(func(t *testing.T, status int, body, retryAfter string) {
		if status < 100 || status > 999 {
			return
		}
		e := parseError("GET", "/x", &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {retryAfter}}}, []byte(body))
		if e.Status != status {
			t.Fatalf("status %d, want %d", e.Status, status)
		}
		if e.RetryAfter < 0 {
			t.Fatalf("negative RetryAfter %v", e.RetryAfter)
		}
		if e.KassaCode() == "" {
			t.Fatal("empty kassa code")
		}
		_ = e.Error()
	})
}

// FuzzMoney: whatever is read back writes out as text that reads back to
// the same amount.
func FuzzMoney(f *testing.F) {
	for _, s := range []string{`"5.00000000"`, `10.17127500`, `1.5e-3`, `-0.00000001`, `"92233720368.54775807"`, `1e400`, `""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var m money
		if json.Unmarshal([]byte(in), &m) != nil {
			return
		}
		out, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("marshal %v: %v", kassa.Amount(m), err)
		}
		var back money
		if err := json.Unmarshal(out, &back); err != nil || back != m {
			t.Fatalf("%s → %s → %v (%v), want %v", in, out, kassa.Amount(back), err, kassa.Amount(m))
		}
	})
}
