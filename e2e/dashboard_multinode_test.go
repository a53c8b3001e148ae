package e2e

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// mnDashboard is a browser (a cookie jar, no redirects followed) that may
// talk to any node, as through a round-robin load balancer.
type mnDashboard struct {
	tb     testing.TB
	client *http.Client
}

func newMNDashboard(tb testing.TB) *mnDashboard {
	jar, _ := cookiejar.New(nil) // cookies are not scoped by port: every node on 127.0.0.1 gets them
	return &mnDashboard{tb: tb, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var mnCSRFPattern = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// do sends a GET (form nil) or a form POST to a node and returns the
// status, the Location header and the body.
func (d *mnDashboard) do(n *mnNode, path string, form url.Values) (int, string, string) {
	d.tb.Helper()
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, n.base+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := d.client.Do(req)
	if err != nil {
		d.tb.Fatalf("node %s: %s %s: %v", n.name, method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(raw)
}

// signIn signs in on node n with the account's key and secret and returns
// the CSRF token of the signed-in session.
func (d *mnDashboard) signIn(n *mnNode, key, secret string) string {
	d.tb.Helper()
	_, _, page := d.do(n, "/ui/signin", nil)
	m := mnCSRFPattern.FindStringSubmatch(page)
	if m == nil {
		d.tb.Fatalf("node %s: no sign-in form", n.name)
	}
	status, loc, _ := d.do(n, "/ui/signin", url.Values{"csrf": {m[1]}, "role": {"account"}, "api_key": {key}, "api_secret": {secret}})
	if status != http.StatusSeeOther || loc != "/ui/account" {
		d.tb.Fatalf("node %s: sign in: status %d location %q", n.name, status, loc)
	}
	_, _, page = d.do(n, "/ui/account", nil)
	m = mnCSRFPattern.FindStringSubmatch(page)
	if m == nil {
		d.tb.Fatalf("node %s: the account page has no form", n.name)
	}
	return m[1]
}

// TestMultiNodeDashboardSession runs two `kassa serve` nodes on one
// PostgreSQL database: a dashboard session opened on node A works on node
// B (a page, and a form of A's page posted to B), and revoking its secret
// through node B's API ends it on node A at once.
func TestMultiNodeDashboardSession(t *testing.T) {
	if testing.Short() {
		t.Skip("runs kassa nodes on PostgreSQL; skipped with -short")
	}
	dbURL := mnNewDatabase(t)
	storeURL := mnWithParam(t, dbURL, "pool_max_conns", "3")
	pepper := mnPepperFile(t)
	a := mnStartNode(t, "A", storeURL, pepper)
	b := mnStartNode(t, "B", storeURL, pepper)
	const key, first = "mn-dash1", "FirstSecret1"
	mnCreateAccount(t, a, key, first)

	browser := newMNDashboard(t)
	csrf := browser.signIn(a, key, first)
	if status, _, page := browser.do(b, "/ui/account", nil); status != http.StatusOK || !strings.Contains(page, key) {
		t.Fatalf("node B with node A's session: status %d", status)
	}
	if status, loc, _ := browser.do(b, "/ui/secrets", url.Values{"csrf": {csrf}, "secret": {"SecondSecret2"}}); status != http.StatusSeeOther || loc != "/ui/secrets" {
		t.Fatalf("node A's form posted to node B: status %d location %q", status, loc)
	}

	// A second browser signs in on B with the new secret; node A's API
	// revokes that secret; the session ends on node B.
	other := newMNDashboard(t)
	other.signIn(b, key, "SecondSecret2")
	req, _ := http.NewRequest(http.MethodGet, a.base+"/accounts/"+key+"/secrets", nil)
	req.SetBasicAuth(key, first)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	ids := regexp.MustCompile(`"id":"([^"]+)"`).FindAllStringSubmatch(string(raw), -1)
	if resp.StatusCode != http.StatusOK || len(ids) != 2 {
		t.Fatalf("list secrets: status %d: %s", resp.StatusCode, raw)
	}
	second := ids[1][1]
	req, _ = http.NewRequest(http.MethodDelete, a.base+"/accounts/"+key+"/secrets/"+second, nil)
	req.SetBasicAuth(key, first)
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("revoke the second secret through node A: %v %v", resp, err)
	}
	resp.Body.Close()
	if status, loc, _ := other.do(b, "/ui/account", nil); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/signin") {
		t.Fatalf("node B after the secret was revoked through node A: status %d location %q", status, loc)
	}
	if status, _, _ := browser.do(a, "/ui/account", nil); status != http.StatusOK {
		t.Fatalf("the first secret's session ended too: status %d", status)
	}
}
