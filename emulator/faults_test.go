package emulator_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/emulator"
	"github.com/kassa-dev/kassa/kassatest"
)

// addFault posts a fault and returns its id.
func addFault(t *testing.T, srv *kassatest.Server, body string) int64 {
	t.Helper()
	status, _, answer := call(t, "POST", srv.URL+"/_emulator/faults", body, nil)
	if status != 201 {
		t.Fatalf("add fault %s: %d %s", body, status, answer)
	}
	return decode[emulator.Fault](t, answer).ID
}

// TestFaultsFireTheGivenNumberOfTimes: each kind of fault (a status with a
// body, kassa's own 429 and 420, a dropped connection, a delay) applies to
// the next matching requests as many times as asked, then stops; requests
// that do not match are served normally.
func TestFaultsFireTheGivenNumberOfTimes(t *testing.T) {
	const key, secret = "flt00001", "Flt00001Secret"
	srv := kassatest.New(t, kassatest.WithAccounts(kassatest.Account{
		APIKey: key, Secrets: []string{secret}, Balance: "30.00",
		AutoReload: &kassatest.AutoReload{Trx: "flt-trx", Threshold: "1"},
	}))
	u, auth := srv.URL, basic(key, secret)

	t.Run("status", func(t *testing.T) {
		id := addFault(t, srv, `{"method":"GET","path":"/account/get-balance","status":500,"body":{"error-code":"500","error-code-label":"boom"},"times":2}`)
		if status, _, _ := call(t, "POST", u+"/account/settings", "", auth); status != 200 {
			t.Errorf("another path: %d, want it served", status)
		}
		for i := range 2 {
			status, h, body := call(t, "GET", u+"/account/get-balance", "", auth)
			if status != 500 || body != `{"error-code":"500","error-code-label":"boom"}` || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Errorf("faulted request %d: %d %q %s", i+1, status, body, h.Get("Content-Type"))
			}
		}
		if status, _, body := call(t, "GET", u+"/account/get-balance", "", auth); status != 200 {
			t.Errorf("after the fault's 2 times: %d %s, want 200", status, body)
		}
		reqs := srv.JournalFor("GET", "/account/get-balance")
		if len(reqs) != 3 || reqs[0].Fault != id || reqs[1].Fault != id || reqs[2].Fault != 0 || reqs[0].ErrorBody == "" {
			t.Errorf("journal of the faulted requests: %+v", reqs)
		}
		f := srv.Emulator().Faults().List()[0]
		if f.Fired != 2 || f.Times != 2 {
			t.Errorf("the fault's count: fired %d of %d", f.Fired, f.Times)
		}
	})

	t.Run("rate limited", func(t *testing.T) {
		addFault(t, srv, `{"path":"/account/*","error":"rate_limited","times":1}`)
		status, h, body := call(t, "GET", u+"/account/get-pricing/outbound/sms?country=GB", "", auth)
		if status != 429 || h.Get("Retry-After") != "1" || !strings.Contains(body, `"error-code":"429"`) {
			t.Errorf("legacy 429: %d Retry-After %q %s", status, h.Get("Retry-After"), body)
		}
		addFault(t, srv, `{"path":"/accounts/`+key+`/secrets","error":"rate_limited"}`)
		status, h, body = call(t, "GET", u+"/accounts/"+key+"/secrets", "", auth)
		if status != 429 || !strings.Contains(h.Get("Content-Type"), "json") || !strings.Contains(body, `"title"`) {
			t.Errorf("secrets API 429: %d %s %s", status, h.Get("Content-Type"), body)
		}
		if status, _, _ := call(t, "GET", u+"/accounts/"+key+"/secrets", "", auth); status != 200 {
			t.Errorf("after the 429: %d", status)
		}
	})

	t.Run("declined top-up", func(t *testing.T) {
		addFault(t, srv, `{"method":"POST","path":"/account/top-up","error":"payment_declined","message":"card expired","times":1}`)
		status, _, body := call(t, "POST", u+"/account/top-up", "trx=flt-trx", auth)
		if status != 420 || strings.TrimSpace(body) != `{"error-code":"420","error-code-label":"topup failed: card expired"}` {
			t.Errorf("declined top-up: %d %s", status, body)
		}
		if got := balanceOf(t, srv, key, secret); got != "30.00" {
			t.Errorf("balance after the declined top-up = %s, want 30.00", got)
		}
		if status, _, body := call(t, "POST", u+"/account/top-up", "trx=flt-trx", auth); status != 200 {
			t.Errorf("the next top-up: %d %s", status, body)
		}
	})

	t.Run("drop", func(t *testing.T) {
		addFault(t, srv, `{"path":"/account/get-balance","drop":true,"times":2}`)
		// A fresh connection per request: net/http retries a GET whose
		// reused connection closes, which would use up both drops at once.
		fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
		for i := range 2 {
			req, _ := http.NewRequest("GET", u+"/account/get-balance", nil)
			req.SetBasicAuth(key, secret)
			resp, err := fresh.Do(req)
			if err == nil {
				resp.Body.Close()
				t.Errorf("dropped request %d answered %d", i+1, resp.StatusCode)
			}
		}
		if status, _, _ := call(t, "GET", u+"/account/get-balance", "", auth); status != 200 {
			t.Errorf("after the drops: %d", status)
		}
		reqs := srv.JournalFor("GET", "/account/get-balance")
		if n := len(reqs); n < 3 || !reqs[n-3].Dropped || !reqs[n-2].Dropped || reqs[n-1].Dropped {
			t.Errorf("journal of the drops: %+v", reqs[max(0, n-3):])
		}
	})

	t.Run("delay", func(t *testing.T) {
		addFault(t, srv, `{"path":"/account/settings","delay_ms":60,"times":1}`)
		if status, _, _ := call(t, "POST", u+"/account/settings", "", auth); status != 200 {
			t.Errorf("delayed request: %d, want served", status)
		}
		call(t, "POST", u+"/account/settings", "", auth)
		reqs := srv.JournalFor("POST", "/account/settings")
		n := len(reqs)
		if reqs[n-2].DurationMS < 60 || reqs[n-2].Fault == 0 || reqs[n-1].Fault != 0 {
			t.Errorf("delayed request took %.1f ms (fault %d), the next fault %d; want at least 60 ms, then none",
				reqs[n-2].DurationMS, reqs[n-2].Fault, reqs[n-1].Fault)
		}
	})

	t.Run("list and delete", func(t *testing.T) {
		id := addFault(t, srv, `{"path":"/x","status":404,"times":5}`)
		_, _, body := call(t, "GET", u+"/_emulator/faults", "", nil)
		if !strings.Contains(body, `"id":`+strconv.FormatInt(id, 10)) || !strings.Contains(body, `"fired":2`) {
			t.Errorf("fault list: %s", body)
		}
		if status, _, _ := call(t, "DELETE", u+"/_emulator/faults/"+strconv.FormatInt(id, 10), "", nil); status != 204 {
			t.Errorf("delete fault: %d", status)
		}
		if status, _, _ := call(t, "DELETE", u+"/_emulator/faults/"+strconv.FormatInt(id, 10), "", nil); status != 404 {
			t.Errorf("delete it again: %d, want 404", status)
		}
		if status, _, _ := call(t, "DELETE", u+"/_emulator/faults", "", nil); status != 204 || len(srv.Emulator().Faults().List()) != 0 {
			t.Errorf("clear faults: %d", status)
		}
	})
}

// TestFaultsRefused: faults that make no sense are refused with a 400
// saying why, and none is added.
func TestFaultsRefused(t *testing.T) {
	srv := kassatest.New(t)
	for _, body := range []string{
		`{"path":"/account/get-balance"}`,                            // does nothing
		`{"path":"account/get-balance","status":500}`,                // no leading slash
		`{"path":"/_emulator/reset","status":500}`,                   // the control API
		`{"path":"/account/get-balance","status":500,"drop":true}`,   // two kinds
		`{"path":"/account/get-balance","status":99}`,                // no such status
		`{"path":"/account/get-balance","error":"teapot"}`,           // no such error
		`{"path":"/ui/","error":"rate_limited"}`,                     // not an API path
		`{"path":"/account/get-balance","delay_ms":600000}`,          // too long
		`{"path":"/account/get-balance","status":500,"times":-1}`,    // negative
		`{"path":"/account/get-balance","status":500,"colour":1}`,    // unknown field
		`{"path":"/a*b","status":500}`,                               // '*' inside
		`{"path":"/x","status":500,"headers":{"X-A":"1\r\nX-B: 2"}}`, // header injection
		`not json`,
	} {
		status, _, answer := call(t, "POST", srv.URL+"/_emulator/faults", body, nil)
		if status != 400 || !strings.Contains(answer, "detail") {
			t.Errorf("fault %s: %d %s, want 400", body, status, answer)
		}
	}
	if n := len(srv.Emulator().Faults().List()); n != 0 {
		t.Errorf("%d faults added by refused requests", n)
	}
}
