package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/app"
	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/charging"
	"github.com/kassa-dev/kassa/httpapi"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/postgres"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
)

// twin starts another dashboard node over store (another connection to
// e's database, or e's database reopened after a restart), with e's
// pepper and clock, as another kassa process would serve it.
func (e *env) twin(store kassa.Store, tweak ...func(*Config)) *env {
	e.t.Helper()
	n := &env{t: e.t, db: store, hasher: e.hasher, clock: e.clock}
	n.ledger = charging.New(store, charging.Options{})
	e.t.Cleanup(n.ledger.Close)
	n.prices = pricing.NewService(store, refdata.Default(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	authOpts := auth.Options{CacheTTL: time.Hour}
	cfg := Config{Store: store, Hasher: e.hasher, Pricing: n.prices, AdminToken: testAdminToken}
	appCfg := app.Config{Store: store, Ledger: n.ledger, Rater: n.prices, Hasher: e.hasher, Callbacks: loopbackChecker()}
	if e.clock != nil {
		cfg.Now, authOpts.Now, appCfg.Now = e.clock.Now, e.clock.Now, e.clock.Now
	}
	appCfg.Auth = auth.NewAuthenticator(store, e.hasher, authOpts)
	cfg.App = app.New(appCfg)
	for _, f := range tweak {
		f(&cfg)
	}
	n.srv = httptest.NewServer(asTestClient(New(cfg)))
	e.t.Cleanup(n.srv.Close)
	return n
}

// on returns the browser, with its cookies, talking to another node (what
// a round-robin load balancer does).
func (b *browser) on(n *env) *browser {
	return &browser{e: n, client: b.client}
}

// signedOut fails the test unless the page sends the browser to sign in.
func signedOut(t testing.TB, what string, p page) {
	t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/ui/signin") {
		t.Fatalf("%s: status %d location %q, want a redirect to sign in", what, p.status, p.header.Get("Location"))
	}
}

// storedSession reads the store's row of the browser's session.
func (b *browser) storedSession() (*kassa.Session, error) {
	return b.e.db.Session(context.Background(), tokenHash(b.cookie()))
}

var newSecretPattern = regexp.MustCompile(`id="new-secret" readonly value="([^"]+)"`)

// pgSchema returns a fresh schema on the test server, dropped at the end.
func pgSchema(t testing.TB) string {
	t.Helper()
	base := testkit.PostgresURL(t)
	var b [6]byte
	rand.Read(b[:])
	schema := "kassa_web_" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	return schema
}

// openPG opens one more connection pool (one more node) on schema.
func openPG(t testing.TB, schema string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), testkit.PostgresURL(t), postgres.Options{Schema: schema, MaxConns: 4})
	if err != nil {
		t.Fatalf("open postgres store: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestSessionAcrossNodesPostgres: two dashboard nodes on one PostgreSQL
// database, as behind a round-robin load balancer. A session opened on
// node A works on node B, a form of A's page posts on B, B's flash message
// shows on A, and a sign-out on B ends the session on A.
func TestSessionAcrossNodesPostgres(t *testing.T) {
	schema := pgSchema(t)
	a := newEnvOn(t, openPG(t, schema), false)
	b := a.twin(openPG(t, schema))
	onA := a.browser()
	token := onA.signIn(testKey, testSecret)
	onB := onA.on(b)
	if p := onB.get("/ui/account"); p.status != http.StatusOK || !strings.Contains(p.body, testKey) {
		t.Fatalf("node B: status %d", p.status)
	}
	if p := onB.post("/ui/secrets", url.Values{"csrf": {token}, "secret": {"Shared1secret"}}); p.status != http.StatusSeeOther {
		t.Fatalf("a form of node A posted on node B: status %d", p.status)
	}
	shown := newSecretPattern.FindStringSubmatch(onA.get("/ui/secrets").body)
	if shown == nil || shown[1] != "Shared1secret" {
		t.Fatal("node A does not show the secret that node B created")
	}
	if strings.Contains(onB.get("/ui/secrets").body, "Shared1secret") {
		t.Fatal("the new secret is shown a second time, on the other node")
	}
	if p := onB.post("/ui/signout", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("sign out on B: status %d", p.status)
	}
	signedOut(t, "node A after sign-out on node B", onA.get("/ui/account"))

	op := a.browser()
	op.signInOperator()
	if p := op.on(b).get("/ui/operator/accounts"); p.status != http.StatusOK {
		t.Fatalf("operator session on node B: status %d", p.status)
	}
}

// TestSessionSurvivesRestart: a SQLite node restarted on the same file
// (and the same pepper and admin token) keeps every session: the page
// opens, and a form rendered before the restart posts after it.
func TestSessionSurvivesRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kassa.db")
	open := func() *sqlite.DB {
		db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	first := open()
	e := newEnvOn(t, first, false)
	acct := e.browser()
	token := acct.signIn(testKey, testSecret)
	op := e.browser()
	op.signInOperator()

	e.srv.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	restarted := e.twin(open())
	if p := acct.on(restarted).get("/ui/account"); p.status != http.StatusOK {
		t.Fatalf("account session after the restart: status %d", p.status)
	}
	if p := acct.on(restarted).post("/ui/secrets", url.Values{"csrf": {token}, "secret": {"Restart1secret"}}); p.status != http.StatusSeeOther {
		t.Fatalf("form from before the restart: status %d", p.status)
	}
	if n := restarted.secretCount(testKey); n != 2 {
		t.Fatalf("secrets: %d, want 2", n)
	}
	if p := op.on(restarted).get("/ui/operator/accounts"); p.status != http.StatusOK {
		t.Fatalf("operator session after the restart: status %d", p.status)
	}
}

// TestOperatorSessionEndsWithAdminToken: a node configured with another
// admin token (a rotation, or a node started with the new one) refuses
// the operator sessions opened with the old token, and ends them for every
// node.
func TestOperatorSessionEndsWithAdminToken(t *testing.T) {
	e := newEnv(t, false)
	op := e.browser()
	op.signInOperator()
	acct := e.browser()
	acct.signIn(testKey, testSecret)
	rotated := e.twin(e.db, func(c *Config) { c.AdminToken = "the-next-admin-token" })
	signedOut(t, "operator session on a node with a new admin token", op.on(rotated).get("/ui/operator/accounts"))
	signedOut(t, "the same session back on the old node", op.get("/ui/operator/accounts"))
	if p := acct.on(rotated).get("/ui/account"); p.status != http.StatusOK {
		t.Fatalf("an account session ended with the admin token: status %d", p.status)
	}
	// With operator sign-in disabled, no operator session opens anything.
	op2 := e.browser()
	op2.signInOperator()
	disabled := e.twin(e.db, func(c *Config) { c.AdminToken = "" })
	signedOut(t, "operator session with operator sign-in disabled", op2.on(disabled).get("/ui/operator/accounts"))
}

// apiServer serves the public and admin APIs over e's store, as kassa
// serve does next to the dashboard.
func (e *env) apiServer() *httptest.Server {
	e.t.Helper()
	api := httpapi.New(httpapi.Config{Store: e.db, Hasher: e.hasher, Ledger: e.ledger, Pricing: e.prices, AdminToken: testAdminToken})
	srv := httptest.NewServer(api)
	e.t.Cleanup(srv.Close)
	return srv
}

// apiCall makes one request of the public API with Basic credentials.
func apiCall(t testing.TB, method, rawURL, key, secret string) int {
	t.Helper()
	req, _ := http.NewRequest(method, rawURL, nil)
	req.SetBasicAuth(key, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestSessionEndsWithItsSecret (#13.4): a dashboard session opened with
// secret B ends when B is revoked through the API, and one opened with A
// ends when A is rotated away through the legacy settings newSecret;
// sessions of the other secret go on.
func TestSessionEndsWithItsSecret(t *testing.T) {
	e := newEnv(t, false)
	api := e.apiServer()
	const secretB = "SecondSecret9"
	b, err := e.hasher.NewSecret(testKey, secretB, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.CreateSecret(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	withB := e.browser()
	tokenB := withB.signIn(testKey, secretB)
	withA := e.browser()
	withA.signIn(testKey, testSecret)

	if s := apiCall(t, http.MethodDelete, api.URL+"/accounts/"+testKey+"/secrets/"+b.ID, testKey, testSecret); s != http.StatusNoContent {
		t.Fatalf("revoke B through the API: status %d", s)
	}
	if s := apiCall(t, http.MethodGet, api.URL+"/account/get-balance", testKey, secretB); s != http.StatusUnauthorized {
		t.Fatalf("the API still accepts B: status %d", s)
	}
	signedOut(t, "the dashboard session of the revoked secret", withB.get("/ui/account"))
	if p := withB.post("/ui/secrets", url.Values{"csrf": {tokenB}, "secret": {"Sneaky1secret"}}); p.status != http.StatusForbidden {
		t.Fatalf("the revoked secret's session posted a form: status %d", p.status)
	}
	if n := e.secretCount(testKey); n != 1 {
		t.Fatalf("secrets: %d, want 1 (no secret created through the ended session)", n)
	}
	if p := withA.get("/ui/account"); p.status != http.StatusOK {
		t.Fatalf("the other secret's session ended too: status %d", p.status)
	}

	// Rotating A away through the legacy settings parameter ends A's
	// sessions; the new secret opens a new one.
	if s := apiCall(t, http.MethodPost, api.URL+"/account/settings?newSecret=Rotated1secret", testKey, testSecret); s != http.StatusOK {
		t.Fatalf("rotate A: status %d", s)
	}
	signedOut(t, "the session of the rotated secret", withA.get("/ui/account"))
	e.browser().signIn(testKey, "Rotated1secret")
}

// TestRevokeOwnSecretSignsOut: revoking, in the dashboard, the secret the
// session was opened with ends the session; the page said it would.
func TestRevokeOwnSecretSignsOut(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	if p := b.post("/ui/secrets", url.Values{"csrf": {token}, "secret": {"Other1secret"}}); p.status != http.StatusSeeOther {
		t.Fatalf("create: status %d", p.status)
	}
	page := b.get("/ui/secrets").body
	if strings.Count(page, `id="session-secret"`) != 1 || !strings.Contains(page, "Revoke and sign out") {
		t.Fatal("the secrets page does not mark the secret this session signed in with")
	}
	secrets, _ := e.db.Secrets(context.Background(), testKey)
	if p := b.post("/ui/secrets/"+secrets[0].ID+"/revoke", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", p.status)
	}
	signedOut(t, "after revoking the session's own secret", b.get("/ui/secrets"))
}

// operatorTry posts the operator form from browser b and returns the page.
func operatorTry(t testing.TB, b *browser, token string) page {
	t.Helper()
	p := b.get("/ui/signin")
	return b.post("/ui/signin", url.Values{"csrf": {csrf(t, p)}, "role": {"operator"}, "admin_token": {token}})
}

// lockouts returns the dashboard's auth.lockout audit events.
func (e *env) lockouts() []*kassa.AuditEvent {
	e.t.Helper()
	events, _, err := e.db.ListAudit(context.Background(), kassa.AuditFilter{Action: "auth.lockout"})
	if err != nil {
		e.t.Fatal(err)
	}
	return events
}

// TestOperatorLockoutPerClient (#13.3): wrong admin tokens from one client
// lock that client out (its right token too), never another client; the
// lock-out is audited once however often the client is refused; an IPv6
// client is counted by its /64.
func TestOperatorLockoutPerClient(t *testing.T) {
	e := newEnv(t, true)
	attacker := e.from("203.0.113.7")
	for i := 0; i < DefaultMaxFailures; i++ {
		if p := operatorTry(t, attacker, "guess"); p.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: status %d", i+1, p.status)
		}
	}
	for range 3 {
		if p := operatorTry(t, attacker, testAdminToken); p.status != http.StatusTooManyRequests || !strings.Contains(p.body, "Try again in 15 minutes") {
			t.Fatalf("locked-out client with the right token: status %d", p.status)
		}
	}
	if p := operatorTry(t, e.from("198.51.100.20"), testAdminToken); p.status != http.StatusSeeOther {
		t.Fatalf("another client's right token after client A's failures: status %d, want 303", p.status)
	}
	events := e.lockouts()
	if len(events) != 1 || !strings.Contains(events[0].Detail, `"client":"203.0.113.7"`) || !strings.Contains(events[0].Detail, `"lockout":"client"`) {
		t.Fatalf("lock-out audit: %d events %+v, want one naming the client", len(events), events)
	}

	for i := 0; i < DefaultMaxFailures; i++ {
		operatorTry(t, e.from("2001:db8:0:7::"+strconv.Itoa(i+1)), "guess")
	}
	if p := operatorTry(t, e.from("2001:db8:0:7::ff"), testAdminToken); p.status != http.StatusTooManyRequests {
		t.Fatalf("another address of the same /64: status %d, want 429", p.status)
	}
	if p := operatorTry(t, e.from("2001:db8:0:8::1"), testAdminToken); p.status != http.StatusSeeOther {
		t.Fatalf("another /64: status %d, want 303", p.status)
	}

	e.clock.Advance(DefaultLockout)
	if p := operatorTry(t, attacker, testAdminToken); p.status != http.StatusSeeOther {
		t.Fatalf("client A after the lock-out: status %d", p.status)
	}
}

// TestOperatorAttackMode: a guess spread over many addresses starts attack
// mode (audited once): every address that has failed is refused, while an
// address without failures still signs in.
func TestOperatorAttackMode(t *testing.T) {
	e := newEnv(t, true)
	for i := 0; i < DefaultAttackFailures; i++ {
		ip := "192.0.2." + strconv.Itoa(i+1)
		if p := operatorTry(t, e.from(ip), "guess"); p.status != http.StatusUnauthorized {
			t.Fatalf("guess %d from %s: status %d", i+1, ip, p.status)
		}
	}
	events := e.lockouts()
	if len(events) != 1 || !strings.Contains(events[0].Detail, `"lockout":"attack"`) {
		t.Fatalf("attack audit: %+v", events)
	}
	if p := operatorTry(t, e.from("192.0.2.1"), testAdminToken); p.status != http.StatusTooManyRequests {
		t.Fatalf("an address that failed once, in attack mode: status %d, want 429", p.status)
	}
	if p := operatorTry(t, e.from("198.51.100.99"), testAdminToken); p.status != http.StatusSeeOther {
		t.Fatalf("a clean address in attack mode: status %d, want 303", p.status)
	}
	e.clock.Advance(DefaultLockout)
	if p := operatorTry(t, e.from("192.0.2.1"), testAdminToken); p.status != http.StatusSeeOther {
		t.Fatalf("after attack mode: status %d", p.status)
	}
}

// TestAccountSigninLockoutPerClient: the account holders' form has the
// same property through the Authenticator's limiter: a client guessing
// secrets, or many clients guessing one key, never stop a clean client
// with the right secret.
func TestAccountSigninLockoutPerClient(t *testing.T) {
	e := newEnv(t, true, func(c *Config) {
		c.App = app.New(app.Config{Store: c.Store, Hasher: c.Hasher, Now: c.Now,
			AuthOptions: auth.Options{MaxFailures: 4, FailureWindow: time.Hour, Lockout: 10 * time.Minute}})
	})
	try := func(b *browser, secret string) page {
		p := b.get("/ui/signin")
		return b.post("/ui/signin", url.Values{"csrf": {csrf(t, p)}, "role": {"account"}, "api_key": {testKey}, "api_secret": {secret}})
	}
	attacker := e.from("203.0.113.7")
	for try(attacker, "WrongSecret99").status != http.StatusTooManyRequests {
		e.clock.Advance(30 * time.Second) // past the growing delays, within the window
	}
	if p := try(attacker, testSecret); p.status != http.StatusTooManyRequests {
		t.Fatalf("the guessing client with the right secret: status %d, want 429", p.status)
	}
	if p := try(e.from("198.51.100.20"), testSecret); p.status != http.StatusSeeOther {
		t.Fatalf("another client with the right secret: status %d, want 303", p.status)
	}
	// Many addresses, one wrong secret each, until the key is locked for
	// them: a clean address still gets in.
	for i := 0; i < 60; i++ {
		try(e.from("192.0.2."+strconv.Itoa(i+1)), "WrongSecret99")
	}
	if p := try(e.from("192.0.2.1"), testSecret); p.status != http.StatusTooManyRequests {
		t.Fatalf("a failing address once the key is under attack: status %d, want 429", p.status)
	}
	if p := try(e.from("198.51.100.21"), testSecret); p.status != http.StatusSeeOther {
		t.Fatalf("a clean address while the key is under attack: status %d, want 303", p.status)
	}
}

// TestExpiredSessionsSwept: sessions that expired are deleted from the
// store by the next sign-in (on the injected clock), and a live one is
// kept.
func TestExpiredSessionsSwept(t *testing.T) {
	e := newEnv(t, true, func(c *Config) { c.SessionIdle = 10 * time.Minute })
	var old []*browser
	for range 3 {
		b := e.browser()
		b.signIn(testKey, testSecret)
		old = append(old, b)
	}
	e.clock.Advance(5 * time.Minute)
	kept := e.browser()
	kept.signIn(testKey, testSecret)
	e.clock.Advance(6 * time.Minute) // the first three have expired, kept has not
	e.browser().signInOperator()
	for i, b := range old {
		if _, err := b.storedSession(); kassa.ErrorCode(err) != kassa.ENOTFOUND {
			t.Fatalf("expired session %d is still stored (%v)", i+1, err)
		}
	}
	if _, err := kept.storedSession(); err != nil {
		t.Fatalf("a live session was swept: %v", err)
	}
}

// TestStolenDatabaseOpensNothing: the store holds no session token and no
// new secret in clear: the files of the database do not contain them, the
// stored hash used as a cookie opens nothing, and a sealed flash message
// does not open in another session.
func TestStolenDatabaseOpensNothing(t *testing.T) {
	dir := t.TempDir()
	db, err := sqlite.Open(context.Background(), filepath.Join(dir, "kassa.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e := newEnvOn(t, db, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	const newSecret = "Stolen1secretX"
	if p := b.post("/ui/secrets", url.Values{"csrf": {token}, "secret": {newSecret}}); p.status != http.StatusSeeOther {
		t.Fatalf("create: status %d", p.status)
	}
	row, err := b.storedSession()
	if err != nil || row.Flash == nil {
		t.Fatalf("stored session %+v, %v; want one with a flash", row, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "kassa.db*"))
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, clear := range []string{b.cookie(), token, newSecret} {
			if bytes.Contains(raw, []byte(clear)) {
				t.Fatalf("%s holds %q in clear", filepath.Base(f), clear)
			}
		}
	}
	thief := e.browser()
	for _, forged := range []string{hex.EncodeToString(row.TokenHash), string(row.TokenHash), base64.RawURLEncoding.EncodeToString(row.TokenHash)} {
		thief.client.Jar.SetCookies(mustURL(e.srv.URL+"/ui/"), []*http.Cookie{{Name: cookieName, Value: forged, Path: "/ui/"}})
		signedOut(t, "the stored hash as a cookie", thief.get("/ui/account"))
	}
	if _, err := openFlash(randomToken(), row.TokenHash, row.Flash); err == nil {
		t.Fatal("the flash opens with another session's token")
	}
	if shown := newSecretPattern.FindStringSubmatch(b.get("/ui/secrets").body); shown == nil || shown[1] != newSecret {
		t.Fatal("the owner's next page does not show the new secret")
	}
}

// TestSessionStoreDown: when the store cannot be read, a signed-in page
// answers 503 (not a sign-in redirect, not a 500).
func TestSessionStoreDown(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.signIn(testKey, testSecret)
	e.db.Close()
	if p := b.get("/ui/account"); p.status != http.StatusServiceUnavailable {
		t.Fatalf("store down: status %d, want 503", p.status)
	}
}
