package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"testing"

	"github.com/kassa-dev/kassa/events"
	"github.com/kassa-dev/kassa/openapi"
	"github.com/kassa-dev/kassa/webhook"
)

// tour drives the real stack and checks each answer's status (the answers
// themselves are validated against the documents by harness.do).
type tour struct {
	t *testing.T
	h *harness
}

// call sends r and fails the test unless the status is want.
func (tr tour) call(want int, r req) response {
	tr.t.Helper()
	if r.basic[0] == "" && r.header["Authorization"] == "" && r.path[:len("/openapi/")] != "/openapi/" {
		r.basic = [2]string{testKey, testSecret}
	}
	if r.body != "" && r.header["Content-Type"] == "" {
		if r.header == nil {
			r.header = map[string]string{}
		}
		r.header["Content-Type"] = "application/json"
	}
	got := tr.h.do(r)
	if got.status != want {
		tr.t.Fatalf("%s %s: status %d, want %d: %s", r.method, r.path, got.status, want, got.body)
	}
	return got
}

// admin and platform send a request with the API's token.
func (tr tour) admin(want int, method, path, body string, header ...string) response {
	tr.t.Helper()
	hdr := pairs(header)
	hdr["Authorization"] = "Bearer " + testAdminToken
	return tr.call(want, req{method: method, path: path, body: body, header: hdr})
}

func (tr tour) platform(want int, method, path, body string, header ...string) response {
	tr.t.Helper()
	hdr := pairs(header)
	hdr["Authorization"] = "Bearer " + testServiceToken
	return tr.call(want, req{method: method, path: path, body: body, header: hdr})
}

// field reads a string field of a JSON answer.
func field(t *testing.T, r response, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("answer %s: %v", r.body, err)
	}
	switch v := m[name].(type) {
	case string:
		return v
	case float64:
		return fmt.Sprint(int64(v))
	}
	t.Fatalf("answer %s has no field %s", r.body, name)
	return ""
}

// TestOpenAPIAnswersOfEveryOperation: every documented operation answers at
// least one success and one error that validate against its document. A
// handler that changes a field, a status or a header without its document
// fails here (and in every other test of this package that sees the
// answer).
func TestOpenAPIAnswersOfEveryOperation(t *testing.T) {
	h := newHarness(t)
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	h.serve(Config{CallbackAllow: loopback, RateLimitsOff: true, CheckCallback: acceptEveryCallback})
	h.api = newAPICoverage()
	tr := tour{t: t, h: h}
	const none = "nobody99"

	tr.adminTour(none, loopback)
	tr.platformTour(none)
	tr.publicTour(none)

	for _, name := range openapi.Names {
		doc := loadDocument(t, name)
		for path, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				id := op.OperationID
				if !h.api.success[id] && id != "transferNumber" { // kassa holds no numbers: never a success
					t.Errorf("%s %s (%s): no success answer validated", method, path, id)
				}
				if !h.api.failure[id] && !slices.Contains([]string{"getPlatformDocument", "getPublicDocument"}, id) { // open, and GET only
					t.Errorf("%s %s (%s): no error answer validated", method, path, id)
				}
			}
		}
	}
}

func (tr tour) adminTour(none string, loopback []netip.Prefix) {
	t, h := tr.t, tr.h
	tr.call(401, req{path: "/openapi/admin.json"})
	tr.admin(200, "GET", "/openapi/admin.json", "")

	tr.admin(201, "POST", "/admin/v1/accounts", `{"api_key":"prim0001","credit":"20.00","credit_limit":"-50"}`)
	tr.admin(201, "POST", "/admin/v1/accounts", `{}`)
	tr.admin(409, "POST", "/admin/v1/accounts", `{"api_key":"prim0001"}`)
	tr.admin(200, "GET", "/admin/v1/accounts?search=prim&limit=10", "")
	tr.admin(400, "GET", "/admin/v1/accounts?limit=0", "")
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001", "")
	tr.admin(404, "GET", "/admin/v1/accounts/"+none, "")
	tr.admin(201, "POST", "/admin/v1/accounts/prim0001/credits", `{"amount":"5.00","reason":"goodwill"}`, "Idempotency-Key", "k1")
	tr.admin(200, "POST", "/admin/v1/accounts/prim0001/credits", `{"amount":"5.00","reason":"goodwill"}`, "Idempotency-Key", "k1")
	tr.admin(400, "POST", "/admin/v1/accounts/prim0001/credits", `{"amount":"-1"}`)
	tr.admin(201, "POST", "/admin/v1/accounts/prim0001/debits", `{"amount":"1.00","reason":"fix"}`)
	tr.admin(402, "POST", "/admin/v1/accounts/prim0001/debits", `{"amount":"1000.00","reason":"too much"}`)
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/auto-reload", `{"enabled":true,"trx":"trx-1","amount":"10","threshold":"1"}`)
	tr.admin(400, "PUT", "/admin/v1/accounts/prim0001/auto-reload", `{"enabled":true}`)
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/limits", `{"max_outbound_request":30,"max_inbound_request":30,"max_calls_per_second":30}`)
	tr.admin(400, "PUT", "/admin/v1/accounts/prim0001/limits", `{"max_outbound_request":0}`)
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/credit-limit", `{"credit_limit":"-60.00"}`)
	tr.admin(400, "PUT", "/admin/v1/accounts/prim0001/credit-limit", `{"credit_limit":"5"}`)
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/entries?limit=1", "")
	tr.admin(400, "GET", "/admin/v1/accounts/prim0001/entries?since=yesterday", "")
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/spend-controls", `{"low_balance_threshold":"5","daily_cap":"100.00","monthly_cap":null}`)
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/spend-controls", "")
	tr.admin(404, "GET", "/admin/v1/accounts/"+none+"/spend-controls", "")
	tr.admin(400, "PUT", "/admin/v1/accounts/prim0001/spend-controls", `{"daily_cap":"-1"}`)
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/primary", `{"enabled":true,"max_subaccounts":5}`)
	tr.admin(400, "PUT", "/admin/v1/accounts/prim0001/primary", `{}`)
	sub := field(t, tr.admin(201, "POST", "/admin/v1/accounts/prim0001/subaccounts", `{"name":"own","use_primary_account_balance":false}`), "api_key")
	tr.admin(201, "POST", "/admin/v1/accounts/prim0001/subaccounts", `{"name":"shared","api_secret":"Shared1secret"}`)
	tr.admin(400, "POST", "/admin/v1/accounts/prim0001/subaccounts", `{"name":""}`)
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/subaccounts", "")
	tr.admin(404, "GET", "/admin/v1/accounts/"+none+"/subaccounts", "")
	tr.admin(201, "POST", "/admin/v1/accounts/prim0001/transfers", `{"kind":"balance","from":"prim0001","to":"`+sub+`","amount":"2.50","reference":"march"}`, "Idempotency-Key", "t1")
	tr.admin(200, "POST", "/admin/v1/accounts/prim0001/transfers", `{"kind":"balance","from":"prim0001","to":"`+sub+`","amount":"2.50","reference":"march"}`, "Idempotency-Key", "t1")
	tr.admin(402, "POST", "/admin/v1/accounts/prim0001/transfers", `{"kind":"balance","from":"`+sub+`","to":"prim0001","amount":"100"}`)
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/transfers?kind=balance", "")
	tr.admin(400, "GET", "/admin/v1/accounts/prim0001/transfers?kind=gold", "")
	tr.admin(200, "POST", "/admin/v1/accounts/"+sub+"/suspend", "")
	tr.admin(404, "POST", "/admin/v1/accounts/"+none+"/suspend", "")
	tr.admin(200, "POST", "/admin/v1/accounts/"+sub+"/resume", `{}`)
	tr.admin(404, "POST", "/admin/v1/accounts/"+none+"/resume", "")
	tr.admin(200, "GET", "/admin/v1/verify", "")
	tr.call(401, req{path: "/admin/v1/verify"})
	tr.admin(200, "GET", "/admin/v1/audit?account=prim0001&limit=5", "")
	tr.admin(400, "GET", "/admin/v1/audit?offset=-1", "")

	tr.admin(200, "GET", "/admin/v1/pricebooks", "")
	tr.call(401, req{path: "/admin/v1/pricebooks", header: map[string]string{"Authorization": "Bearer wrong"}})
	deck := "country,network code,price\nGB,,0.05\nGB,23410,0.06\nUS,,0.007\n"
	v := field(t, tr.admin(201, "POST", "/admin/v1/pricebooks?type=sms&name=December", deck, "Content-Type", "text/csv"), "version")
	tr.admin(400, "POST", "/admin/v1/pricebooks?type=sms", "country,price\nXX,abc\n", "Content-Type", "text/csv")
	tr.admin(200, "GET", "/admin/v1/pricebooks/"+v, "")
	tr.admin(200, "GET", "/admin/v1/pricebooks/active", "")
	tr.admin(404, "GET", "/admin/v1/pricebooks/999", "")
	tr.admin(200, "GET", "/admin/v1/pricebooks/"+v+"/export?type=sms", "")
	tr.admin(200, "GET", "/admin/v1/pricebooks/"+v+"/export?type=sms&format=json&currency=USD", "")
	tr.admin(400, "GET", "/admin/v1/pricebooks/"+v+"/export", "")
	tr.admin(200, "POST", "/admin/v1/pricebooks/"+v+"/activate", `{"effective_at":"2100-01-01T00:00:00Z"}`)
	tr.admin(200, "POST", "/admin/v1/pricebooks/"+v+"/activate", "")
	tr.admin(404, "POST", "/admin/v1/pricebooks/999/activate", "")

	tr.admin(200, "GET", "/admin/v1/plans", "")
	tr.call(401, req{path: "/admin/v1/plans"})
	tr.admin(201, "POST", "/admin/v1/plans", `{"name":"wholesale","base":"default","markup":{"percent":"10","fixed":"0.001","min":"0.005"}}`)
	tr.admin(201, "POST", "/admin/v1/plans", `{"name":"spare"}`)
	tr.admin(409, "POST", "/admin/v1/plans", `{"name":"wholesale"}`)
	tr.admin(200, "GET", "/admin/v1/plans/wholesale", "")
	tr.admin(404, "GET", "/admin/v1/plans/nope", "")
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/plan", `{"plan":"wholesale"}`)
	tr.admin(200, "PUT", "/admin/v1/accounts/prim0001/plan", `{"plan":null}`)
	tr.admin(404, "PUT", "/admin/v1/accounts/prim0001/plan", `{"plan":"nope"}`)
	tr.admin(204, "DELETE", "/admin/v1/plans/spare", "")
	tr.admin(409, "DELETE", "/admin/v1/plans/default", "")

	// Webhooks: an endpoint on loopback, an event (a top-up), a delivery
	// by a real dispatcher, the log and a redelivery.
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(recv.Close)
	tr.admin(201, "POST", "/admin/v1/webhooks", `{"url":"https://example.com/kassa","description":"generated secret"}`)
	id := field(t, tr.admin(201, "POST", "/admin/v1/webhooks", `{"url":"`+recv.URL+`/in","secret":"receiver-secret-12345","events":["reload.succeeded"]}`), "id")
	tr.admin(400, "POST", "/admin/v1/webhooks", `{"url":"ftp://example.com/"}`)
	tr.admin(200, "GET", "/admin/v1/webhooks", "")
	tr.call(401, req{path: "/admin/v1/webhooks"})
	tr.admin(200, "GET", "/admin/v1/webhooks/"+id, "")
	tr.admin(404, "GET", "/admin/v1/webhooks/wh_missing", "")
	tr.admin(200, "PATCH", "/admin/v1/webhooks/"+id, `{"description":"billing"}`)
	tr.admin(200, "PATCH", "/admin/v1/webhooks/"+id, `{"secret":""}`)
	tr.admin(400, "PATCH", "/admin/v1/webhooks/"+id, `{"url":"not a url"}`)
	tr.call(200, req{method: "POST", path: "/account/top-up", body: "trx=" + testTrx})
	d := events.New(h.db, events.Options{NodeID: "test", Guard: webhook.Guard{Allow: loopback}})
	if _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	tr.admin(200, "GET", "/admin/v1/events?after=0&limit=10", "")
	tr.admin(400, "GET", "/admin/v1/events?after=x", "")
	var log struct {
		Deliveries []struct {
			EventID int64 `json:"event_id"`
		}
	}
	if err := json.Unmarshal(tr.admin(200, "GET", "/admin/v1/webhooks/"+id+"/deliveries?limit=10", "").body, &log); err != nil || len(log.Deliveries) == 0 {
		t.Fatalf("delivery log: %v %+v", err, log)
	}
	tr.admin(400, "GET", "/admin/v1/webhooks/"+id+"/deliveries?limit=x", "")
	tr.admin(200, "POST", fmt.Sprintf("/admin/v1/webhooks/%s/deliveries/%d/redeliver", id, log.Deliveries[0].EventID), "")
	tr.admin(404, "POST", fmt.Sprintf("/admin/v1/webhooks/%s/deliveries/%d/redeliver", id, 999999), "")
	tr.admin(204, "DELETE", "/admin/v1/webhooks/"+id, "")
	tr.admin(404, "DELETE", "/admin/v1/webhooks/"+id, "")

	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/usage?group_by=day,country", "")
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/usage?group_by=type", "", "Accept", "text/csv")
	tr.admin(400, "GET", "/admin/v1/accounts/prim0001/usage?group_by=planet", "")
	tr.admin(404, "GET", "/admin/v1/accounts/"+none+"/usage", "")
	tr.admin(200, "GET", "/admin/v1/usage?group_by=account&top=5", "")
	tr.admin(400, "GET", "/admin/v1/usage?top=0", "")
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/statements/2026-11", "")
	tr.admin(200, "GET", "/admin/v1/accounts/prim0001/statements/2026-11", "", "Accept", "text/csv")
	tr.admin(400, "GET", "/admin/v1/accounts/prim0001/statements/november", "")
	tr.admin(404, "GET", "/admin/v1/accounts/"+none+"/statements/2026-11", "")
}

func (tr tour) platformTour(none string) {
	t := tr.t
	tr.call(200, req{path: "/openapi/platform.json"})
	tr.platform(200, "POST", "/platform/v1/rate", `{"account":"abcd1234","type":"sms","to":"447700900123"}`)
	tr.platform(400, "POST", "/platform/v1/rate", `{"account":"abcd1234","type":"sms","to":"x"}`)
	charge := `{"account":"abcd1234","type":"sms","to":"+44 7700 900123","units":2,"reference":"msg-1"}`
	id := field(t, tr.platform(201, "POST", "/platform/v1/charges", charge, "Idempotency-Key", "c1"), "id")
	tr.platform(200, "POST", "/platform/v1/charges", charge, "Idempotency-Key", "c1")
	tr.platform(400, "POST", "/platform/v1/charges", charge)
	tr.platform(201, "POST", "/platform/v1/charges/"+id+"/refund", `{"amount":"0.01"}`, "Idempotency-Key", "r1")
	tr.platform(200, "POST", "/platform/v1/charges/"+id+"/refund", `{"amount":"0.01"}`, "Idempotency-Key", "r1")
	tr.platform(404, "POST", "/platform/v1/charges/999999/refund", "", "Idempotency-Key", "r2")
	hold := field(t, tr.platform(201, "POST", "/platform/v1/holds", `{"account":"abcd1234","amount":"1.00","ttl_seconds":600}`, "Idempotency-Key", "h1"), "id")
	tr.platform(200, "POST", "/platform/v1/holds", `{"account":"abcd1234","amount":"1.00","ttl_seconds":600}`, "Idempotency-Key", "h1")
	tr.platform(402, "POST", "/platform/v1/holds", `{"account":"abcd1234","amount":"100000"}`, "Idempotency-Key", "h2")
	tr.platform(200, "GET", "/platform/v1/holds/"+hold, "")
	tr.platform(404, "GET", "/platform/v1/holds/hld_000000000000000000000000", "")
	tr.platform(200, "POST", "/platform/v1/holds/"+hold+"/capture", `{"amount":"0.30"}`)
	tr.platform(200, "POST", "/platform/v1/holds/"+hold+"/capture", `{"amount":"0.30"}`)
	tr.platform(409, "POST", "/platform/v1/holds/"+hold+"/capture", `{"amount":"0.20"}`)
	hold2 := field(t, tr.platform(201, "POST", "/platform/v1/holds", `{"account":"abcd1234","type":"voice","to":"447700900123","units":3}`, "Idempotency-Key", "h3"), "id")
	tr.platform(200, "POST", "/platform/v1/holds/"+hold2+"/release", "")
	tr.platform(200, "POST", "/platform/v1/holds/"+hold2+"/release", `{}`)
	tr.platform(409, "POST", "/platform/v1/holds/"+hold+"/release", "")
	tr.call(401, req{method: "POST", path: "/platform/v1/rate", header: map[string]string{"Authorization": "Bearer " + testAdminToken}})
	tr.platform(404, "POST", "/platform/v1/charges", `{"account":"`+none+`","type":"sms","to":"447700900123","units":1}`, "Idempotency-Key", "c2")
}

func (tr tour) publicTour(none string) {
	t := tr.t
	bad := [2]string{testKey, "Wrong1234"}
	tr.call(200, req{path: "/openapi/public.json"})
	tr.call(200, req{path: "/account/get-balance"})
	tr.call(200, req{path: "/account/get-balance/", header: map[string]string{"Accept": "application/xml"}})
	tr.call(401, req{path: "/account/get-balance", basic: bad})
	tr.call(200, req{path: "/account/get-balance/" + testKey + "/" + testSecret, header: map[string]string{"Authorization": "none"}})
	tr.call(401, req{path: "/account/get-balance/" + testKey + "/Wrong1234", header: map[string]string{"Authorization": "none"}})
	tr.call(200, req{method: "POST", path: "/account/settings", body: "moCallBackUrl=https://example.com/mo&httpForwardMethod=POST_JSON"})
	tr.call(200, req{method: "POST", path: "/account/settings"})
	tr.call(400, req{method: "POST", path: "/account/settings", body: "drCallBackUrl=notaurl"})
	tr.call(200, req{path: "/account/top-up?trx=" + testTrx})
	tr.call(400, req{path: "/account/top-up"})
	tr.call(200, req{method: "POST", path: "/account/top-up", body: `{"trx":"` + testTrx + `"}`})
	tr.call(401, req{method: "POST", path: "/account/top-up", body: "trx=other"})
	for _, typ := range []string{"sms", "voice", "sms-transit"} {
		tr.call(200, req{path: "/account/get-pricing/outbound/" + typ + "?country=GB"})
		tr.call(200, req{path: "/account/get-full-pricing/outbound/" + typ})
		tr.call(200, req{path: "/account/get-prefix-pricing/outbound/" + typ + "?prefix=44"})
	}
	tr.call(200, req{path: "/account/get-pricing/outbound/sms?country=XK"})
	tr.call(200, req{path: "/account/get-pricing/outbound/sms?country=gb", header: map[string]string{"Accept": "application/xml"}})
	tr.call(200, req{path: "/account/get-full-pricing/outbound/sms", raw: true, header: map[string]string{"Accept-Encoding": "gzip"}})
	tr.call(400, req{path: "/account/get-pricing/outbound/sms"})
	tr.call(404, req{path: "/account/get-pricing/outbound/fax?country=GB"})
	tr.call(401, req{path: "/account/get-full-pricing/outbound/sms", basic: bad})
	tr.call(400, req{path: "/account/get-prefix-pricing/outbound/sms"})
	tr.call(200, req{path: "/account/get-prefix-pricing/outbound?prefix=1"})
	tr.call(200, req{path: "/account/get-prefix-pricing/outbound?prefix=1&page_index=2"})
	tr.call(400, req{path: "/account/get-prefix-pricing/outbound"})

	secrets := "/accounts/" + testKey + "/secrets"
	tr.call(200, req{path: secrets})
	tr.call(401, req{path: secrets, basic: bad})
	sid := field(t, tr.call(201, req{method: "POST", path: secrets, body: `{"secret":"Another2secret"}`}), "id")
	tr.call(403, req{method: "POST", path: secrets, body: `{"secret":"Third3secret"}`})
	tr.call(200, req{path: secrets + "/" + sid})
	tr.call(404, req{path: secrets + "/ad6dc56f-07b5-46e1-a527-85530e625800"})
	tr.call(204, req{method: "DELETE", path: secrets + "/" + sid})
	tr.call(404, req{method: "DELETE", path: secrets + "/" + sid})
	tr.call(400, req{method: "POST", path: secrets, body: `{"secret":"weak"}`})

	subs := "/accounts/" + testKey + "/subaccounts"
	sub := field(t, tr.call(200, req{method: "POST", path: subs, body: `{"name":"shop 2","secret":"Shop2secret9","use_primary_account_balance":false}`}), "api_key")
	tr.call(200, req{method: "POST", path: subs, body: `{"name":"shop 1"}`})
	tr.call(422, req{method: "POST", path: subs, body: `{"name":""}`})
	tr.call(200, req{path: subs})
	tr.call(200, req{path: "/" + subs + "/"})
	tr.call(401, req{path: subs, basic: bad})
	tr.call(200, req{path: subs + "/" + sub})
	tr.call(404, req{path: subs + "/" + none})
	tr.call(200, req{method: "PATCH", path: subs + "/" + sub, body: `{"suspended":true,"name":"shop 2 (paused)"}`})
	tr.call(200, req{method: "PATCH", path: subs + "/" + sub, body: `{"suspended":false}`})
	tr.call(422, req{method: "PATCH", path: subs + "/" + sub, body: `{"suspended":"maybe"}`})
	tr.call(200, req{method: "PUT", path: subs + "/" + sub + "/spend-controls", body: `{"daily_cap":"100.00","low_balance_threshold":"1"}`})
	tr.call(200, req{path: subs + "/" + sub + "/spend-controls"})
	tr.call(404, req{path: subs + "/" + none + "/spend-controls"})
	tr.call(422, req{method: "PUT", path: subs + "/" + sub + "/spend-controls", body: `{"daily_cap":"x"}`})
	tr.admin(200, "PUT", "/admin/v1/accounts/"+testKey+"/credit-limit", `{"credit_limit":"-50.00"}`)
	for _, kind := range []string{"balance", "credit"} {
		path := "/accounts/" + testKey + "/" + kind + "-transfers"
		body := `{"from":"` + testKey + `","to":"` + sub + `","amount":1.5,"reference":"november"}`
		tr.call(200, req{method: "POST", path: path, body: body, header: map[string]string{"Idempotency-Key": "fund-" + kind}})
		tr.call(200, req{method: "POST", path: path, body: body, header: map[string]string{"Idempotency-Key": "fund-" + kind}})
		tr.call(422, req{method: "POST", path: path, body: `{"from":"` + testKey + `","to":"` + testKey + `","amount":1}`})
		tr.call(200, req{path: path + "?start_date=2000-01-01&subaccount=" + sub})
		tr.call(422, req{path: path + "?start_date=yesterday"})
	}
	tr.call(403, req{method: "POST", path: "/accounts/" + testKey + "/transfer-number", body: `{"from":"` + testKey + `","to":"` + sub + `","number":"447700900001","country":"GB"}`})
	tr.call(422, req{method: "POST", path: "/accounts/" + testKey + "/transfer-number", body: `{}`})
}
