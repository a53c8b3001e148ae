package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestAPIFirstAnswersAsTheMux checks that the fast path to the API gives
// every request the answer the full mux gives: the same handler for clean
// API paths, and the mux's own redirects and routes for everything else.
func TestAPIFirstAnswersAsTheMux(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", "api")
		w.WriteHeader(http.StatusTeapot)
	})
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Served-By", "ui")
	})
	mux := http.NewServeMux()
	mux.Handle("/", api)
	mux.Handle("/ui/", ui)
	mux.Handle("GET /metrics", ui)
	fast := apiFirst(api, mux)
	for _, target := range []string{
		"/account/get-balance", "/account/get-pricing/outbound/sms?country=GB", "/accounts/k/subaccounts",
		"/admin/v1/accounts", "/platform/v1/rate", "/account/get-balance/", "/account/./get-balance",
		"/account/../admin/v1/accounts", "//accounts/k/secrets", "/account//get-balance", "/account/%2e%2e/x",
		"/account/a%2Fb", "/ui", "/ui/", "/metrics", "/healthz", "/", "/accountx", "/admin",
		"/account/a%20b", "/account/a%20b/../x", "/account/%2e/x", "/account/caf%C3%A9", "/admin/v1/a%2F..%2Fb",
	} {
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			want := httptest.NewRecorder()
			mux.ServeHTTP(want, httptest.NewRequest(method, target, nil))
			got := httptest.NewRecorder()
			fast.ServeHTTP(got, httptest.NewRequest(method, target, nil))
			if got.Code != want.Code || got.Header().Get("X-Served-By") != want.Header().Get("X-Served-By") || got.Header().Get("Location") != want.Header().Get("Location") {
				t.Errorf("%s %s: got %d %q %q, the mux gives %d %q %q", method, target,
					got.Code, got.Header().Get("X-Served-By"), got.Header().Get("Location"),
					want.Code, want.Header().Get("X-Served-By"), want.Header().Get("Location"))
			}
		}
	}
	if !apiPath("/account/get-balance") || apiPath("/account//x") || apiPath("/account/./x") || apiPath("/ui/") {
		t.Error("apiPath misclassifies")
	}
}
