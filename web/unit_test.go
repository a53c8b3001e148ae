package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// TestBalanceChart: the chart spans the lowest and highest balance,
// draws a zero line when the balance went negative, and has a text
// alternative; no entries give no SVG.
func TestBalanceChart(t *testing.T) {
	if c := balanceChart(nil, kassa.EUR); c.SVG != "" || c.Label == "" {
		t.Fatalf("empty chart %+v", c)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	entries := []*kassa.Entry{ // newest first
		{BalanceAfter: kassa.MustParseAmount("-2.5"), CreatedAt: now.Add(2 * time.Hour)},
		{BalanceAfter: kassa.MustParseAmount("12"), CreatedAt: now.Add(time.Hour)},
		{BalanceAfter: kassa.MustParseAmount("5"), CreatedAt: now},
	}
	c := balanceChart(entries, kassa.EUR)
	svg := string(c.SVG)
	for _, want := range []string{`class="zero"`, ">-2.50<", ">12.00<", "2026-01-02 03:04", "2026-01-02 05:04", `role="img"`, "now -2.50 EUR"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q", want)
		}
	}
	// The top of the plot is the highest balance, the bottom the lowest.
	if !strings.Contains(svg, fmt.Sprintf(`<path class="line" d="M%d %d`, padLeft, padTop+(chartH-padTop-padBottom)-scale(int64(kassa.MustParseAmount("7.5")), int64(kassa.MustParseAmount("14.5")), chartH-padTop-padBottom))) {
		t.Errorf("first point misplaced: %s", svg)
	}
	one := balanceChart(entries[:1], kassa.USD)
	if one.SVG == "" || !strings.Contains(one.Label, "USD") {
		t.Fatal("single-entry chart")
	}
}

// TestScaleExtremes: scaling works across the whole Amount range without
// overflow.
func TestScaleExtremes(t *testing.T) {
	if got := scale(int64(kassa.MaxAmount), int64(kassa.MaxAmount), 180); got != 180 {
		t.Fatalf("scale(max,max) = %d", got)
	}
	if got := scale(int64(kassa.MaxAmount)/2, int64(kassa.MaxAmount), 180); got != 89 && got != 90 {
		t.Fatalf("scale(max/2,max) = %d", got)
	}
	if got := scale(5, 0, 100); got != 0 {
		t.Fatalf("scale over zero = %d", got)
	}
}

// TestQuantileBounds: classes cover every price, in order, without
// duplicate bounds.
func TestQuantileBounds(t *testing.T) {
	a := func(s string) kassa.Amount { return kassa.MustParseAmount(s) }
	prices := []kassa.Amount{a("0.01"), a("0.02"), a("0.03"), a("0.04"), a("0.05"), a("0.06"), a("0.07"), a("0.08"), a("0.09"), a("0.10")}
	b := quantileBounds(prices, 5)
	if len(b) != 5 || b[4] != a("0.10") {
		t.Fatalf("bounds %v", b)
	}
	for _, p := range prices {
		i := bucketOf(b, p)
		if p > b[i] || (i > 0 && p <= b[i-1]) {
			t.Errorf("price %s in class %d (bounds %v)", p, i, b)
		}
	}
	same := quantileBounds([]kassa.Amount{a("1"), a("1"), a("1")}, 5)
	if len(same) != 1 {
		t.Fatalf("equal prices give %d classes", len(same))
	}
	if quantileBounds(nil, 5) != nil {
		t.Fatal("no prices, bounds")
	}
}

// TestWorldMap: the shipped map is small, parses, and its countries are
// reference countries (alpha-2), with the big ones present.
func TestWorldMap(t *testing.T) {
	if len(worldTXT) > 300<<10 {
		t.Fatalf("world map is %d bytes, over 300 KB", len(worldTXT))
	}
	m, err := parseWorld(worldTXT)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.shapes) < 170 {
		t.Fatalf("%d shapes", len(m.shapes))
	}
	ref := refdata.Default()
	seen := map[string]bool{}
	for _, s := range m.shapes {
		if seen[s.Code] {
			t.Errorf("%s drawn twice", s.Code)
		}
		seen[s.Code] = true
		if _, ok := ref.Country(s.Code); !ok && s.Code != "XK" {
			t.Errorf("map country %s is not a reference country", s.Code)
		}
		if !strings.HasPrefix(s.Path, "M") || !strings.HasSuffix(s.Path, "z") {
			t.Errorf("%s: path %.20q", s.Code, s.Path)
		}
	}
	for _, c := range []string{"US", "BR", "RU", "CN", "IN", "DE", "FR", "GB", "AU", "ZA", "NG", "CA", "FJ"} {
		if !seen[c] {
			t.Errorf("map lacks %s", c)
		}
	}
	if seen["AQ"] {
		t.Error("Antarctica is drawn")
	}
}

// TestParseWorldErrors: a damaged file is an error, not a panic.
func TestParseWorldErrors(t *testing.T) {
	for _, in := range []string{"", "# viewBox 0 0 1 1\n", "US\tM0 0z\n", "# viewBox 0 0 1 1\nUSA M0 0z\n"} {
		if _, err := parseWorld([]byte(in)); err == nil {
			t.Errorf("parseWorld(%q) accepted", in)
		}
	}
}

// FuzzParseWorld: any input parses or fails cleanly.
func FuzzParseWorld(f *testing.F) {
	f.Add([]byte("# viewBox 0 0 10 10\nUS\tM1 1l1 1z\n"))
	f.Add([]byte("#\n\nxx\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseWorld(data)
		if err == nil && (m.viewBox == "" || len(m.shapes) == 0) {
			t.Fatal("accepted an empty map")
		}
	})
}

// FuzzSafeNext: next only ever leads to a dashboard path.
func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/ui/account", "//evil", "/ui/../admin", "https://x/ui/", "/ui/\\x", "/ui/\r\nSet-Cookie: a=b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if got != "" && (!strings.HasPrefix(got, "/ui/") || strings.ContainsAny(got, "\\\r\n")) {
			t.Fatalf("safeNext(%q) = %q", s, got)
		}
	})
}

// TestMemoryLimiterConcurrent: failures counted from many goroutines lock
// the client out exactly once and start attack mode exactly once; a client
// without failures is never refused, and a success clears a client.
func TestMemoryLimiterConcurrent(t *testing.T) {
	now := time.Now()
	l := NewMemoryLimiter(func() time.Time { return now })
	var wg sync.WaitGroup
	scopes := make(chan string, DefaultAttackFailures)
	for i := 0; i < DefaultAttackFailures; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.Wait("10.0.0.1")
			scopes <- l.Failure("10.0.0.1")
		}()
	}
	wg.Wait()
	close(scopes)
	started := map[string]int{}
	for s := range scopes {
		started[s]++
	}
	if started[LockoutClient] != 1 || started[LockoutAttack] != 1 {
		t.Fatalf("lock-outs started: %v, want one client and one attack", started)
	}
	if l.Wait("10.0.0.1") <= 0 {
		t.Fatal("the failing client is not refused")
	}
	if l.Wait("10.0.0.2") != 0 {
		t.Fatal("a client without failures is refused")
	}
	l.Success("10.0.0.1")
	if l.Wait("10.0.0.1") != 0 {
		t.Fatal("success did not clear the client")
	}
}

// TestSessionStoreConcurrent: sessions made and read from many goroutines
// are each found by their own token with their own CSRF token.
func TestSessionStoreConcurrent(t *testing.T) {
	db := testkit.OpenSQLite(t, sqlite.Options{})
	ctx := context.Background()
	storetest.MustCreateAccount(t, db, "conc0001", 0)
	secrets, err := db.Secrets(ctx, "conc0001")
	if err != nil {
		t.Fatal(err)
	}
	s := newSessionStore(db, slog.New(slog.DiscardHandler), time.Now, time.Hour, time.Hour, []byte("fp"))
	const n = 40 // within kassa.MaxSessionsPerPrincipal
	var wg sync.WaitGroup
	errs := make(chan error, n)
	tokens := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, key, secret := accountRole, "conc0001", secrets[0].ID
			if i%4 == 0 {
				r, key, secret = operatorRole, "", ""
			}
			sess, err := s.create(ctx, r, key, secret)
			if err != nil {
				errs <- err
				return
			}
			tokens[i] = sess.token
			for j := 0; j < 10; j++ {
				got, err := s.get(ctx, sess.token)
				if err != nil || got == nil || got.role != r || got.apiKey != key || got.csrf != sess.csrf {
					errs <- fmt.Errorf("session %d read back wrong: %+v, %v", i, got, err)
					return
				}
			}
			if i%2 == 0 {
				s.delete(ctx, sess.token)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	live := 0
	for _, token := range tokens {
		if sess, err := s.get(ctx, token); err != nil {
			t.Fatal(err)
		} else if sess != nil {
			live++
		}
	}
	if live != n/2 {
		t.Fatalf("%d sessions left, want %d", live, n/2)
	}
}

// TestAcceptsGzip: the Accept-Encoding parser.
func TestAcceptsGzip(t *testing.T) {
	for in, want := range map[string]bool{
		"": false, "gzip": true, "deflate, gzip;q=0.5": true, "br, GZIP": true, "gzip;q=0": false, "gzip; q=0": false, "identity": false, "x-gzip": false,
	} {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Accept-Encoding", in)
		if got := acceptsGzip(r); got != want {
			t.Errorf("acceptsGzip(%q) = %v", in, got)
		}
	}
}

// TestPagesCompressed: a large page is gzipped for clients that accept it
// and decodes to the same page; small ones and other clients get plain
// HTML.
func TestPagesCompressed(t *testing.T) {
	e := newEnv(t, false)
	b := e.browser()
	b.signIn(testKey, testSecret)
	b.client.Transport = &http.Transport{DisableCompression: true}
	get := func(path, enc string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+path, nil)
		if enc != "" {
			req.Header.Set("Accept-Encoding", enc)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	resp, zipped := get("/ui/pricing", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(resp.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("pricing page not gzipped: %v", resp.Header)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatal(err)
	}
	plainFromZip, _ := io.ReadAll(zr)
	resp, plain := get("/ui/pricing", "")
	if resp.Header.Get("Content-Encoding") != "" || !bytes.Equal(plain, plainFromZip) {
		t.Fatal("the gzipped page differs from the plain one")
	}
	if len(zipped)*2 > len(plain) {
		t.Errorf("gzip saves little: %d of %d bytes", len(zipped), len(plain))
	}
	if resp, _ := get("/ui/secrets", "gzip"); resp.Header.Get("Content-Encoding") != "" {
		t.Error("a small page was gzipped")
	}
}

// TestMemoryLimiterBounded: failures from more clients than the table
// holds keep it bounded, and a client that was just locked out and kept
// is still refused.
func TestMemoryLimiterBounded(t *testing.T) {
	now := time.Now()
	l := NewMemoryLimiter(func() time.Time { return now })
	for i := 0; i < DefaultMaxFailures; i++ {
		l.Failure("locked")
	}
	for i := 0; i < maxLimiterKeys+1000; i++ {
		l.Failure(fmt.Sprintf("c%d", i))
		if n := len(l.clients); n > maxLimiterKeys {
			t.Fatalf("%d tracked clients, bound %d", n, maxLimiterKeys)
		}
	}
	if _, kept := l.clients["locked"]; kept && l.Wait("locked") <= 0 {
		t.Fatal("a locked-out client that was kept is not refused")
	}
}
