package httpfront

import (
	"bytes"
	"encoding/hex"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTrustedProxy: X-Forwarded-For names the client only when the TCP peer
// is a trusted proxy, and then the right-most hop that is not itself
// trusted; from any other peer the X-Forwarded-* headers are removed.
func TestTrustedProxy(t *testing.T) {
	f := New(Options{TrustedProxies: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128"),
	}})
	cases := []struct {
		peer, xff, proto string
		wantRemote       string
		wantProto        string
	}{
		{"10.1.2.3:5555", "203.0.113.9", "https", "203.0.113.9:0", "https"},
		{"10.1.2.3:5555", "198.51.100.1, 203.0.113.9, 10.9.9.9", "https", "203.0.113.9:0", "https"}, // spoofed left hop ignored
		{"[::1]:5555", "2001:db8::7", "", "[2001:db8::7]:0", ""},                                    // IPv6
		{"10.1.2.3:5555", "garbage", "", "10.1.2.3:5555", ""},                                       // malformed: the proxy stays
		{"10.1.2.3:5555", "", "", "10.1.2.3:5555", ""},                                              // no header
		{"192.0.2.50:4444", "203.0.113.9", "https", "192.0.2.50:4444", ""},                          // untrusted peer: headers dropped
		{"[::ffff:10.1.2.3]:5555", "203.0.113.10", "", "203.0.113.10:0", ""},                        // IPv4-mapped peer
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/healthz", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if c.proto != "" {
			r.Header.Set("X-Forwarded-Proto", c.proto)
		}
		f.resolveClient(r)
		if r.RemoteAddr != c.wantRemote || r.Header.Get("X-Forwarded-Proto") != c.wantProto {
			t.Errorf("peer %s xff %q: remote %q proto %q, want %q %q", c.peer, c.xff, r.RemoteAddr, r.Header.Get("X-Forwarded-Proto"), c.wantRemote, c.wantProto)
		}
	}
	// Without --trusted-proxy nothing is trusted.
	none := New(Options{})
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.1.2.3:5555"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	none.resolveClient(r)
	if r.RemoteAddr != "10.1.2.3:5555" || r.Header.Get("X-Forwarded-For") != "" {
		t.Errorf("no trusted proxy: remote %q, xff %q", r.RemoteAddr, r.Header.Get("X-Forwarded-For"))
	}
}

// TestFrontRouteLabel: the label is the inner ServeMux's pattern, and a
// request nothing matched is "unmatched" (no raw path ever), also when a
// catch-all pattern answered it ("/", "/account/"…); a subtree pattern
// with a method ("GET /static/") is a route.
func TestFrontRouteLabel(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(LogHandler(slog.NewTextHandler(&logs, nil)))
	inner := http.NewServeMux()
	inner.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "handler line")
		w.WriteHeader(http.StatusTeapot)
	})
	inner.HandleFunc("GET /static/", func(w http.ResponseWriter, r *http.Request) {})
	inner.HandleFunc("/account/", http.NotFound)
	inner.HandleFunc("/", http.NotFound)
	outer := http.NewServeMux()
	outer.Handle("/", inner)
	m := &countingMetrics{}
	h := New(Options{Logger: log, AccessLog: true, Metrics: m}).Wrap(outer)
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/items/secret-looking-id?api_secret=hunter2", nil)
	req.Header.Set("X-Request-Id", "rid-1")
	h.ServeHTTP(rec, req)
	out := logs.String()
	if !strings.Contains(out, `msg="handler line" request_id=rid-1`) {
		t.Errorf("the handler's log line lacks the request id:\n%s", out)
	}
	if !strings.Contains(out, `route="GET /items/{id}"`) || !strings.Contains(out, "status=418") || strings.Contains(out, "hunter2") {
		t.Errorf("access log:\n%s", out)
	}
	for path, want := range map[string]string{
		"/static/app.css": "GET /static/",
		"/account/nope":   Unmatched,
		"/nope":           Unmatched,
		"/items/7":        "GET /items/{id}",
	} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		if got := m.last(); got != want {
			t.Errorf("%s: route label %q, want %q", path, got, want)
		}
	}
	if RouteLabel(httptest.NewRequest("GET", "/x", nil)) != Unmatched {
		t.Error("a request no mux saw has a label other than unmatched")
	}
}

// countingMetrics remembers the route labels it was given.
type countingMetrics struct {
	mu     sync.Mutex
	routes []string
}

func (m *countingMetrics) RequestStarted() {}

func (m *countingMetrics) RequestDone(route, method string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.routes = append(m.routes, route)
}

func (m *countingMetrics) last() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.routes[len(m.routes)-1]
}

// TestAccessLogRedactsPath: the access log writes the path through
// RedactPath; without it, the path as it came.
func TestAccessLogRedactsPath(t *testing.T) {
	var logs bytes.Buffer
	redact := func(p string) string { return strings.ReplaceAll(p, "S3cretValue1", "{redacted}") }
	h := New(Options{Logger: slog.New(slog.NewTextHandler(&logs, nil)), AccessLog: true, RedactPath: redact}).Wrap(http.NotFoundHandler())
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/account/get-balance/key1/S3cretValue1/", nil))
	if out := logs.String(); strings.Contains(out, "S3cretValue1") || !strings.Contains(out, "path=/account/get-balance/key1/{redacted}/") {
		t.Errorf("access log:\n%s", out)
	}
}

// FuzzSaneRequestID: an accepted request id is short and safe to log and
// echo (no control characters, spaces, quotes).
func FuzzSaneRequestID(f *testing.F) {
	for _, s := range []string{"abc", "client-id_1.2:3", "", "a b", "x\ny", strings.Repeat("a", 129), "é", `"q"`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if !saneRequestID(id) {
			return
		}
		if len(id) == 0 || len(id) > maxRequestIDLen || strings.ContainsAny(id, " \t\r\n\"'=\\") {
			t.Fatalf("accepted %q", id)
		}
	})
}

// TestNewRequestIDUnique: ids made by many goroutines at once are all
// different, 32 lowercase hex digits, accepted by saneRequestID when echoed
// back, and share this process's prefix.
func TestNewRequestIDUnique(t *testing.T) {
	const workers, each = 8, 2000
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range ids {
		wg.Go(func() {
			for range each {
				ids[w] = append(ids[w], newRequestID())
			}
		})
	}
	wg.Wait()
	seen := make(map[string]bool, workers*each)
	prefix := hex.EncodeToString(requestIDPrefix[:])
	for _, list := range ids {
		for _, id := range list {
			if seen[id] {
				t.Fatalf("request id %s made twice", id)
			}
			seen[id] = true
			if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" || !saneRequestID(id) || !strings.HasPrefix(id, prefix) {
				t.Fatalf("request id %q: want 32 hex digits starting with %s", id, prefix)
			}
		}
	}
}

// TestForwardingHeadersCanonical: resolveClient deletes these names from
// the header map directly, which works only for canonical names.
func TestForwardingHeadersCanonical(t *testing.T) {
	for _, h := range forwardingHeaders {
		if c := http.CanonicalHeaderKey(h); c != h {
			t.Errorf("%q is not canonical (%q)", h, c)
		}
	}
}
