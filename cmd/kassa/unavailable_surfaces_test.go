package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/internal/testkit"
)

// The credentials of the unavailability test's server.
const (
	downKey     = "down0001"
	downSecret  = "Down0001Secret"
	downAdmin   = "admin-token-of-the-unavailability-test"
	downService = "service-token-of-the-unavailability-test"
)

// surfaceCall is one request and the error shape its surface must answer
// with when the database is down.
type surfaceCall struct {
	name, method, path string
	header             map[string]string
	body               string
	client             *http.Client // nil: http.DefaultClient
	shape              *regexp.Regexp
	cached             bool // may answer 200 from memory (the pricing snapshot)
}

var (
	legacyShape   = regexp.MustCompile(`^\{"error-code":"503","error-code-label":"[^"]*unavailable[^"]*"\}`)
	secretsShape  = regexp.MustCompile(`"type":"https://developer\.nexmo\.com/api-errors#unavailable"`)
	problemShape  = regexp.MustCompile(`"type":"https://kassa\.dev/problems/unavailable","title":"Service unavailable","status":503`)
	dashboardPage = regexp.MustCompile(`(?s)<html.*The service is unavailable right now`)
)

// TestDatabaseDownIs503OnEverySurface: with PostgreSQL refusing
// connections (a throw-away database of the test's own with
// ALLOW_CONNECTIONS false and its sessions ended: SQLSTATE 55000 and
// 57P01), every surface of a real kassa serve answers 503 in its own
// shape, never 500: the public API (legacy body), the secrets API and the
// admin and platform APIs (problem bodies), and the dashboard (its error
// page, for account holders and operators, at sign-in too). When the
// database takes connections again, so does kassa (#22).
func TestDatabaseDownIs503OnEverySurface(t *testing.T) {
	d := testkit.ThrowawayDatabase(t)
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--store", d.URL,
		"--demo-key", downKey, "--demo-secret", downSecret, "--admin-token", downAdmin, "--service-token", downService,
		"--reload-gateway", "ledger-only", "--rate-limits", "off")
	defer stop()
	holder := signIn(t, base, url.Values{"role": {"account"}, "api_key": {downKey}, "api_secret": {downSecret}})
	operator := signIn(t, base, url.Values{"role": {"operator"}, "admin_token": {downAdmin}})
	holderCSRF, operatorCSRF := csrfOf(t, holder, base+"/ui/secrets"), csrfOf(t, operator, base+"/ui/operator/accounts")

	d.RefuseConnections(t)

	basic := map[string]string{"Authorization": "Basic " + basicAuth(downKey, downSecret)}
	admin := map[string]string{"Authorization": "Bearer " + downAdmin, "Idempotency-Key": "k-1"}
	platform := map[string]string{"Authorization": "Bearer " + downService, "Idempotency-Key": "k-2"}
	form := map[string]string{"Origin": base, "Content-Type": "application/x-www-form-urlencoded"}
	calls := []surfaceCall{
		{name: "get-balance", method: "GET", path: "/account/get-balance", header: basic, shape: legacyShape},
		{name: "get-balance, query credentials", method: "GET", path: "/account/get-balance?api_key=" + downKey + "&api_secret=" + downSecret, shape: legacyShape},
		{name: "settings", method: "POST", path: "/account/settings", header: basic, shape: legacyShape},
		{name: "top-up", method: "POST", path: "/account/top-up?trx=demo-trx", header: basic, shape: legacyShape},
		{name: "pricing", method: "GET", path: "/account/get-pricing/outbound/sms?country=GB", header: basic, shape: legacyShape, cached: true},
		{name: "secrets list", method: "GET", path: "/accounts/" + downKey + "/secrets", header: basic, shape: secretsShape},
		{name: "secret create", method: "POST", path: "/accounts/" + downKey + "/secrets", header: basic, body: `{"secret":"Another123"}`, shape: secretsShape},
		{name: "admin account", method: "GET", path: "/admin/v1/accounts/" + downKey, header: admin, shape: problemShape},
		{name: "admin accounts", method: "GET", path: "/admin/v1/accounts", header: admin, shape: problemShape},
		{name: "admin create account", method: "POST", path: "/admin/v1/accounts", header: admin, body: `{"credit":"1"}`, shape: problemShape},
		{name: "admin entries", method: "GET", path: "/admin/v1/accounts/" + downKey + "/entries", header: admin, shape: problemShape},
		{name: "admin credit", method: "POST", path: "/admin/v1/accounts/" + downKey + "/credits", header: admin, body: `{"amount":"1","reason":"gift"}`, shape: problemShape},
		{name: "admin audit", method: "GET", path: "/admin/v1/audit", header: admin, shape: problemShape},
		{name: "admin price books", method: "GET", path: "/admin/v1/pricebooks", header: admin, shape: problemShape},
		{name: "admin verify", method: "GET", path: "/admin/v1/verify", header: admin, shape: problemShape},
		{name: "platform rate", method: "POST", path: "/platform/v1/rate", header: platform, body: `{"account":"` + downKey + `","type":"sms","to":"447700900123"}`, shape: problemShape},
		{name: "platform charge", method: "POST", path: "/platform/v1/charges", header: platform, body: `{"account":"` + downKey + `","type":"sms","to":"447700900123","units":1}`, shape: problemShape},
		{name: "platform hold", method: "POST", path: "/platform/v1/holds", header: platform, body: `{"account":"` + downKey + `","amount":"1"}`, shape: problemShape},
		{name: "dashboard overview", method: "GET", path: "/ui/account", client: holder, shape: dashboardPage},
		{name: "dashboard secrets", method: "GET", path: "/ui/secrets", client: holder, shape: dashboardPage},
		{name: "dashboard settings", method: "GET", path: "/ui/settings", client: holder, shape: dashboardPage},
		{name: "dashboard create secret", method: "POST", path: "/ui/secrets", client: holder, header: form, body: url.Values{"csrf": {holderCSRF}, "secret": {"Another123"}}.Encode(), shape: dashboardPage},
		{name: "dashboard accounts", method: "GET", path: "/ui/operator/accounts", client: operator, shape: dashboardPage},
		{name: "dashboard account", method: "GET", path: "/ui/operator/accounts/" + downKey, client: operator, shape: dashboardPage},
		{name: "dashboard price books", method: "GET", path: "/ui/operator/price-books", client: operator, shape: dashboardPage},
		{name: "dashboard posting", method: "POST", path: "/ui/operator/accounts/" + downKey + "/postings", client: operator, header: form,
			body: url.Values{"csrf": {operatorCSRF}, "kind": {"credit"}, "amount": {"1"}, "reason": {"gift"}}.Encode(), shape: dashboardPage},
	}
	for _, c := range calls {
		status, body := send(t, base, c)
		switch {
		case c.cached && status == http.StatusOK:
		case status != http.StatusServiceUnavailable || !c.shape.MatchString(body):
			t.Errorf("%s (%s %s) with the database down: %d %.300s; want 503 in the surface's shape", c.name, c.method, c.path, status, body)
		}
	}
	// Signing in to the dashboard needs the database too.
	status, body := signInPost(t, base, url.Values{"role": {"account"}, "api_key": {downKey}, "api_secret": {downSecret}})
	if status != http.StatusServiceUnavailable || !dashboardPage.MatchString(body) {
		t.Errorf("dashboard sign-in with the database down: %d %.300s", status, body)
	}

	d.AllowConnections(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, body := send(t, base, calls[0])
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("get-balance after the database came back: %d %s", status, body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// send makes one call and returns the status and the body.
func send(t *testing.T, base string, c surfaceCall) (int, string) {
	t.Helper()
	req, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	cl := c.client
	if cl == nil {
		cl = http.DefaultClient
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// newBrowser is an HTTP client with a cookie jar that does not follow
// redirects.
func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// csrfOf reads the CSRF token of a dashboard page.
func csrfOf(t *testing.T, cl *http.Client, page string) string {
	t.Helper()
	resp, err := cl.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(b)
	if m == nil {
		t.Fatalf("no CSRF token in %s (%d)", page, resp.StatusCode)
	}
	return string(m[1])
}

// signIn signs in to the dashboard and returns the signed-in browser.
func signIn(t *testing.T, base string, form url.Values) *http.Client {
	t.Helper()
	cl := newBrowser()
	status, body := postSignIn(t, cl, base, form)
	if status != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: %d %.300s", form.Get("role"), status, body)
	}
	return cl
}

// signInPost tries a sign-in from a fresh browser.
func signInPost(t *testing.T, base string, form url.Values) (int, string) {
	t.Helper()
	return postSignIn(t, newBrowser(), base, form)
}

func postSignIn(t *testing.T, cl *http.Client, base string, form url.Values) (int, string) {
	t.Helper()
	form.Set("csrf", csrfOf(t, cl, base+"/ui/signin"))
	req, _ := http.NewRequest("POST", base+"/ui/signin", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// basicAuth is the credentials part of a Basic Authorization header.
func basicAuth(user, pass string) string {
	return base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
}
