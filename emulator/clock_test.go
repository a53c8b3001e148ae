package emulator_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/kassatest"
)

// clockAnswer is POST /_emulator/clock's answer.
type clockAnswer struct {
	Now    time.Time `json:"now"`
	Offset string    `json:"offset"`
	Jobs   *struct {
		HoldsExpired int `json:"holds_expired"`
	} `json:"jobs"`
}

// TestClockExpiresHold: a hold of an hour is open; moving the clock two
// hours forward expires it at once, its amount back on the balance.
func TestClockExpiresHold(t *testing.T) {
	const key, secret = "hold0001", "Hold0001Secret"
	srv := kassatest.New(t, kassatest.WithAccount(key, secret, "10.00"))
	platform := map[string]string{"Authorization": "Bearer " + srv.ServiceToken, "Idempotency-Key": "hold-1"}
	status, _, body := call(t, "POST", srv.URL+"/platform/v1/holds", `{"account":"`+key+`","amount":"4.00","ttl_seconds":3600}`, platform)
	if status != 201 || !strings.Contains(body, `"state":"open"`) {
		t.Fatalf("hold: %d %s", status, body)
	}
	id := decode[struct {
		ID string `json:"id"`
	}](t, body).ID
	if got := balanceOf(t, srv, key, secret); got != "6.00" {
		t.Fatalf("balance with the hold open = %s, want 6.00", got)
	}

	status, _, body = call(t, "POST", srv.URL+"/_emulator/clock", `{"advance":"2h"}`, nil)
	if status != 200 {
		t.Fatalf("advance: %d %s", status, body)
	}
	c := decode[clockAnswer](t, body)
	if c.Offset != "2h0m0s" || c.Jobs == nil || c.Jobs.HoldsExpired != 1 {
		t.Errorf("advance answered %s", body)
	}
	_, _, body = call(t, "GET", srv.URL+"/platform/v1/holds/"+id, "", map[string]string{"Authorization": "Bearer " + srv.ServiceToken})
	if !strings.Contains(body, `"state":"expired"`) {
		t.Errorf("hold after two hours: %s", body)
	}
	if got := balanceOf(t, srv, key, secret); got != "10.00" {
		t.Errorf("balance after the hold expired = %s, want 10.00", got)
	}
	_, _, body = call(t, "GET", srv.URL+"/_emulator/clock", "", nil)
	if g := decode[clockAnswer](t, body); g.Offset != "2h0m0s" || g.Now.Sub(time.Now()) < 119*time.Minute {
		t.Errorf("GET clock: %s", body)
	}
}

// TestClockTriggersScheduledReload: an account whose daily reload cap is
// used up stays below its threshold; moving the clock into the next day
// reloads it at once.
func TestClockTriggersScheduledReload(t *testing.T) {
	const key, secret = "rld00001", "Rld00001Secret"
	srv := kassatest.New(t, kassatest.WithAccounts(kassatest.Account{
		APIKey: key, Secrets: []string{secret}, Balance: "30.00",
		AutoReload: &kassatest.AutoReload{Trx: "rld-trx", Amount: "50.00", Threshold: "20.00", DailyCap: 1},
	}))
	auth := basic(key, secret)
	if status, _, body := call(t, "POST", srv.URL+"/account/top-up", "trx=rld-trx", auth); status != 200 {
		t.Fatalf("top-up: %d %s", status, body)
	}
	admin := map[string]string{"Authorization": "Bearer " + srv.AdminToken, "Idempotency-Key": "use-70"}
	if status, _, body := call(t, "POST", srv.URL+"/admin/v1/accounts/"+key+"/debits", `{"amount":"70","reason":"usage"}`, admin); status != 201 {
		t.Fatalf("debit: %d %s", status, body)
	}
	srv.Advance(0) // the scheduler runs now: the day's cap (one top-up) is used
	if got := balanceOf(t, srv, key, secret); got != "10.00" {
		t.Fatalf("balance below the threshold with the cap used = %s, want 10.00 (no reload today)", got)
	}
	if status, _, body := call(t, "POST", srv.URL+"/_emulator/clock", `{"advance":"25h"}`, nil); status != 200 {
		t.Fatalf("advance: %d %s", status, body)
	}
	if got := balanceOf(t, srv, key, secret); got != "60.00" {
		t.Errorf("balance the day after = %s, want 60.00 (reloaded by 50.00)", got)
	}
	reload, _, body := call(t, "GET", srv.URL+"/admin/v1/accounts/"+key+"/entries?limit=10", "", map[string]string{"Authorization": "Bearer " + srv.AdminToken})
	if reload != 200 || strings.Count(body, `"kind":"reload"`) != 1 {
		t.Errorf("ledger entries: %d %s, want one reload", reload, body)
	}
}

// TestClockRefusals: the clock does not go back, and says how to move it.
func TestClockRefusals(t *testing.T) {
	srv := kassatest.New(t)
	for _, body := range []string{`{"advance":"-1h"}`, `{"advance":"soon"}`, `{"to":"2001-01-01T00:00:00Z"}`, `{}`, `{"advance":"1h","to":"2099-01-01T00:00:00Z"}`, `{"advance":"100000h"}`} {
		if status, _, answer := call(t, "POST", srv.URL+"/_emulator/clock", body, nil); status != 400 {
			t.Errorf("clock %s: %d %s, want 400", body, status, answer)
		}
	}
	if off := srv.Emulator().Clock().Offset(); off != 0 {
		t.Errorf("refused moves moved the clock %s", off)
	}
	status, _, body := call(t, "POST", srv.URL+"/_emulator/clock", `{"to":"`+time.Now().Add(48*time.Hour).UTC().Format(time.RFC3339)+`"}`, nil)
	if status != 200 || srv.Emulator().Clock().Offset() < 47*time.Hour {
		t.Errorf("clock to a time: %d %s", status, body)
	}
}
