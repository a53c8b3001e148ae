package httpapi

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kassa-dev/kassa"
)

// Reference payloads (the wire reference's §2 and §3: real answers captured
// in the Python SDK's fixtures), against which every answer's shape is
// compared: the same keys with the same JSON types.
const (
	refList = `{"_links":{"self":{"href":"/accounts/1234asdf/subaccounts"}},
	 "total_balance":9.9999,"total_credit_limit":0.0,
	 "_embedded":{
	   "primary_account":{"api_key":"1234asdf","name":"x","balance":9.9999,"credit_limit":0.0,
	                      "suspended":false,"created_at":"2022-03-28T14:16:56.000Z"},
	   "subaccounts":[{"api_key":"qwerasdf","primary_account_api_key":"1234asdf",
	                   "use_primary_account_balance":true,"name":"test_subaccount",
	                   "balance":null,"credit_limit":null,"suspended":false,
	                   "created_at":"2023-06-07T10:50:44.000Z"}]}}`
	refCreated = `{"api_key":"asdfzxcv","secret":"Password123","primary_account_api_key":"1234asdf",
	 "use_primary_account_balance":true,"name":"my subaccount","balance":null,
	 "credit_limit":null,"suspended":false,"created_at":"2023-06-09T02:23:21.327Z"}`
	refOwn = `{"api_key":"1234qwer","primary_account_api_key":"test_api_key","use_primary_account_balance":false,
	 "name":"test_subaccount","balance":0.0000,"credit_limit":0.0000,"suspended":false,
	 "created_at":"2024-08-28T14:11:32.000Z"}`
	refCreditPost = `{"masterAccountId":"1234asdf",
	 "_links":{"self":{"href":"/accounts/1234asdf/credit-transfers/83c4da50-9d42-434d-aaa9-76cf3109e9a5"}},
	 "from":"1234asdf","to":"asdfzxcv","amount":0.5,"reference":"test credit transfer",
	 "id":"83c4da50-9d42-434d-aaa9-76cf3109e9a5","created_at":"2023-06-12T17:20:00.000Z",
	 "credit_transfer_id":"83c4da50-9d42-434d-aaa9-76cf3109e9a5"}`
	refCreditList = `{"_links":{"self":{"href":"/accounts/1234asdf/credit-transfers"}},
	 "_embedded":{"credit_transfers":[
	   {"from":"1234asdf","to":"asdfzxcv","amount":0.5,"reference":"test credit transfer",
	    "id":"7380eecb-b82c-46e8-9478-af6b5793af1b","created_at":"2023-06-12T17:31:48.000Z",
	    "credit_transfer_id":"7380eecb-b82c-46e8-9478-af6b5793af1b"}]}}`
	refBalancePost = `{"masterAccountId":"1234asdf",
	 "_links":{"self":{"href":"/accounts/1234asdf/balance-transfers/83c4da50-9d42-434d-aaa9-76cf3109e9a5"}},
	 "from":"1234asdf","to":"asdfzxcv","amount":0.5,"reference":"test balance transfer",
	 "id":"83c4da50-9d42-434d-aaa9-76cf3109e9a5","created_at":"2023-06-12T17:20:00.000Z",
	 "balance_transfer_id":"83c4da50-9d42-434d-aaa9-76cf3109e9a5"}`
	refBalanceList = `{"_links":{"self":{"href":"/accounts/test_api_key/balance-transfers"}},
	 "_embedded":{"balance_transfers":[{"from":"test_api_key","to":"asdfqwer","amount":0.01,
	   "reference":"","id":"6917b0ae-aed3-453c-a918-e37f6ef7b21a","created_at":"2023-12-22T19:41:19.000Z",
	   "balance_transfer_id":"6917b0ae-aed3-453c-a918-e37f6ef7b21a"}]}}`
)

// Problem types and titles of the reference's error catalogue (§5).
const (
	typeUnauthorized = "https://developer.nexmo.com/api-errors#unauthorized"
	typeUnprovision  = "https://developer.nexmo.com/api-errors#unprovisioned"
	typeInvalidKey   = "https://developer.nexmo.com/api-errors#invalid-api-key"
	typeValidation   = "https://developer.nexmo.com/api-errors/account/subaccounts#validation"
	typeTransfers    = "https://developer.nexmo.com/api-errors/account/subaccounts#valid-transfers"
	typeProvisioning = "https://developer.nexmo.com/api-errors/account/subaccounts#provisioning"
	typeNumber       = "https://developer.nexmo.com/api-errors/account/subaccounts#invalid-number-transfer"
)

// sub sends a Subaccounts API request with Basic credentials and a JSON
// body (when not empty) labelled as the SDKs label it.
func (h *harness) sub(method, path, body, key, secret string, header ...string) response {
	h.t.Helper()
	hdr := pairs(header)
	if body != "" {
		hdr["Content-Type"] = "application/json"
	}
	return h.do(req{method: method, path: path, body: body, basic: [2]string{key, secret}, header: hdr})
}

// primary sends a request as the test account, the primary.
func (h *harness) primary(method, path, body string, header ...string) response {
	h.t.Helper()
	return h.sub(method, path, body, testKey, testSecret, header...)
}

// wantSubOK checks a success: 200 and exactly application/json.
func (r response) wantSubOK(t *testing.T) response {
	t.Helper()
	r.wantStatus(t, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want exactly application/json", ct)
	}
	return r
}

// wantSameShape fails unless got has exactly the keys of the reference
// example with the same JSON types (a number where the example has one, a
// null where it has null), in arrays too.
func wantSameShape(t *testing.T, got []byte, example string) {
	t.Helper()
	g, e := jsonShape(t, got), jsonShape(t, []byte(example))
	if diff := cmp.Diff(e, g); diff != "" {
		t.Errorf("shape differs from the reference (-reference +got):\n%s\ngot: %s", diff, got)
	}
}

// wantSubProblem checks an error of the Subaccounts API: its status, type,
// title, detail (when given), a 32-hex instance, and its
// invalid_parameters exactly (reason before name).
func wantSubProblem(t *testing.T, r response, status int, typ, title, detail string, params ...subParameter) map[string]any {
	t.Helper()
	r.wantStatus(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want exactly application/json", ct)
	}
	b := r.json(t)
	if b["type"] != typ || b["title"] != title || (detail != "" && b["detail"] != detail) {
		t.Errorf("problem %s, want type %s, title %q, detail %q", r.body, typ, title, detail)
	}
	if inst, _ := b["instance"].(string); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(inst) {
		t.Errorf("instance %q", b["instance"])
	}
	var got struct {
		InvalidParameters []subParameter `json:"invalid_parameters"`
	}
	if err := json.Unmarshal(r.body, &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(params, got.InvalidParameters); diff != "" {
		t.Errorf("invalid_parameters (-want +got):\n%s", diff)
	}
	if len(params) > 0 && !strings.Contains(string(r.body), `{"reason":`) {
		t.Errorf("invalid_parameters items do not start with reason: %s", r.body)
	}
	return b
}

// createSub creates a subaccount through the API and returns its key and
// secret.
func (h *harness) createSub(t *testing.T, body string) (string, string) {
	t.Helper()
	b := h.primary(http.MethodPost, "/accounts/"+testKey+"/subaccounts", body).wantSubOK(t).json(t)
	return b["api_key"].(string), b["secret"].(string)
}

func TestSubaccountsListAndCreate(t *testing.T) {
	h := newHarness(t)
	path := "/accounts/" + testKey + "/subaccounts"
	empty := h.primary(http.MethodGet, path, "").wantSubOK(t)
	if !strings.Contains(string(empty.body), `"subaccounts":[]`) {
		t.Errorf("an empty list must be []: %s", empty.body)
	}
	created := h.primary(http.MethodPost, path, `{"name":"my subaccount","secret":"Password123"}`).wantSubOK(t)
	wantSameShape(t, created.body, refCreated)
	c := created.json(t)
	wantSameShape(t, h.primary(http.MethodGet, path, "").wantSubOK(t).body, refList)
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(c["api_key"].(string)) || c["secret"] != "Password123" ||
		c["primary_account_api_key"] != testKey || c["use_primary_account_balance"] != true || c["balance"] != nil {
		t.Errorf("created %s", created.body)
	}
	if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`).MatchString(c["created_at"].(string)) {
		t.Errorf("created_at %q: want milliseconds and Z", c["created_at"])
	}
	// A generated secret is returned once; Java's extra key and Python's
	// nulls are fine; own balance starts at 0 and 0.
	own := h.primary(http.MethodPost, path, `{"primary_account_api_key":"`+testKey+`","name":"own","secret":null,"use_primary_account_balance":false}`).wantSubOK(t)
	o := own.json(t)
	if err := kassa.ValidateSecret(o["secret"].(string)); err != nil {
		t.Errorf("generated secret %q: %v", o["secret"], err)
	}
	if o["balance"].(json.Number).String() != "0.00" || o["credit_limit"].(json.Number).String() != "0.00" {
		t.Errorf("own balance %s", own.body)
	}
	list := h.primary(http.MethodGet, path, "").wantSubOK(t)
	l := list.json(t)
	subs := l["_embedded"].(map[string]any)["subaccounts"].([]any)
	if len(subs) != 2 || subs[0].(map[string]any)["api_key"] != c["api_key"] {
		t.Errorf("list %s", list.body)
	}
	if _, ok := subs[1].(map[string]any)["secret"]; ok {
		t.Errorf("the list shows a secret: %s", list.body)
	}
	if l["total_balance"].(json.Number).String() != "10.171275" {
		t.Errorf("total_balance %v", l["total_balance"])
	}
	// The list with a trailing '/' and through "//accounts".
	h.primary(http.MethodGet, path+"/", "").wantSubOK(t)
	h.primary(http.MethodPost, "/"+path, `{"name":"double slash"}`).wantSubOK(t)
	h.primary(http.MethodGet, path+"?unknown=1", "").wantSubOK(t)

	// Validation: 422 with the parameter named.
	for _, tc := range []struct {
		body, name, reason string
	}{
		{`{}`, "name", "Is required"},
		{`{"name":""}`, "name", "Is required"},
		{`{"name":"` + strings.Repeat("n", 81) + `"}`, "name", "Must be at most 80 characters"},
		{`{"name":42}`, "name", "Should be a string"},
		{`{"name":"x","secret":"short"}`, "secret", "Does not meet complexity requirements: must be 8 to 25 characters"},
		{`{"name":"x","use_primary_account_balance":"yes"}`, "use_primary_account_balance", "Should be either 'true' or 'false'"},
		{`{"name":"x","use_primary_account_balance":1}`, "use_primary_account_balance", "Should be either 'true' or 'false'"},
		{`[1]`, "body", "Malformed JSON: the body must be a JSON object"},
	} {
		r := h.primary(http.MethodPost, path, tc.body)
		wantSubProblem(t, r, http.StatusUnprocessableEntity, typeValidation, "Bad Request", "The request failed due to validation errors",
			subParameter{Reason: tc.reason, Name: tc.name})
	}
	// The limit.
	h.admin(http.MethodPut, "/admin/v1/accounts/"+testKey+"/primary", `{"enabled":true,"max_subaccounts":3}`).wantStatus(t, http.StatusOK)
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"name":"fourth"}`), http.StatusForbidden, typeProvisioning,
		"Maximum number of sub-accounts reached", "This account has reached maximum number of allowed sub-accounts")
	// An operator who turns subaccounts off: not provisioned.
	h.admin(http.MethodPut, "/admin/v1/accounts/"+testKey+"/primary", `{"enabled":false}`).wantStatus(t, http.StatusOK)
	wantSubProblem(t, h.primary(http.MethodGet, path, ""), http.StatusForbidden, typeUnprovision, "Authorisation error",
		"Account "+testKey+" is not provisioned to access Subaccount Provisioning API")
}

func TestSubaccountGetAndModify(t *testing.T) {
	h := newHarness(t)
	subKey, subSecret := h.createSub(t, `{"name":"my subaccount"}`)
	path := "/accounts/" + testKey + "/subaccounts/" + subKey
	got := h.primary(http.MethodGet, path, "").wantSubOK(t)
	wantSameShape(t, got.body, strings.Replace(strings.Replace(refOwn, `"balance":0.0000,"credit_limit":0.0000`, `"balance":null,"credit_limit":null`, 1), `false`, `true`, 1))

	// The reference's example: suspend and rename.
	mod := h.primary(http.MethodPatch, path, `{"suspended":true,"name":"my modified subaccount"}`).wantSubOK(t).json(t)
	if mod["suspended"] != true || mod["name"] != "my modified subaccount" {
		t.Errorf("modified %v", mod)
	}
	// A suspended subaccount's credentials are refused everywhere; the
	// primary still reads it.
	wantSubProblem(t, h.sub(http.MethodGet, "/accounts/"+subKey+"/subaccounts", "", subKey, subSecret), http.StatusUnauthorized,
		typeUnauthorized, "Invalid credentials supplied", "You did not provide correct credentials")
	h.do(req{path: "/account/get-balance", basic: [2]string{subKey, subSecret}}).wantStatus(t, http.StatusUnauthorized)
	h.primary(http.MethodGet, path, "").wantSubOK(t)

	// Resume, take an own balance: 0 and 0; back to shared is 422.
	own := h.primary(http.MethodPatch, path, `{"suspended":false,"use_primary_account_balance":false}`).wantSubOK(t)
	wantSameShape(t, own.body, refOwn)
	o := own.json(t)
	if o["suspended"] != false || o["balance"].(json.Number).String() != "0.00" {
		t.Errorf("own %s", own.body)
	}
	wantSubProblem(t, h.primary(http.MethodPatch, path, `{"use_primary_account_balance":true}`), http.StatusUnprocessableEntity, typeValidation,
		"Bad Request", "The request failed due to validation errors",
		subParameter{Reason: "Transitioning from 'use_primary_account_balance = false' to 'use_primary_account_balance = true' is not supported", Name: "use_primary_account_balance"})
	// Empty bodies, nulls and false-on-false answer it unchanged.
	for _, body := range []string{``, `{}`, `{"name":null}`, `{"use_primary_account_balance":false}`} {
		r := h.primary(http.MethodPatch, path, body).wantSubOK(t).json(t)
		if r["name"] != "my modified subaccount" || r["use_primary_account_balance"] != false {
			t.Errorf("PATCH %q: %v", body, r)
		}
	}
	wantSubProblem(t, h.primary(http.MethodPatch, path, `{"suspended":"yes"}`), http.StatusUnprocessableEntity, typeValidation,
		"Bad Request", "", subParameter{Reason: "Should be either 'true' or 'false'", Name: "suspended"})
	wantSubProblem(t, h.primary(http.MethodPatch, path, `{"name":""}`), http.StatusUnprocessableEntity, typeValidation,
		"Bad Request", "", subParameter{Reason: "Must not be empty", Name: "name"})

	// Unknown keys, the primary's own key, another primary's subaccount.
	h.createAccount("other123", "Other12345", "1", kassa.EUR, noReload)
	for _, k := range []string{"nobody12", testKey} {
		wantSubProblem(t, h.primary(http.MethodGet, "/accounts/"+testKey+"/subaccounts/"+k, ""), http.StatusNotFound, typeInvalidKey,
			"Invalid API Key", "API key '"+k+"' does not exist, or you do not have access")
	}
	wantSubProblem(t, h.sub(http.MethodGet, "/accounts/other123/subaccounts/"+subKey, "", "other123", "Other12345"), http.StatusNotFound,
		typeInvalidKey, "Invalid API Key", "API key '"+subKey+"' does not exist, or you do not have access")
	wantSubProblem(t, h.sub(http.MethodPatch, "/accounts/other123/subaccounts/"+subKey, `{"suspended":true}`, "other123", "Other12345"),
		http.StatusNotFound, typeInvalidKey, "Invalid API Key", "")
	// Another primary's key in the path: 404 naming it.
	wantSubProblem(t, h.primary(http.MethodGet, "/accounts/other123/subaccounts", ""), http.StatusNotFound, typeInvalidKey,
		"Invalid API Key", "API key 'other123' does not exist, or you do not have access")
	// A subaccount acting as a primary is not provisioned.
	wantSubProblem(t, h.sub(http.MethodGet, "/accounts/"+subKey+"/subaccounts", "", subKey, subSecret), http.StatusForbidden,
		typeUnprovision, "Authorisation error", "Account "+subKey+" is not provisioned to access Subaccount Provisioning API")
	// No or wrong credentials.
	wantSubProblem(t, h.do(req{path: "/accounts/" + testKey + "/subaccounts"}), http.StatusUnauthorized, typeUnauthorized,
		"Invalid credentials supplied", "You did not provide correct credentials")
	wantSubProblem(t, h.sub(http.MethodGet, "/accounts/"+testKey+"/subaccounts", "", testKey, "Wrong12345"), http.StatusUnauthorized,
		typeUnauthorized, "Invalid credentials supplied", "")
	// A wrong method: 405 with Allow.
	r := h.primary(http.MethodDelete, path, "")
	wantSubProblem(t, r, http.StatusMethodNotAllowed, "https://developer.nexmo.com/api-errors#method-not-allowed", "Method Not Allowed", "")
	if r.header.Get("Allow") != "GET, PATCH, HEAD" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	events := h.auditActions(subKey)
	if events["subaccount.create"] != 1 || events["subaccount.update"] != 2 {
		t.Errorf("audit %v", events)
	}
}

func TestCreditTransfers(t *testing.T) {
	h := newHarness(t)
	h.admin(http.MethodPut, "/admin/v1/accounts/"+testKey+"/credit-limit", `{"credit_limit":"-100"}`).wantStatus(t, http.StatusOK)
	own, _ := h.createSub(t, `{"name":"own","use_primary_account_balance":false}`)
	own2, _ := h.createSub(t, `{"name":"own2","use_primary_account_balance":false}`)
	shared, _ := h.createSub(t, `{"name":"shared"}`)
	path := "/accounts/" + testKey + "/credit-transfers"
	// Node 1.12.1 sends a string (its type says so); others a number.
	first := h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":"0.50","reference":"test credit transfer"}`).wantSubOK(t)
	wantSameShape(t, first.body, refCreditPost)
	f := first.json(t)
	if f["masterAccountId"] != testKey || f["id"] != f["credit_transfer_id"] || f["amount"].(json.Number).String() != "0.50" ||
		f["_links"].(map[string]any)["self"].(map[string]any)["href"] != path+"/"+f["id"].(string) {
		t.Errorf("transfer %s", first.body)
	}
	h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own2+`","amount":1.25}`).wantSubOK(t)
	h.primary(http.MethodPost, path, `{"from":"`+own+`","to":"`+testKey+`","amount":1e-8}`).wantSubOK(t)
	if a := h.account(own); a.CreditLimit != kassa.MustParseAmount("-0.49999999") {
		t.Errorf("credit limit of %s = %s", own, a.CreditLimit)
	}
	// The primary allocated 1.75 and got 0.00000001 back.
	if a := h.account(testKey); a.CreditLimit != kassa.MustParseAmount("-98.25000001") || a.Balance != kassa.MustParseAmount("10.171275") {
		t.Errorf("primary %+v", a)
	}
	list := h.primary(http.MethodGet, path+"?start_date=2000-01-01T00%3A00%3A00.000Z", "").wantSubOK(t)
	wantSameShape(t, list.body, refCreditList)
	items := list.json(t)["_embedded"].(map[string]any)["credit_transfers"].([]any)
	if len(items) != 3 || items[0].(map[string]any)["from"] != own || items[2].(map[string]any)["id"] != f["id"] {
		t.Errorf("list (newest first) %s", list.body)
	}
	for q, want := range map[string]int{
		"":                       3,
		"?start_date=2000-01-01": 3,
		"?start_date=2000-01-01T00:00:00Z&end_date=2001-01-01T00:00:00%2B02:00": 0,
		"?start_date=2000-01-01T00:00:00+02:00":                                 3, // an unescaped '+' reads as a space
		"?start_date=2999-01-01T00:00:00.000Z":                                  0,
		"?start_date=1970-01-01T00:00:00Z&sub=" + own2:                          1,
		"?subaccount=" + own2 + "&subaccount=" + own:                            3,
		"?sub_account=" + own:                                                   2,
		"?subaccount=" + shared:                                                 0,
	} {
		got := h.primary(http.MethodGet, path+q, "").wantSubOK(t).json(t)["_embedded"].(map[string]any)["credit_transfers"].([]any)
		if len(got) != want {
			t.Errorf("list%s: %d transfers, want %d", q, len(got), want)
		}
	}
	wantSubProblem(t, h.primary(http.MethodGet, path+"?start_date=yesterday", ""), http.StatusUnprocessableEntity, typeValidation,
		"Bad Request", "The request failed due to validation errors", subParameter{Reason: "Malformed", Name: "start_date"})
	wantSubProblem(t, h.primary(http.MethodGet, path+"?end_date=2023-13-01", ""), http.StatusUnprocessableEntity, typeValidation,
		"Bad Request", "", subParameter{Reason: "Malformed", Name: "end_date"})

	// Refusals, each with the reference's body.
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+own+`","to":"`+own2+`","amount":0.5}`), http.StatusForbidden,
		typeTransfers, "Invalid Transfer", "Transfers are only allowed between a primary account and its subaccount")
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":100}`), http.StatusForbidden,
		typeTransfers, "Transfer amount is invalid", "Insufficient Credit")
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+shared+`","amount":1}`), http.StatusForbidden,
		typeTransfers, "Invalid Transfer", "")
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+own+`","to":"`+own+`","amount":0.5}`), http.StatusUnprocessableEntity,
		typeValidation, "Bad Request", "The request failed due to validation errors",
		subParameter{Reason: "Invalid accounts. From and To accounts should be different", Name: "from"})
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"nobody12","amount":0.5}`), http.StatusNotFound,
		typeInvalidKey, "Invalid API Key", "API key 'nobody12' does not exist, or you do not have access")
	for _, amount := range []string{`"0.01x"`, `"-1"`, `0`, `-0.5`, `true`, `null`, `"1e3"`, `""`} {
		wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":`+amount+`}`),
			http.StatusUnprocessableEntity, typeValidation, "Bad Request", "",
			subParameter{Reason: "Only positive values of data type JSON number are allowed", Name: "amount"})
	}
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":0.123456789}`),
		http.StatusUnprocessableEntity, typeValidation, "Bad Request", "",
		subParameter{Reason: "Only amounts with at most 8 decimal places are allowed", Name: "amount"})
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"to":"`+own+`","amount":1}`), http.StatusUnprocessableEntity, typeValidation,
		"Bad Request", "", subParameter{Reason: "Is required", Name: "from"})
	// Nothing moved.
	if a := h.account(testKey); a.CreditLimit != kassa.MustParseAmount("-98.25000001") {
		t.Errorf("a refused transfer moved credit: %s", a.CreditLimit)
	}
	if n := h.auditActions(testKey)["transfer.credit"]; n != 3 {
		t.Errorf("%d transfer.credit events, want 3", n)
	}
}

func TestBalanceTransfers(t *testing.T) {
	h := newHarness(t)
	own, ownSecret := h.createSub(t, `{"name":"own","use_primary_account_balance":false}`)
	path := "/accounts/" + testKey + "/balance-transfers"
	first := h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":0.5,"reference":"test balance transfer"}`,
		"Idempotency-Key", "bt-1").wantSubOK(t)
	wantSameShape(t, first.body, refBalancePost)
	// The same key replays the same transfer; another request with it is 409.
	again := h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":0.5,"reference":"test balance transfer"}`,
		"Idempotency-Key", "bt-1").wantSubOK(t)
	if string(again.body) != string(first.body) || again.header.Get("Idempotency-Replayed") != "true" {
		t.Errorf("replay %s, first %s", again.body, first.body)
	}
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":0.6}`, "Idempotency-Key", "bt-1"),
		http.StatusConflict, "https://developer.nexmo.com/api-errors/account/subaccounts#idempotency-conflict", "Idempotency Conflict", "")
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+testKey+`","to":"`+own+`","amount":0.6}`, "Idempotency-Key", "kassa:x"),
		http.StatusUnprocessableEntity, typeValidation, "Bad Request", "",
		subParameter{Reason: `the Idempotency-Key header must be 1 to 255 printable ASCII characters without spaces, not starting with "kassa:"`, Name: "Idempotency-Key"})
	// Back from the subaccount, with the reference empty as the real service sends it.
	h.primary(http.MethodPost, path, `{"from":"`+own+`","to":"`+testKey+`","amount":"0.01"}`).wantSubOK(t)
	list := h.primary(http.MethodGet, path+"?start_date=2020-01-01T00:00:00Z", "").wantSubOK(t)
	wantSameShape(t, list.body, refBalanceList)
	items := list.json(t)["_embedded"].(map[string]any)["balance_transfers"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["reference"] != "" {
		t.Errorf("list %s", list.body)
	}
	if a := h.account(own); a.Balance != kassa.MustParseAmount("0.49") {
		t.Errorf("subaccount balance %s", a.Balance)
	}
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+own+`","to":"`+testKey+`","amount":0.49000001}`), http.StatusForbidden,
		typeTransfers, "Transfer amount is invalid", "Insufficient Balance")
	// The subaccount sees what it can spend; its own credentials work on
	// the Account API, not as a primary.
	bal := h.do(req{path: "/account/get-balance", basic: [2]string{own, ownSecret}}).wantStatus(t, http.StatusOK)
	if string(bal.body) != "{\"value\":0.49,\"autoReload\":false}\n" {
		t.Errorf("get-balance of the own-balance subaccount: %s", bal.body)
	}
	// The credit list is separate.
	credits := h.primary(http.MethodGet, "/accounts/"+testKey+"/credit-transfers", "").wantSubOK(t).json(t)
	if n := len(credits["_embedded"].(map[string]any)["credit_transfers"].([]any)); n != 0 {
		t.Errorf("%d credit transfers", n)
	}
	checkVerify(t, h)
}

func TestTransferNumber(t *testing.T) {
	h := newHarness(t)
	a, _ := h.createSub(t, `{"name":"a"}`)
	b, _ := h.createSub(t, `{"name":"b","use_primary_account_balance":false}`)
	h.createAccount("other123", "Other12345", "1", kassa.EUR, noReload)
	path := "/accounts/" + testKey + "/transfer-number"
	for _, body := range []string{
		`{"from":"` + a + `","to":"` + b + `","number":"447700900000","country":"GB"}`,
		`{"from":"` + testKey + `","to":"` + a + `","number":23507703696,"country":"ZM"}`,
		`{"from":"` + b + `","to":"` + testKey + `","number":"+447700900000"}`,
	} {
		r := h.primary(http.MethodPost, path, body)
		p := wantSubProblem(t, r, http.StatusForbidden, typeNumber, "Invalid Number Transfer", "")
		if !strings.HasSuffix(p["detail"].(string), "ShortCode is not owned by from account") {
			t.Errorf("detail %q", p["detail"])
		}
	}
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+a+`","to":"other123","number":"447700900000","country":"GB"}`),
		http.StatusForbidden, typeNumber, "Invalid Number Transfer", "Could not transfer number from account "+a+" to other123 - The relationship between these two accounts does not allow for number transfer")
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+a+`","to":"`+a+`","number":"447700900000","country":"GB"}`),
		http.StatusUnprocessableEntity, typeValidation, "Bad Request", "",
		subParameter{Reason: "Invalid accounts. From and To accounts should be different", Name: "from"})
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+a+`","to":"nobody12","number":"447700900000","country":"GB"}`),
		http.StatusNotFound, typeInvalidKey, "Invalid API Key", "API key 'nobody12' does not exist, or you do not have access")
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+a+`","to":"`+b+`","number":"abc","country":"GB"}`),
		http.StatusUnprocessableEntity, typeValidation, "Bad Request", "",
		subParameter{Reason: "Should be a phone number in E.164 format without a leading +", Name: "number"})
	wantSubProblem(t, h.primary(http.MethodPost, path, `{"from":"`+a+`","to":"`+b+`","number":"447700900000","country":"GBR"}`),
		http.StatusUnprocessableEntity, typeValidation, "Bad Request", "",
		subParameter{Reason: "Should be an ISO 3166-1 alpha-2 country code", Name: "country"})
}

func TestSubaccountCredentials(t *testing.T) {
	h := newHarness(t)
	shared, sharedSecret := h.createSub(t, `{"name":"shared"}`)
	// The shared-balance subaccount's balance is its primary's.
	bal := h.do(req{path: "/account/get-balance", basic: [2]string{shared, sharedSecret}}).wantStatus(t, http.StatusOK)
	if string(bal.body) != "{\"value\":10.171275,\"autoReload\":false}\n" {
		t.Errorf("get-balance of the shared subaccount: %s", bal.body)
	}
	// Pricing and settings work with its credentials; top-up does not.
	h.do(req{path: "/account/get-pricing/outbound/sms?country=GB", basic: [2]string{shared, sharedSecret}}).wantStatus(t, http.StatusOK)
	h.do(req{method: http.MethodPost, path: "/account/settings", basic: [2]string{shared, sharedSecret}}).wantStatus(t, http.StatusOK)
	top := h.do(req{method: http.MethodPost, path: "/account/top-up", body: "trx=x", basic: [2]string{shared, sharedSecret},
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}).wantStatus(t, http.StatusUnauthorized)
	if top.json(t)["error-code"] != "401" {
		t.Errorf("top-up refusal %s", top.body)
	}
	// The primary manages its subaccount's secrets; the subaccount its own.
	secrets := "/accounts/" + shared + "/secrets"
	list := h.primary(http.MethodGet, secrets, "").wantStatus(t, http.StatusOK).json(t)
	if n := len(list["_embedded"].(map[string]any)["secrets"].([]any)); n != 1 {
		t.Fatalf("%d secrets", n)
	}
	made := h.primary(http.MethodPost, secrets, `{"secret":"Another1234"}`).wantStatus(t, http.StatusCreated).json(t)
	h.do(req{path: "/account/get-balance", basic: [2]string{shared, "Another1234"}}).wantStatus(t, http.StatusOK)
	h.sub(http.MethodGet, secrets+"/"+made["id"].(string), "", shared, sharedSecret).wantStatus(t, http.StatusOK)
	h.primary(http.MethodDelete, secrets+"/"+made["id"].(string), "").wantStatus(t, http.StatusNoContent)
	h.do(req{path: "/account/get-balance", basic: [2]string{shared, "Another1234"}}).wantStatus(t, http.StatusUnauthorized)
	events := h.auditActions(shared)
	if events["secret.create"] != 1 || events["secret.revoke"] != 1 {
		t.Errorf("audit %v", events)
	}
	// Another primary, and the subaccount on its primary's secrets: 404.
	h.createAccount("other123", "Other12345", "1", kassa.EUR, noReload)
	r := h.sub(http.MethodGet, secrets, "", "other123", "Other12345").wantStatus(t, http.StatusNotFound)
	if r.json(t)["type"] != typeInvalidKey {
		t.Errorf("other primary: %s", r.body)
	}
	h.sub(http.MethodGet, "/accounts/"+testKey+"/secrets", "", shared, sharedSecret).wantStatus(t, http.StatusNotFound)

	// A shared-balance subaccount's platform charge takes from the primary
	// and names the subaccount.
	ch := h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"`+shared+`","type":"sms","to":"447700900123","units":1}`, "m-1").
		wantStatus(t, http.StatusCreated).json(t)
	if ch["account"] != shared || ch["balance_account"] != testKey || ch["balance_after"] != "10.13127500" {
		t.Errorf("charge %v", ch)
	}
	entries := h.admin(http.MethodGet, "/admin/v1/accounts/"+testKey+"/entries?subaccount="+shared, "").wantStatus(t, http.StatusOK).json(t)
	list2 := entries["entries"].([]any)
	if len(list2) != 1 || list2[0].(map[string]any)["subaccount"] != shared {
		t.Errorf("entries of the subaccount %v", entries)
	}
	hold := h.platform(http.MethodPost, "/platform/v1/holds", `{"account":"`+shared+`","amount":"1"}`, "hold-1").wantStatus(t, http.StatusCreated).json(t)
	if hold["account"] != shared || hold["balance_account"] != testKey {
		t.Errorf("hold %v", hold)
	}
	// A charge of the suspended subaccount is refused.
	h.primary(http.MethodPatch, "/accounts/"+testKey+"/subaccounts/"+shared, `{"suspended":true}`).wantSubOK(t)
	h.platform(http.MethodPost, "/platform/v1/charges", `{"account":"`+shared+`","type":"sms","to":"447700900123","units":1}`, "m-2").
		wantProblem(t, http.StatusForbidden, "account-suspended")
	checkVerify(t, h)
}

// checkVerify fails unless the ledger verifies clean.
func checkVerify(t *testing.T, h *harness) {
	t.Helper()
	d, err := h.db.Verify(t.Context())
	if err != nil || len(d) != 0 {
		t.Fatalf("verify: %v %+v", err, d)
	}
}

// TestSubaccountsRoutesListed: every Subaccounts API path is in routes.go
// and in docs/subaccounts.md.
func TestSubaccountsRoutesListed(t *testing.T) {
	paths := []string{"/accounts/{api_key}/subaccounts", "/accounts/{api_key}/subaccounts/{subaccount_key}",
		"/accounts/{api_key}/credit-transfers", "/accounts/{api_key}/balance-transfers", "/accounts/{api_key}/transfer-number"}
	doc := readFile(t, "../docs/subaccounts.md")
	routes := readFile(t, "routes.go")
	for _, p := range paths {
		if !strings.Contains(routes, `"`+p+`"`) {
			t.Errorf("routes.go lacks %s", p)
		}
		if !strings.Contains(doc, p) {
			t.Errorf("docs/subaccounts.md lacks %s", p)
		}
	}
	if !slices.Contains(strings.Fields(doc), "`[?]`") && !strings.Contains(doc, "[?]") {
		t.Errorf("docs/subaccounts.md records no decision on the reference's open questions")
	}
}

// readFile reads a file of the repository, relative to this package.
func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
