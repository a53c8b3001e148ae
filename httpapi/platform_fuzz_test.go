package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	pathpkg "path"
	"regexp"
	"strings"
	"testing"
)

// routablePath is a platform path a client can send as it is.
var routablePath = regexp.MustCompile(`^/platform/v1/[A-Za-z0-9/_.~-]*$`)

// FuzzPlatformBodies posts arbitrary bodies and idempotency keys to the
// platform endpoints that write: every answer is JSON with a 2xx or 4xx
// status (never a 5xx, never a panic), and the ledger stays sound.
func FuzzPlatformBodies(f *testing.F) {
	for _, seed := range []struct{ path, body, key string }{
		{"/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1}`, "k1"},
		{"/platform/v1/charges", `{"account":"abcd1234","type":"voice","to":"+44 20 7183 8750","units":1000}`, "k2"},
		{"/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":9223372036854775807}`, "k3"},
		{"/platform/v1/charges", `{"account":"abcd1234","type":"sms","to":"447700900123","units":1e3}`, "k4"},
		{"/platform/v1/holds", `{"account":"abcd1234","amount":"92233720368.54775807"}`, "h1"},
		{"/platform/v1/holds", `{"account":"abcd1234","amount":-0.5,"ttl_seconds":-1}`, "h2"},
		{"/platform/v1/holds", `{"account":"abcd1234","type":"sms","to":"00447700900123","units":3,"ttl_seconds":60}`, "h3"},
		{"/platform/v1/rate", `{"account":"abcd1234","type":"sms-transit","to":"26096"}`, ""},
		{"/platform/v1/charges/1/refund", `{"amount":"0.00000001"}`, "r1"},
		{"/platform/v1/charges/1/refund", `{"amount":"１"}`, "r2"},
		{"/platform/v1/holds/x/capture", `{"amount":"0"}`, ""},
		{"/platform/v1/charges", `[]`, "\x00"},
	} {
		f.Add(seed.path, seed.body, seed.key)
	}
	h := newHarness(f)
	handler := h.srv.Config.Handler
	f.Fuzz(func(t *testing.T, path, body, key string) {
		if !routablePath.MatchString(path) || pathpkg.Clean(path) != path {
			return // not a request the mux would route (it redirects unclean paths)
		}
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+testServiceToken)
		if key != "" && !strings.ContainsAny(key, "\r\n\x00") {
			r.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		if w.Code >= 500 {
			t.Fatalf("POST %s %q (key %q): status %d: %s", path, body, key, w.Code, w.Body)
		}
		if !json.Valid(bytes.TrimSpace(w.Body.Bytes())) {
			t.Fatalf("POST %s %q: body is not JSON: %s", path, body, w.Body)
		}
		d, err := h.db.Verify(context.Background())
		if err != nil || len(d) != 0 {
			t.Fatalf("verify after POST %s %q: %v, %+v", path, body, err, d)
		}
	})
}
