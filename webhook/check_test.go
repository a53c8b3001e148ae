package webhook

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// loopback allows the IPv4 loopback network, where httptest servers listen.
var loopback = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}

// newServer starts a loopback HTTP server with h and stops it at cleanup.
func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// wantRejected asserts that err is ECALLBACKREJECTED mentioning want.
func wantRejected(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("CheckCallback = nil, want rejection containing %q", want)
	}
	if code := kassa.ErrorCode(err); code != kassa.ECALLBACKREJECTED {
		t.Fatalf("code = %q (%v), want %q", code, err, kassa.ECALLBACKREJECTED)
	}
	if msg := kassa.ErrorMessage(err); !strings.Contains(msg, want) {
		t.Fatalf("message = %q, want it to contain %q", msg, want)
	}
}

func TestCheckCallbackAccepts200(t *testing.T) {
	var ua atomic.Value
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		ua.Store(r.Header.Get("User-Agent"))
		if r.Method != http.MethodGet {
			w.WriteHeader(http.StatusMethodNotAllowed)
		}
		_, _ = w.Write([]byte(strings.Repeat("x", 1<<20))) // larger than the cap: drained, not an error
	})
	c := NewChecker(Guard{Allow: loopback}, time.Second)
	if err := c.CheckCallback(context.Background(), srv.URL+"/mo"); err != nil {
		t.Fatalf("CheckCallback = %v, want nil", err)
	}
	if got := ua.Load(); got != UserAgent {
		t.Errorf("User-Agent = %q, want %q", got, UserAgent)
	}
}

func TestCheckCallbackRejectsStatus(t *testing.T) {
	for _, status := range []int{http.StatusNotFound, http.StatusInternalServerError, http.StatusNoContent, http.StatusCreated} {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(status) })
		err := NewChecker(Guard{Allow: loopback}, time.Second).CheckCallback(context.Background(), srv.URL)
		wantRejected(t, err, fmt.Sprintf("answered status %d", status))
	}
}

func TestCheckCallbackTimesOut(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	err := NewChecker(Guard{Allow: loopback}, 150*time.Millisecond).CheckCallback(context.Background(), srv.URL)
	wantRejected(t, err, "timeout after 150ms")
}

func TestCheckCallbackConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	err = NewChecker(Guard{Allow: loopback}, time.Second).CheckCallback(context.Background(), "http://"+addr+"/")
	wantRejected(t, err, "connection refused")
}

func TestCheckCallbackRefusesLoopbackByDefault(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { hits.Add(1) })
	err := NewChecker(Guard{}, time.Second).CheckCallback(context.Background(), srv.URL)
	wantRejected(t, err, "address 127.0.0.1 is not allowed (loopback)")
	if hits.Load() != 0 {
		t.Fatalf("server was reached %d times although the address is refused", hits.Load())
	}
}

func TestCheckCallbackRefusesLiteralAddressesBeforeDialling(t *testing.T) {
	cases := map[string]string{
		"http://169.254.169.254/latest/meta-data/": "address 169.254.169.254 is not allowed (cloud metadata)",
		"http://[fd00:ec2::254]/":                  "(cloud metadata)",
		"http://100.100.100.200/":                  "(cloud metadata)",
		"http://10.0.0.1/mo":                       "address 10.0.0.1 is not allowed (private network)",
		"http://192.168.0.1:8080/":                 "(private network)",
		"http://[::1]:9/":                          "address ::1 is not allowed (loopback)",
		"http://0.0.0.0:9/":                        "address 0.0.0.0 is not allowed (unspecified address)",
		"http://[::]:9/":                           "(unspecified address)",
		"http://[::ffff:127.0.0.1]:9/":             "(loopback)",
		"http://[::ffff:a00:1]/":                   "(private network)",
		"http://[fe80::1]/":                        "(link-local)",
		"http://100.64.1.1/":                       "(shared address space (CGNAT))",
		"http://2130706433/":                       "non-standard (decimal, octal or hex) form",
		"http://0177.0.0.1/":                       "non-standard (decimal, octal or hex) form",
		"http://0x7f000001/":                       "non-standard (decimal, octal or hex) form",
		"gopher://example.com/":                    "not an absolute http(s) URL",
		"not a url":                                "not an absolute http(s) URL",
	}
	c := NewChecker(Guard{Lookup: failLookup(t)}, time.Second)
	for raw, want := range cases {
		err := c.CheckCallback(context.Background(), raw)
		wantRejected(t, err, want)
		var op *net.OpError
		if errors.As(err, &op) {
			t.Errorf("%s: a connection was attempted (%v)", raw, op)
		}
	}
}

// failLookup is a resolver that must not be used.
func failLookup(t *testing.T) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		t.Errorf("unexpected lookup of %q", host)
		return nil, errors.New("no lookups in this test")
	}
}

// fixedLookup resolves every name in m to its addresses.
func fixedLookup(m map[string][]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		var out []netip.Addr
		for _, a := range m[host] {
			out = append(out, netip.MustParseAddr(a))
		}
		if out == nil {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return out, nil
	}
}

func TestCheckCallbackRefusesNamesResolvingToLoopback(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	lookup := fixedLookup(map[string][]string{"callbacks.example": {"127.0.0.1"}})
	err := NewChecker(Guard{Lookup: lookup}, time.Second).CheckCallback(context.Background(), "http://callbacks.example"+port+"/")
	wantRejected(t, err, "address 127.0.0.1 is not allowed (loopback)")

	if err := NewChecker(Guard{Lookup: lookup, Allow: loopback}, time.Second).CheckCallback(context.Background(), "http://callbacks.example"+port+"/"); err != nil {
		t.Fatalf("after allowing 127.0.0.0/8: %v", err)
	}
}

func TestCheckCallbackRefusesLocalhostWithSystemResolver(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	err := NewChecker(Guard{}, time.Second).CheckCallback(context.Background(), "http://localhost"+port+"/")
	wantRejected(t, err, "(loopback)")
}

func TestGuardDialsOnlyAllowedAnswers(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	port := srv.URL[strings.LastIndexByte(srv.URL, ':'):]
	// The refused answer comes first: it must be skipped, never dialled.
	lookup := fixedLookup(map[string][]string{"mixed.example": {"10.0.0.1", "127.0.0.1"}})
	g := Guard{Lookup: lookup, Allow: loopback}
	if err := NewChecker(g, time.Second).CheckCallback(context.Background(), "http://mixed.example"+port+"/"); err != nil {
		t.Fatalf("CheckCallback = %v, want the allowed answer to be used", err)
	}
	mapped := fixedLookup(map[string][]string{"mapped.example": {"::ffff:127.0.0.1"}})
	_, err := Guard{Lookup: mapped}.DialContext(context.Background(), "tcp", "mapped.example"+port)
	var blocked *BlockedError
	if !errors.As(err, &blocked) || blocked.Reason != "loopback" {
		t.Fatalf("dial of IPv4-mapped loopback = %v, want a loopback refusal", err)
	}
}

func TestCheckCallbackRefusesRedirectToPrivateAddress(t *testing.T) {
	cases := map[string]string{
		"http://10.0.0.1/steal":          "redirect to a private address is not allowed",
		"http://169.254.169.254/latest/": "redirect to a cloud metadata address is not allowed",
		"http://internal.example:9/":     "redirect to a private address is not allowed",
		"http://127.0.0.2:9/":            "redirect to a loopback address is not allowed",
		"http://2130706433/":             "non-standard",
		"file:///etc/passwd":             "not an absolute http(s) URL",
	}
	lookup := fixedLookup(map[string][]string{"internal.example": {"192.168.7.7"}})
	// Only the server's own address is allowed, so 127.0.0.2 is refused.
	g := Guard{Lookup: lookup, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	for target, want := range cases {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target, http.StatusFound)
		})
		err := NewChecker(g, time.Second).CheckCallback(context.Background(), srv.URL)
		wantRejected(t, err, want)
	}
}

func TestCheckCallbackFollowsFewRedirects(t *testing.T) {
	var hits atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/final" {
			return
		}
		hits.Add(1)
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	g := Guard{Allow: loopback}
	err := NewChecker(g, time.Second).CheckCallback(context.Background(), srv.URL+"/loop")
	wantRejected(t, err, "more than 3 redirects")
	if n := hits.Load(); n != DefaultMaxRedirects+1 {
		t.Errorf("server hit %d times, want %d", n, DefaultMaxRedirects+1)
	}
	srv2 := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/final" {
			http.Redirect(w, r, "/final", http.StatusMovedPermanently)
		}
	})
	if err := NewChecker(g, time.Second).CheckCallback(context.Background(), srv2.URL+"/start"); err != nil {
		t.Fatalf("one redirect to an allowed address: %v", err)
	}
}

func TestCheckCallbackIPv6Loopback(t *testing.T) {
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback on this machine: %v", err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	err = NewChecker(Guard{}, time.Second).CheckCallback(context.Background(), srv.URL)
	wantRejected(t, err, "address ::1 is not allowed (loopback)")
	allow, _ := ParseAllow([]string{"::1/128"})
	if err := NewChecker(Guard{Allow: allow}, time.Second).CheckCallback(context.Background(), srv.URL); err != nil {
		t.Fatalf("after allowing ::1/128: %v", err)
	}
}

func TestClientCapsResponseBody(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("y", 4096)))
	})
	c := Client(Guard{Allow: loopback}, time.Second, 1000)
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if !errors.Is(err, ErrBodyTooLarge) || len(b) != 1000 {
		t.Fatalf("read %d bytes, err %v; want 1000 bytes and ErrBodyTooLarge", len(b), err)
	}
	small := newServer(t, func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) })
	resp2, err := c.Get(small.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	if b, err := io.ReadAll(resp2.Body); err != nil || string(b) != "ok" {
		t.Fatalf("small body = %q, %v", b, err)
	}
}

func TestClientIgnoresProxyEnvironment(t *testing.T) {
	var proxied atomic.Int32
	proxy := newServer(t, func(w http.ResponseWriter, r *http.Request) { proxied.Add(1) })
	t.Setenv("HTTP_PROXY", proxy.URL)
	lookup := fixedLookup(map[string][]string{"private.example": {"10.9.9.9"}})
	err := NewChecker(Guard{Lookup: lookup, Allow: loopback}, time.Second).CheckCallback(context.Background(), "http://private.example/")
	wantRejected(t, err, "(private network)")
	if proxied.Load() != 0 {
		t.Fatal("the request went through the environment's proxy")
	}
}

func TestCheckCallbackUntrustedCertificate(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	err := NewChecker(Guard{Allow: loopback}, time.Second).CheckCallback(context.Background(), srv.URL)
	wantRejected(t, err, "TLS certificate not trusted")
}
