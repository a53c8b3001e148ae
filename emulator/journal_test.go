package emulator_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/emulator"
	"github.com/kassa-dev/kassa/kassatest"
)

// journalAnswer is GET /_emulator/requests.
type journalAnswer struct {
	Count    int                `json:"count"`
	Requests []emulator.Request `json:"requests"`
}

// TestJournalRecordsWhatWasSent: every credentials style is recognised; the
// path, query, body and headers are recorded as sent with every credential
// replaced by REDACTED (and nowhere else in the journal); a refusal's body
// is kept; the filters and DELETE work.
func TestJournalRecordsWhatWasSent(t *testing.T) {
	const key, secret, newSecret = "jour0001", "Jour0001Secret", "Fresh9876Secret"
	srv := kassatest.New(t, kassatest.WithAccount(key, secret, "3.00"))
	u := srv.URL
	before := srv.Now()

	call(t, "GET", u+"/account/get-balance", "", basic(key, secret))
	call(t, "GET", u+"/account/get-balance?api_key="+key+"&api_secret="+secret, "", nil)
	call(t, "POST", u+"/account/settings", "api_key="+key+"&api_secret="+secret+"&drCallBackUrl=", map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	call(t, "GET", u+"/account/get-balance/"+key+"/"+secret, "", nil)
	call(t, "GET", u+"/admin/v1/accounts?limit=1", "", map[string]string{"Authorization": "Bearer " + srv.AdminToken})
	jsonBody := "{ \"secret\" : \"" + newSecret + "\" }"
	call(t, "POST", u+"/accounts/"+key+"/secrets", jsonBody, mergeHeaders(basic(key, secret), map[string]string{"Content-Type": "application/json"}))
	call(t, "GET", u+"/account/get-balance", "", basic(key, "Wrong0000Secret"))

	status, _, raw := call(t, "GET", u+"/_emulator/requests", "", nil)
	if status != 200 {
		t.Fatalf("journal: %d %s", status, raw)
	}
	for _, s := range []string{secret, newSecret, "Wrong0000Secret", srv.AdminToken, url.QueryEscape(secret)} {
		if strings.Contains(raw, s) {
			t.Errorf("the journal shows a credential %q:\n%s", s, raw)
		}
	}
	j := decode[journalAnswer](t, raw)
	if j.Count != 7 {
		t.Fatalf("journal holds %d requests, want 7: %s", j.Count, raw)
	}
	want := []struct {
		method, path, query, body, creds string
		status                           int
	}{
		{"GET", "/account/get-balance", "", "", "basic", 200},
		{"GET", "/account/get-balance", "api_key=" + key + "&api_secret=REDACTED", "", "query", 200},
		{"POST", "/account/settings", "", "api_key=" + key + "&api_secret=REDACTED&drCallBackUrl=", "body", 200},
		{"GET", "/account/get-balance/" + key + "/REDACTED", "", "", "path", 200},
		{"GET", "/admin/v1/accounts", "limit=1", "", "bearer", 200},
		{"POST", "/accounts/" + key + "/secrets", "", `{ "secret" : "REDACTED" }`, "basic", 201},
		{"GET", "/account/get-balance", "", "", "basic", 401},
	}
	for i, w := range want {
		r := j.Requests[i]
		if r.Method != w.method || r.Path != w.path || r.Query != w.query || r.Body != w.body || r.Credentials != w.creds || r.Status != w.status {
			t.Errorf("request %d = %s %s ?%s body %q creds %s status %d\nwant %s %s ?%s body %q creds %s status %d",
				i+1, r.Method, r.Path, r.Query, r.Body, r.Credentials, r.Status, w.method, w.path, w.query, w.body, w.creds, w.status)
		}
		if w.creds != "bearer" && r.APIKey != key {
			t.Errorf("request %d names api key %q, want %s", i+1, r.APIKey, key)
		}
		if r.Time.Before(before) {
			t.Errorf("request %d at %s, before the test began (%s)", i+1, r.Time, before)
		}
	}
	if h := j.Requests[0].Headers["Authorization"]; h != "Basic REDACTED" {
		t.Errorf("the Authorization header is recorded as %q", h)
	}
	if eb := j.Requests[6].ErrorBody; !strings.Contains(eb, `"error-code":"401"`) {
		t.Errorf("the refusal's body is recorded as %q", eb)
	}
	if j.Requests[0].ErrorBody != "" {
		t.Errorf("a success's body is recorded: %q", j.Requests[0].ErrorBody)
	}

	// Filters.
	_, _, raw = call(t, "GET", u+"/_emulator/requests?method=get&path=/account/get-balance", "", nil)
	if got := decode[journalAnswer](t, raw).Count; got != 3 {
		t.Errorf("GET /account/get-balance: %d requests, want 3", got)
	}
	_, _, raw = call(t, "GET", u+"/_emulator/requests?path=/account/*", "", nil)
	if got := decode[journalAnswer](t, raw).Count; got != 5 {
		t.Errorf("/account/*: %d requests, want 5", got)
	}
	srv.Advance(time.Hour)
	since := srv.Now().UTC().Format(time.RFC3339Nano)
	call(t, "GET", u+"/account/get-balance", "", basic(key, secret))
	_, _, raw = call(t, "GET", u+"/_emulator/requests?since="+url.QueryEscape(since), "", nil)
	if got := decode[journalAnswer](t, raw).Count; got != 1 {
		t.Errorf("since %s: %d requests, want 1", since, got)
	}
	if got := srv.JournalFor("GET", "/account/get-balance"); len(got) != 4 {
		t.Errorf("JournalFor: %d requests, want 4", len(got))
	}
	if status, _, _ := call(t, "GET", u+"/_emulator/requests?since=yesterday", "", nil); status != 400 {
		t.Errorf("a bad since: %d, want 400", status)
	}
	if status, _, _ := call(t, "DELETE", u+"/_emulator/requests", "", nil); status != 204 {
		t.Errorf("DELETE the journal: %d", status)
	}
	if n := len(srv.Journal()); n != 0 {
		t.Errorf("%d requests after DELETE", n)
	}
}

// mergeHeaders joins header maps.
func mergeHeaders(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}
