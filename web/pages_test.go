package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

var idemPattern = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// TestCreditDoubleSubmit: the same posting form submitted many times at
// once (a double click, a retried request) credits the account once.
func TestCreditDoubleSubmit(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	p := b.get("/ui/operator/accounts/" + testKey)
	m := idemPattern.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no idempotency key in the posting form")
	}
	form := url.Values{"csrf": {token}, "idempotency_key": {m[1]}, "direction": {"credit"}, "amount": {"10"}, "reason": {"double"}}
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = b.post("/ui/operator/accounts/"+testKey+"/postings", form).status
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusSeeOther {
			t.Errorf("submit %d: status %d", i, s)
		}
	}
	if got := e.account(testKey).Balance.String(); got != "35.50000000" {
		t.Fatalf("balance %s after 8 submits of one form, want 35.50000000", got)
	}
	entries, total, err := e.db.ListEntries(context.Background(), kassa.EntryFilter{Account: testKey})
	if err != nil || total != 2 {
		t.Fatalf("entries %d (%v), want 2", total, err)
	}
	if entries[0].IdempotencyKey != m[1] {
		t.Errorf("entry key %q", entries[0].IdempotencyKey)
	}
	if d, err := e.db.Verify(context.Background()); err != nil || len(d) != 0 {
		t.Fatalf("ledger verify: %v %v", d, err)
	}
	// A fresh rendering carries a fresh key: a second credit is a new one.
	if m2 := idemPattern.FindStringSubmatch(b.get("/ui/operator/accounts/" + testKey).body); m2 == nil || m2[1] == m[1] {
		t.Fatal("the form's idempotency key is not renewed")
	}
}

// TestPostingErrors: bad amounts, an overdraft and an unknown account are
// refused with a message and change nothing.
func TestPostingErrors(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	post := func(key string, v url.Values) page {
		v.Set("csrf", token)
		v.Set("idempotency_key", "k-"+v.Get("amount")+v.Get("direction"))
		return b.post("/ui/operator/accounts/"+key+"/postings", v)
	}
	for _, amt := range []string{"", "abc", "-5", "0", "1e3", "1,5"} {
		p := post(testKey, url.Values{"direction": {"credit"}, "amount": {amt}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "Enter a positive amount") {
			t.Errorf("amount %q: status %d", amt, p.status)
		}
	}
	p := post(testKey, url.Values{"direction": {"debit"}, "amount": {"100"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="post-error"`) {
		t.Errorf("overdraft: status %d", p.status)
	}
	if p := post(testKey, url.Values{"direction": {"sideways"}, "amount": {"1"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("bad direction: status %d", p.status)
	}
	if p := post("nosuchkey", url.Values{"direction": {"credit"}, "amount": {"1"}}); p.status != http.StatusNotFound {
		t.Errorf("unknown account: status %d", p.status)
	}
	if got := e.account(testKey).Balance.String(); got != "25.50000000" {
		t.Fatalf("balance changed to %s", got)
	}
}

// TestAutoReloadForm: the operator's auto-reload form validates like the
// admin API and saves.
func TestAutoReloadForm(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	path := "/ui/operator/accounts/" + testKey + "/auto-reload"
	bad := []url.Values{
		{"enabled": {"on"}, "trx": {""}, "amount": {"50"}, "threshold": {"20"}, "daily_cap": {"5"}},
		{"trx": {"t"}, "amount": {"0"}, "threshold": {"20"}, "daily_cap": {"5"}},
		{"trx": {"t"}, "amount": {"50"}, "threshold": {"-1"}, "daily_cap": {"5"}},
		{"trx": {"t"}, "amount": {"50"}, "threshold": {"20"}, "daily_cap": {"1001"}},
	}
	for i, v := range bad {
		v.Set("csrf", token)
		if p := b.post(path, v); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="reload-error"`) {
			t.Errorf("bad form %d: status %d", i, p.status)
		}
	}
	if e.account(testKey).AutoReload.Enabled {
		t.Fatal("a refused form enabled auto-reload")
	}
	p := b.post(path, url.Values{"csrf": {token}, "enabled": {"on"}, "trx": {"trx-1"}, "amount": {"75.5"}, "threshold": {"10"}, "daily_cap": {"3"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("save: status %d", p.status)
	}
	ar := e.account(testKey).AutoReload
	if !ar.Enabled || ar.Trx != "trx-1" || ar.Amount.String() != "75.50000000" || ar.Threshold.String() != "10.00000000" || ar.DailyCap != 3 {
		t.Fatalf("stored %+v", ar)
	}
	if page := b.get("/ui/operator/accounts/" + testKey); !strings.Contains(page.body, "on: 75.50 when at or below 10.00, at most 3 a day") {
		t.Error("the account page does not show the new auto-reload state")
	}
}

// TestSecretRules: weak secrets are refused with the rule, a third secret
// and revoking the last are refused, and an empty field generates one.
func TestSecretRules(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	for _, weak := range []string{"short1A", "alllowercase1", "ALLUPPERCASE1", "NoDigitsHere", strings.Repeat("Ab1", 9)} {
		p := b.post("/ui/secrets", url.Values{"csrf": {token}, "secret": {weak}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="secrets-error"`) {
			t.Errorf("weak secret %q: status %d", weak, p.status)
		}
		if strings.Contains(p.body, weak) {
			t.Errorf("the refused secret %q is echoed", weak)
		}
	}
	if n := e.secretCount(testKey); n != 1 {
		t.Fatalf("secrets %d", n)
	}
	// Empty: generated, shown once, and it works.
	if p := b.post("/ui/secrets", url.Values{"csrf": {token}, "secret": {""}}); p.status != http.StatusSeeOther {
		t.Fatalf("generate: status %d", p.status)
	}
	shown := regexp.MustCompile(`id="new-secret" readonly value="([^"]+)"`).FindStringSubmatch(b.get("/ui/secrets").body)
	if shown == nil {
		t.Fatal("the generated secret is not shown")
	}
	if _, err := e.ledgerlessAuth(testKey, shown[1]); err != nil {
		t.Fatalf("generated secret does not authenticate: %v", err)
	}
	if strings.Contains(b.get("/ui/secrets").body, shown[1]) {
		t.Fatal("the secret is shown twice")
	}
	if p := b.post("/ui/secrets", url.Values{"csrf": {token}, "secret": {"Another1secret"}}); p.status != http.StatusConflict {
		t.Fatalf("third secret: status %d", p.status)
	}
	secrets, _ := e.db.Secrets(context.Background(), testKey)
	if p := b.post("/ui/secrets/"+secrets[0].ID+"/revoke", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", p.status)
	}
	// The old secret stops working at once (the cache was invalidated).
	if _, err := e.ledgerlessAuth(testKey, testSecret); err == nil {
		t.Fatal("the revoked secret still authenticates")
	}
	// It was the secret this session signed in with: the session ended.
	if p := b.get("/ui/secrets"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/ui/signin") {
		t.Fatalf("the session outlived its secret: status %d", p.status)
	}
	token = b.signIn(testKey, shown[1])
	p := b.post("/ui/secrets/"+secrets[1].ID+"/revoke", url.Values{"csrf": {token}})
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "at least one secret") {
		t.Fatalf("revoke the last: status %d", p.status)
	}
	if p := b.post("/ui/secrets/no-such-id/revoke", url.Values{"csrf": {token}}); p.status != http.StatusNotFound {
		t.Fatalf("revoke unknown: status %d", p.status)
	}
}

// TestSettingsSyntax: malformed URLs and methods are refused before any
// request is made; an empty URL clears the setting.
func TestSettingsSyntax(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signIn(testKey, testSecret)
	for _, bad := range []string{"ftp://example.com/x", "not a url", "http://", "/relative", "http://exa mple.com/"} {
		p := b.post("/ui/settings", url.Values{"csrf": {token}, "mo_callback_url": {bad}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `class="error"`) {
			t.Errorf("url %q: status %d", bad, p.status)
		}
	}
	if p := b.post("/ui/settings", url.Values{"csrf": {token}, "http_forward_method": {"TELEGRAM"}}); p.status != http.StatusUnprocessableEntity {
		t.Errorf("bad method: status %d", p.status)
	}
	// The checker refuses what the guard refuses: a private address.
	p := b.post("/ui/settings", url.Values{"csrf": {token}, "dr_callback_url": {"http://10.1.2.3/x"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "not allowed") {
		t.Errorf("private address: status %d", p.status)
	}
	if s := e.account(testKey).Settings; s != (kassa.Settings{}) {
		t.Fatalf("settings changed to %+v", s)
	}
	if p := b.post("/ui/settings", url.Values{"csrf": {token}, "http_forward_method": {kassa.ForwardPostJSON}}); p.status != http.StatusOK {
		t.Fatalf("save method: status %d", p.status)
	}
	if got := e.account(testKey).Settings.HTTPForwardMethod; got != kassa.ForwardPostJSON {
		t.Fatalf("method %q", got)
	}
}

// TestPricingPage: country by code and by name, an unknown country, a
// number and a malformed number, both service types.
func TestPricingPage(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.signIn(testKey, testSecret)
	snap := e.prices.Current()
	for _, q := range []string{"DE", "de", "Germany", "germ"} {
		p := b.get("/ui/pricing?country=" + url.QueryEscape(q))
		if p.status != http.StatusOK || !strings.Contains(p.body, `<h2 id="country-h">Germany`) {
			t.Errorf("country %q: status %d, no Germany", q, p.status)
		}
	}
	if p := b.get("/ui/pricing?country=Atlantis"); !strings.Contains(p.body, "No country matches") {
		t.Error("unknown country not reported")
	}
	de, _ := snap.Country(kassa.Voice, "DE", kassa.EUR)
	p := b.get("/ui/pricing?type=voice&country=DE")
	if !strings.Contains(p.body, "Default price "+de.DefaultPrice.String()+" EUR") || !strings.Contains(p.body, "per minute") {
		t.Errorf("voice price of Germany %s not shown", de.DefaultPrice)
	}
	r, err := snap.Rate(kassa.SMS, "4915112345678", kassa.EUR)
	if err != nil {
		t.Fatal(err)
	}
	p = b.get("/ui/pricing?number=%2B49+151+1234+5678")
	if !strings.Contains(p.body, `<dd id="rate-price" class="big">`+r.UnitPrice.String()) {
		t.Errorf("number price %s not shown", r.UnitPrice)
	}
	if p := b.get("/ui/pricing?number=12ab"); !strings.Contains(p.body, `id="rate-error"`) {
		t.Error("malformed number not reported")
	}
	// An account holder sees prices in the account's currency only.
	if p := b.get("/ui/pricing?currency=USD&country=DE"); strings.Contains(p.body, " USD") {
		t.Error("an EUR account was shown USD prices")
	}
	if p := b.get("/ui/pricing?type=sms-transit"); p.status != http.StatusOK || !strings.Contains(p.body, "per message") {
		t.Errorf("unknown map type: status %d", p.status)
	}
}

// TestImportPriceBook: a valid CSV becomes a new inactive version; a bad
// one is refused whole with its reasons; the XHR form gets 204 and where
// to go.
func TestImportPriceBook(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	upload := func(filename, content string, xhr bool, fields map[string]string) page {
		return uploadDeck(e, b, token, filename, content, xhr, fields)
	}
	versions := func() int {
		v, err := e.db.PriceBooks(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return len(v)
	}
	p := upload("deck.csv", "country,price\nDE,0.07\nFR,not-a-price\n", false, map[string]string{"type": "sms"})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="import-error"`) || !strings.Contains(p.body, "line 3") {
		t.Fatalf("bad deck: status %d", p.status)
	}
	if n := versions(); n != 1 {
		t.Fatalf("versions after a refused deck: %d", n)
	}
	p = upload("deck.json", `{"countries":[]}`, false, nil)
	if p.status != http.StatusUnprocessableEntity {
		t.Fatalf("json without type: status %d", p.status)
	}
	p = upload("june.csv", "type,country,price,currency\nsms,DE,0.0700,EUR\n", false, nil)
	if p.status != http.StatusSeeOther {
		t.Fatalf("good deck: status %d", p.status)
	}
	p = upload("july.csv", "type,country,price,currency\nsms,DE,0.0800,EUR\n", true, map[string]string{"name": "July"})
	if p.status != http.StatusNoContent || p.header.Get("X-Kassa-Location") != "/ui/operator/price-books" {
		t.Fatalf("xhr deck: status %d location %q", p.status, p.header.Get("X-Kassa-Location"))
	}
	list, _ := e.db.PriceBooks(context.Background())
	if len(list) != 3 || list[0].Name != "July" || list[1].Name != "june" || !list[0].ActivatedAt.IsZero() {
		t.Fatalf("versions %+v", list)
	}
	if e.prices.Current().Version() != 1 {
		t.Fatal("an import changed the prices in use")
	}
	if p := b.post("/ui/operator/price-books/99/activate", url.Values{"csrf": {token}}); p.status != http.StatusNotFound {
		t.Fatalf("activate unknown: status %d", p.status)
	}
	if p := b.post("/ui/operator/price-books/3/activate", url.Values{"csrf": {token}}); p.status != http.StatusSeeOther {
		t.Fatalf("activate: status %d", p.status)
	}
	if e.prices.Current().Version() != 3 {
		t.Fatal("activation did not change the prices in use")
	}
}

// uploadDeck posts the price-book import form as the operator signed in
// on b (token is its CSRF token), as a plain form or as the page's XHR.
func uploadDeck(e *env, b *browser, token, filename, content string, xhr bool, fields map[string]string) page {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", token)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write([]byte(content))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/ui/operator/price-books", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if xhr {
		req.Header.Set("X-Requested-With", "XMLHttpRequest")
	}
	return b.do(req)
}

// TestImportTooLarge: an upload over MaxImportBytes is refused.
func TestImportTooLarge(t *testing.T) {
	e := newEnv(t, false, func(c *Config) { c.MaxImportBytes = 1024 })
	b := e.browser()
	token := b.signInOperator()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf", token)
	fw, _ := mw.CreateFormFile("file", "big.csv")
	fw.Write(bytes.Repeat([]byte("sms,DE,0.07\n"), 1<<17))
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/ui/operator/price-books", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if p := b.do(req); p.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d", p.status)
	}
}

// TestEscaping: text from the ledger is escaped, never run.
func TestEscaping(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	b.post("/ui/operator/accounts/"+testKey+"/postings", url.Values{"csrf": {token}, "idempotency_key": {"x1"}, "direction": {"credit"}, "amount": {"1"}, "reason": {`<script>alert(1)</script>`}})
	p := b.get("/ui/operator/accounts/" + testKey)
	if strings.Contains(p.body, "<script>alert") || !strings.Contains(p.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Fatal("the reason is not escaped")
	}
}

// TestHeadersAndAssets: pages carry security headers and no-store;
// assets are served; unknown paths are 404 pages.
func TestHeadersAndAssets(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	p := b.get("/ui/signin")
	for k, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"} {
		if got := p.header.Get(k); got != want {
			t.Errorf("%s = %q", k, got)
		}
	}
	if csp := p.header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("CSP %q", csp)
	}
	for path, ctype := range map[string]string{"/ui/static/style.css": "text/css", "/ui/static/app.js": "text/javascript"} {
		p := b.get(path)
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), ctype) {
			t.Errorf("%s: status %d type %q", path, p.status, p.header.Get("Content-Type"))
		}
	}
	if p := b.get("/ui/nope"); p.status != http.StatusNotFound {
		t.Errorf("unknown path: %d", p.status)
	}
	if p := b.get("/ui/"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/signin" {
		t.Errorf("/ui/ signed out: %d %q", p.status, p.header.Get("Location"))
	}
	if p := b.get("/ui/account"); p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/signin?next=%2Fui%2Faccount" {
		t.Errorf("/ui/account signed out: %d %q", p.status, p.header.Get("Location"))
	}
}

// TestLedgerPaging: the ledger table pages and filters by kind.
func TestLedgerPaging(t *testing.T) {
	e := newEnv(t, false)
	for i := 0; i < 3; i++ {
		seedLedger(t, e)
	}
	b := e.browser()
	b.signIn(testKey, testSecret)
	rows := regexp.MustCompile(`<tr><td>\d+</td>`)
	p := b.get("/ui/account")
	if n := len(rows.FindAllString(p.body, -1)); n != entriesPerPage {
		t.Fatalf("first page rows %d", n)
	}
	if !strings.Contains(p.body, "37 entries, newest first") {
		t.Error("no entry count")
	}
	older := regexp.MustCompile(`<a href="(/ui/account\?before=(\d+)#ledger)" rel="next">`).FindStringSubmatch(p.body)
	if older == nil {
		t.Fatal("no link to the older entries")
	}
	p = b.get(older[1])
	if n := len(rows.FindAllString(p.body, -1)); n != 37-entriesPerPage {
		t.Fatalf("second page rows %d", n)
	}
	if !strings.Contains(p.body, "from before entry #"+older[2]) || !strings.Contains(p.body, `rel="first"`) || strings.Contains(p.body, `rel="next"`) {
		t.Error("the second (last) page's caption or links")
	}
	p = b.get("/ui/account?kind=credit")
	if !strings.Contains(p.body, "13 entries of kind credit") || strings.Contains(p.body, "<td>debit</td>") {
		t.Error("kind filter")
	}
	if p := b.get("/ui/account?kind=bogus&before=-4"); p.status != http.StatusOK {
		t.Errorf("bad parameters: %d", p.status)
	}
}

// TestPostingRefusesControlCharacters: the operator's posting form refuses
// control characters in the reason and the reference as the admin API
// does (one use case), and posts nothing.
func TestPostingRefusesControlCharacters(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	token := b.signInOperator()
	for _, field := range []string{"reason", "reference"} {
		p := b.post("/ui/operator/accounts/"+testKey+"/postings", url.Values{"csrf": {token}, "idempotency_key": {"cc-" + field},
			"direction": {"credit"}, "amount": {"1"}, field: {"\x1b[2Jgone\x07"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, field+" must not contain control characters") {
			t.Errorf("%s with ESC and BEL: status %d", field, p.status)
		}
	}
	if got := e.account(testKey).Balance.String(); got != "25.50000000" {
		t.Fatalf("balance changed to %s", got)
	}
}
