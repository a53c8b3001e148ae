package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
)

// TestCookieFlags: the session cookie is HttpOnly, SameSite=Lax, scoped to
// /ui/, and Secure only when the request came over TLS or through a proxy
// that says https.
func TestCookieFlags(t *testing.T) {
	e := newEnv(t, false)
	for _, tc := range []struct {
		proto  string
		secure bool
	}{{"", false}, {"https", true}, {"http", false}, {"HTTPS, http", true}} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/ui/signin", nil)
		if tc.proto != "" {
			req.Header.Set("X-Forwarded-Proto", tc.proto)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cookies := resp.Cookies()
		if len(cookies) != 1 || cookies[0].Name != cookieName {
			t.Fatalf("proto %q: cookies %v", tc.proto, cookies)
		}
		c := cookies[0]
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/ui/" || c.Secure != tc.secure {
			t.Errorf("proto %q: cookie HttpOnly=%v SameSite=%v Path=%q Secure=%v", tc.proto, c.HttpOnly, c.SameSite, c.Path, c.Secure)
		}
		if raw := resp.Header.Get("Set-Cookie"); !strings.Contains(raw, "HttpOnly") || !strings.Contains(raw, "SameSite=Lax") {
			t.Errorf("Set-Cookie %q", raw)
		}
	}
}

// TestSignInRotatesSession: signing in replaces the anonymous session's
// id, so a cookie planted before sign-in is worth nothing after it.
func TestSignInRotatesSession(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.get("/ui/signin")
	before := b.cookie()
	b.signIn(testKey, testSecret)
	after := b.cookie()
	if before == "" || after == "" || before == after {
		t.Fatalf("session id before %q after %q", before, after)
	}
	planted := e.browser()
	planted.client.Jar.SetCookies(mustURL(e.srv.URL+"/ui/"), []*http.Cookie{{Name: cookieName, Value: before, Path: "/ui/"}})
	if p := planted.get("/ui/account"); p.status != http.StatusSeeOther {
		t.Errorf("the pre-sign-in id still opens the account: status %d", p.status)
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestCSRFMissingOrWrong: a POST without the session's token, with a wrong
// one, or with another session's token is refused and changes nothing.
func TestCSRFMissingOrWrong(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	other := e.browser()
	otherToken := other.signIn(testKey, testSecret)
	if otherToken == token {
		t.Fatal("two sessions share a CSRF token")
	}
	cases := map[string]url.Values{
		"missing":       {"secret": {"NewSecret123"}},
		"empty":         {"secret": {"NewSecret123"}, "csrf": {""}},
		"wrong":         {"secret": {"NewSecret123"}, "csrf": {token[:len(token)-1] + "x"}},
		"other session": {"secret": {"NewSecret123"}, "csrf": {otherToken}},
		"prefix":        {"secret": {"NewSecret123"}, "csrf": {token[:10]}},
	}
	for name, form := range cases {
		p := b.post("/ui/secrets", form)
		if p.status != http.StatusForbidden {
			t.Errorf("%s token: status %d, want 403", name, p.status)
		}
	}
	if n := e.secretCount(testKey); n != 1 {
		t.Fatalf("secrets after refused posts: %d, want 1", n)
	}
	// The right token works, so the refusals above were about the token.
	p := b.post("/ui/secrets", url.Values{"secret": {"NewSecret123"}, "csrf": {token}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("right token: status %d", p.status)
	}
	if n := e.secretCount(testKey); n != 2 {
		t.Fatalf("secrets after the accepted post: %d, want 2", n)
	}
}

// TestSignInFormNeedsCSRF: the sign-in form itself carries a token.
func TestSignInFormNeedsCSRF(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.get("/ui/signin")
	p := b.post("/ui/signin", url.Values{"role": {"account"}, "api_key": {testKey}, "api_secret": {testSecret}})
	if p.status != http.StatusForbidden {
		t.Fatalf("sign-in without token: status %d", p.status)
	}
}

// TestSessionIdleExpiry: a session unused for SessionIdle ends; its
// cookie then leads to the sign-in page and its forms are refused.
func TestSessionIdleExpiry(t *testing.T) {
	e := newEnv(t, true, func(c *Config) { c.SessionIdle = 10 * time.Minute })
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	e.clock.Advance(9 * time.Minute)
	if p := b.get("/ui/account"); p.status != http.StatusOK {
		t.Fatalf("after 9 idle minutes: status %d", p.status)
	}
	e.clock.Advance(9 * time.Minute) // used 9 minutes ago: still alive
	if p := b.get("/ui/account"); p.status != http.StatusOK {
		t.Fatalf("used recently: status %d", p.status)
	}
	e.clock.Advance(10 * time.Minute)
	p := b.get("/ui/account")
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/ui/signin") {
		t.Fatalf("expired session: status %d location %q", p.status, p.header.Get("Location"))
	}
	if p := b.post("/ui/secrets", url.Values{"secret": {"NewSecret123"}, "csrf": {token}}); p.status != http.StatusForbidden {
		t.Fatalf("POST with an expired session: status %d", p.status)
	}
	if n := e.secretCount(testKey); n != 1 {
		t.Fatalf("secrets: %d", n)
	}
}

// TestSessionLifetime: even a busy session ends SessionLifetime after
// sign-in.
func TestSessionLifetime(t *testing.T) {
	e := newEnv(t, true, func(c *Config) { c.SessionIdle = time.Hour; c.SessionLifetime = 2 * time.Hour })
	b := e.browser()
	b.signIn(testKey, testSecret)
	for i := 0; i < 3; i++ {
		e.clock.Advance(30 * time.Minute)
		if p := b.get("/ui/account"); p.status != http.StatusOK {
			t.Fatalf("after %d min: status %d", (i+1)*30, p.status)
		}
	}
	e.clock.Advance(31 * time.Minute)
	if p := b.get("/ui/account"); p.status != http.StatusSeeOther {
		t.Fatalf("past the lifetime: status %d", p.status)
	}
}

// TestSignOutInvalidates: after sign-out the old cookie, replayed, opens
// nothing.
func TestSignOutInvalidates(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	id := b.cookie()
	p := b.post("/ui/signout", url.Values{"csrf": {token}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/signin" {
		t.Fatalf("sign out: status %d location %q", p.status, p.header.Get("Location"))
	}
	if sc := p.header.Get("Set-Cookie"); !strings.Contains(sc, "Max-Age=0") {
		t.Errorf("sign-out does not clear the cookie: %q", sc)
	}
	replay := e.browser()
	replay.client.Jar.SetCookies(mustURL(e.srv.URL+"/ui/"), []*http.Cookie{{Name: cookieName, Value: id, Path: "/ui/"}})
	if p := replay.get("/ui/account"); p.status != http.StatusSeeOther {
		t.Fatalf("replayed cookie after sign-out: status %d", p.status)
	}
	if p := replay.post("/ui/secrets", url.Values{"secret": {"NewSecret123"}, "csrf": {token}}); p.status != http.StatusForbidden {
		t.Fatalf("replayed form after sign-out: status %d", p.status)
	}
}

// TestSignOutNeedsCSRF: a cross-site POST cannot sign the user out.
func TestSignOutNeedsCSRF(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.signIn(testKey, testSecret)
	if p := b.post("/ui/signout", nil); p.status != http.StatusForbidden {
		t.Fatalf("sign-out without token: status %d", p.status)
	}
	if p := b.get("/ui/account"); p.status != http.StatusOK {
		t.Fatalf("session ended by a forged sign-out: status %d", p.status)
	}
}

// TestSignInLimiter: account sign-ins go through the Authenticator's
// brute-force limiter: after its MaxFailures wrong secrets the client is
// refused even with the right secret, until the lock-out passes.
func TestSignInLimiter(t *testing.T) {
	e := newEnv(t, true, func(c *Config) {
		c.App = app.New(app.Config{Store: c.Store, Hasher: testHasher(t), Now: c.Now,
			AuthOptions: auth.Options{MaxFailures: 4, FailureWindow: time.Hour, Lockout: 10 * time.Minute}})
	})
	b := e.browser()
	try := func(secret string) page {
		p := b.get("/ui/signin")
		return b.post("/ui/signin", url.Values{"csrf": {csrf(t, p)}, "role": {"account"}, "api_key": {testKey}, "api_secret": {secret}})
	}
	for i := 0; i < 4; i++ {
		if p := try("WrongSecret99"); p.status != http.StatusUnauthorized || !strings.Contains(p.body, "The credentials are not right.") {
			t.Fatalf("failure %d: status %d", i+1, p.status)
		}
		e.clock.Advance(10 * time.Second) // past the growing delays
	}
	p := try(testSecret)
	if p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Too many failed sign-ins") {
		t.Fatalf("right secret while locked out: status %d", p.status)
	}
	if p := try("WrongSecret99"); p.status != http.StatusTooManyRequests {
		t.Fatalf("wrong secret while locked out: status %d", p.status)
	}
	e.clock.Advance(10 * time.Minute)
	if p := try(testSecret); p.status != http.StatusSeeOther {
		t.Fatalf("right secret after the lockout: status %d", p.status)
	}
}

// TestOperatorLimiter: after DefaultMaxFailures wrong admin tokens the
// operator form is refused to that client even with the right token, until
// the lockout passes; the lock-out is audited.
func TestOperatorLimiter(t *testing.T) {
	e := newEnv(t, true)
	b := e.browser()
	try := func(token string) int {
		p := b.get("/ui/signin")
		return b.post("/ui/signin", url.Values{"csrf": {csrf(t, p)}, "role": {"operator"}, "admin_token": {token}}).status
	}
	for i := 0; i < DefaultMaxFailures; i++ {
		if s := try("guess"); s != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, s)
		}
	}
	if s := try(testAdminToken); s != http.StatusTooManyRequests {
		t.Fatalf("right token while locked out: status %d", s)
	}
	events, _, err := e.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "auth.lockout"})
	if err != nil || len(events) == 0 {
		t.Fatalf("lock-out not audited: %v %v", events, err)
	}
	e.clock.Advance(DefaultLockout)
	if s := try(testAdminToken); s != http.StatusSeeOther {
		t.Fatalf("right token after the lockout: status %d", s)
	}
}

// TestOperatorSignIn: a wrong admin token fails, the right one opens the
// operator pages; account pages and operator pages are closed to the
// other role.
func TestRoles(t *testing.T) {
	e := newEnv(t, false)
	op := e.browser()
	p := op.get("/ui/signin")
	if s := op.post("/ui/signin", url.Values{"csrf": {csrf(t, p)}, "role": {"operator"}, "admin_token": {"nope"}}).status; s != http.StatusUnauthorized {
		t.Fatalf("wrong admin token: status %d", s)
	}
	op.signInOperator()
	if s := op.get("/ui/account").status; s != http.StatusForbidden {
		t.Errorf("operator on the account page: %d", s)
	}
	acct := e.browser()
	acct.signIn(testKey, testSecret)
	for _, path := range []string{"/ui/operator/accounts", "/ui/operator/accounts/" + testKey, "/ui/operator/price-books"} {
		if s := acct.get(path).status; s != http.StatusForbidden {
			t.Errorf("account holder on %s: %d", path, s)
		}
	}
}

// TestSafeNext: the sign-in's next parameter only leads inside /ui/.
func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/ui/secrets": "/ui/secrets", "//evil.example/ui/": "", "https://evil.example/": "", "/ui/\\evil": "", "/admin": "",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}
