package openapitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOperation(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/account/get-prefix-pricing/outbound", "retrievePrefixPricingLegacy"},
		{"GET", "/account/get-prefix-pricing/outbound/sms/", "retrievePrefixPricing"},
		{"HEAD", "/account/get-balance", "getAccountBalance"},
		{"GET", "//accounts/abcd1234/subaccounts/", "retrieveSubaccountsList"},
		{"PUT", "/accounts/abcd1234/subaccounts/5f0e2a1c/spend-controls", "putSubaccountSpendControls"},
		{"POST", "/admin/v1/pricebooks/active/activate", "activatePriceBook"},
		{"DELETE", "/account/get-balance", ""},
		{"GET", "/account/nothing-here", ""},
		{"GET", "/openapi/admin.json", "getAdminDocument"},
	} {
		docs, err := documents()
		if err != nil {
			t.Fatal(err)
		}
		route, _ := Operation(docs[DocumentOf(c.path)], c.method, c.path)
		got := ""
		if route != nil {
			got = route.Operation.OperationID
		}
		if got != c.want {
			t.Errorf("%s %s: operation %q, want %q", c.method, c.path, got, c.want)
		}
	}
}

func TestCheck(t *testing.T) {
	r := httptest.NewRequest("GET", "/account/get-balance", nil)
	json := http.Header{"Content-Type": {"application/json;charset=UTF-8"}}
	if id, err := Check(r, 200, json, []byte(`{"value":10.00,"autoReload":true}`)); err != nil || id != "getAccountBalance" {
		t.Errorf("a right answer: %q %v", id, err)
	}
	for _, c := range []struct {
		status int
		header http.Header
		body   string
		want   string
	}{
		{200, json, `{"value":"10.00","autoReload":true}`, "value"},
		{200, json, `{"value":10.00,"autoReload":true,"extra":1}`, "extra"},
		{200, http.Header{"Content-Type": {"text/plain"}}, `ok`, "Content-Type"},
		{401, json, `{"error-code":401}`, "error-code"},
	} {
		if _, err := Check(r, c.status, c.header, []byte(c.body)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%d %s: error %v, want one naming %s", c.status, c.body, err, c.want)
		}
	}
}
