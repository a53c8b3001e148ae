package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestServeDashboard: the dashboard is mounted under /ui/ and can be
// turned off.
func TestServeDashboard(t *testing.T) {
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir())
	resp, body := do(t, "GET", base+"/ui/signin", nil, "")
	if resp.StatusCode != 200 || !strings.Contains(body, "<form") {
		t.Errorf("/ui/signin: %d %.200s", resp.StatusCode, body)
	}
	stop()
	base, _, _, stop = startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--ui", "off")
	defer stop()
	if resp, _ := do(t, "GET", base+"/ui/signin", nil, ""); resp.StatusCode != 404 {
		t.Errorf("/ui/signin with --ui off: %d", resp.StatusCode)
	}
}

// TestAuthLimiterShared: --auth-max-failures reaches the API's brute-force
// limiter, and the dashboard's sign-in shares it: after two failures on the
// API, the right secret is refused on the API and at sign-in alike.
func TestAuthLimiterShared(t *testing.T) {
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--demo-key", "limit001", "--demo-secret", "Limit0001Secret", "--auth-max-failures", "2", "--auth-lockout", "1h")
	defer stop()
	if code, _ := httpGet(t, base+"/account/get-balance", "limit001", "Limit0001Secret"); code != 200 {
		t.Fatalf("right secret before any failure: %d", code)
	}
	for range 2 {
		httpGet(t, base+"/account/get-balance", "limit001", "Wrong0001Secret")
	}
	if code, _ := httpGet(t, base+"/account/get-balance", "limit001", "Limit0001Secret"); code != http.StatusTooManyRequests {
		t.Fatalf("right secret after 2 failures with --auth-max-failures 2: %d, want 429", code)
	}

	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(base + "/ui/signin")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in the sign-in page")
	}
	form := url.Values{"csrf": {string(m[1])}, "api_key": {"limit001"}, "api_secret": {"Limit0001Secret"}}
	resp, err = client.PostForm(base+"/ui/signin", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("dashboard sign-in of a key locked out on the API: %d, want 429", resp.StatusCode)
	}
}

// TestTrustedProxyBruteForce: behind a trusted proxy, the brute-force
// limiter counts the client named by X-Forwarded-For: a client that failed
// is locked out, another client behind the same proxy is not. Without
// --trusted-proxy the header is ignored and both are the proxy.
func TestTrustedProxyBruteForce(t *testing.T) {
	get := func(base, client, secret string) int {
		req, _ := http.NewRequest("GET", base+"/account/get-balance", nil)
		req.SetBasicAuth("proxy001", secret)
		req.Header.Set("X-Forwarded-For", client)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, trusted := range []bool{true, false} {
		args := []string{"--addr", "127.0.0.1:0", "--data", t.TempDir(), "--demo-key", "proxy001", "--demo-secret", "Proxy0001Secret", "--auth-max-failures", "2"}
		if trusted {
			args = append(args, "--trusted-proxy", "127.0.0.1/32")
		}
		base, _, _, stop := startServeFull(t, noEnv, args...)
		for range 2 {
			get(base, "203.0.113.1", "Wrong0001Secret")
		}
		a, b := get(base, "203.0.113.1", "Proxy0001Secret"), get(base, "203.0.113.2", "Proxy0001Secret")
		stop()
		if a != http.StatusTooManyRequests {
			t.Errorf("trusted=%v: the failing client is not locked out: %d", trusted, a)
		}
		if want := map[bool]int{true: 200, false: http.StatusTooManyRequests}[trusted]; b != want {
			t.Errorf("trusted=%v: another client behind the proxy: %d, want %d", trusted, b, want)
		}
	}
}

// TestRateLimitsFlag: an account limited to one pricing request per second
// is throttled (429) with the default --rate-limits on, never with off.
func TestRateLimitsFlag(t *testing.T) {
	for _, mode := range []string{"on", "off"} {
		base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
			"--admin-token", "adm-token", "--rate-limits", mode)
		admin := map[string]string{"Authorization": "Bearer adm-token", "Content-Type": "application/json"}
		resp, body := do(t, "POST", base+"/admin/v1/accounts", admin,
			`{"api_key":"rate0001","api_secret":"Rate0001Secret","limits":{"max_outbound_request":30,"max_inbound_request":30,"max_calls_per_second":30,"pricing_per_second":1}}`)
		if resp.StatusCode != 201 {
			stop()
			t.Fatalf("create account: %d %s", resp.StatusCode, body)
		}
		throttled := 0
		for range 20 {
			if code, _ := httpGet(t, base+"/account/get-pricing/outbound/sms?country=GB", "rate0001", "Rate0001Secret"); code == http.StatusTooManyRequests {
				throttled++
			}
		}
		stop()
		if mode == "on" && throttled == 0 {
			t.Errorf("--rate-limits on: 20 back-to-back pricing requests at 1 per second, none throttled")
		}
		if mode == "off" && throttled != 0 {
			t.Errorf("--rate-limits off: %d requests throttled", throttled)
		}
	}
}

// TestAuthLimiterOff: --auth-max-failures off turns the brute-force
// limiter off (docs/security.md): many failures neither slow down nor lock
// out the right secret.
func TestAuthLimiterOff(t *testing.T) {
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(),
		"--demo-key", "limit002", "--demo-secret", "Limit0002Secret", "--auth-max-failures", "off")
	defer stop()
	for i := range 30 {
		if code, _ := httpGet(t, base+"/account/get-balance", "limit002", "Wrong0002Secret"); code != http.StatusUnauthorized {
			t.Fatalf("failure %d with the limiter off: %d, want 401", i+1, code)
		}
	}
	if code, _ := httpGet(t, base+"/account/get-balance", "limit002", "Limit0002Secret"); code != http.StatusOK {
		t.Fatalf("right secret after 30 failures with --auth-max-failures off: %d, want 200", code)
	}
}
