package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestNoCredentialInLogs runs every authentication style against every
// surface, with the error paths (wrong credentials, wrong methods, unknown
// paths, bad bodies, the legacy path form with its trailing-slash, '//',
// upper-case and POST variants, the old pricing path form), then greps the
// whole log, the audit log and the metrics for each credential: the demo
// secret, the secrets created and rotated, the admin and service tokens.
func TestNoCredentialInLogs(t *testing.T) {
	const (
		key       = "redact01"
		secret    = "Redact0001Secret"
		wrong     = "Wrong0001Secret"
		rotated   = "Rotated0001Secret"
		created   = "Created0001Secret"
		other     = "Other0001Secret"
		admin     = "adm-redact-token-0001"
		service   = "svc-redact-token-0001"
		badAdmin  = "adm-wrong-token-0001"
		badBearer = "svc-wrong-token-0001"
	)
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			base, _, logs, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", t.TempDir(), "--log-format", format,
				"--demo-key", key, "--demo-secret", secret, "--admin-token", admin, "--service-token", service,
				"--reload-gateway", "ledger-only", "--rate-limits", "off")
			defer stop()
			form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			basic := func(user, pass string) map[string]string {
				req, _ := http.NewRequest("GET", "/", nil)
				req.SetBasicAuth(user, pass)
				return map[string]string{"Authorization": req.Header.Get("Authorization")}
			}
			bearer := func(tok string) map[string]string {
				return map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
			}
			// Raw requests keep the path exactly as written ("//", case).
			raw := func(method, path string) {
				t.Helper()
				req, err := http.NewRequest(method, base, nil)
				if err != nil {
					t.Fatal(err)
				}
				req.URL.Path, req.URL.RawPath = path, ""
				c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			for _, s := range []string{secret, wrong} {
				do(t, "GET", base+"/account/get-balance", basic(key, s), "")
				do(t, "GET", base+"/account/get-balance?api_key="+key+"&api_secret="+s, nil, "")
				do(t, "POST", base+"/account/get-balance", form, "api_key="+key+"&api_secret="+s)
				do(t, "GET", base+"/account/get-pricing/outbound/sms?country=GB&api_key="+key+"&api_secret="+s, nil, "")
				do(t, "GET", base+"/accounts/"+key+"/secrets", basic(key, s), "")
				for _, p := range []string{
					"/account/get-balance/" + key + "/" + s,
					"/account/get-balance/" + key + "/" + s + "/",
					"//account/get-balance/" + key + "/" + s,
					"/account//get-balance//" + key + "//" + s,
					"/ACCOUNT/GET-BALANCE/" + key + "/" + s,
					"/account/get-balance/" + key + "/" + s + "/extra",
					"/account/get-pricing/outbound/" + key + "/" + s + "/DE",
				} {
					raw("GET", p)
					raw("POST", p)
					raw("DELETE", p)
				}
			}
			// Rotation through settings, a new secret through the secrets
			// API, a new account through the admin API: the new secrets
			// are credentials too.
			do(t, "POST", base+"/account/settings", form, "api_key="+key+"&api_secret="+secret+"&newSecret="+rotated)
			do(t, "POST", base+"/accounts/"+key+"/secrets", map[string]string{"Authorization": basic(key, rotated)["Authorization"], "Content-Type": "application/json"}, `{"secret":"`+created+`"}`)
			do(t, "POST", base+"/accounts/"+key+"/secrets", map[string]string{"Authorization": basic(key, rotated)["Authorization"], "Content-Type": "application/json"}, `{"secret":"`+created+`"`) // bad JSON
			do(t, "POST", base+"/account/top-up", form, "api_key="+key+"&api_secret="+rotated+"&trx=demo-trx")
			do(t, "POST", base+"/admin/v1/accounts", bearer(admin), `{"api_key":"redact02","api_secret":"`+other+`","currency":"EUR"}`)
			do(t, "POST", base+"/admin/v1/accounts", bearer(admin), `{"api_key":"redact03","api_secret":"`+other+`",`) // bad JSON
			do(t, "GET", base+"/admin/v1/accounts", bearer(badAdmin), "")
			do(t, "DELETE", base+"/admin/v1/accounts", bearer(admin), "")
			do(t, "GET", base+"/admin/v1/nope", bearer(admin), "")
			do(t, "POST", base+"/platform/v1/charges", map[string]string{"Authorization": "Bearer " + service, "Content-Type": "application/json", "Idempotency-Key": "r-1"},
				`{"account":"`+key+`","type":"sms","to":"447700900123","units":1}`)
			do(t, "POST", base+"/platform/v1/charges", bearer(badBearer), `{}`)
			do(t, "POST", base+"/platform/v1/charges", bearer(service), `{"account":`)
			do(t, "POST", base+"/account/settings", form, "api_key="+key+"&api_secret="+rotated+"&"+strings.Repeat("x", 2<<20)) // too large
			dashboardSignIns(t, base, key, rotated, wrong, admin, badAdmin)
			do(t, "GET", base+"/healthz", map[string]string{"X-Request-Id": "last-" + format}, "")
			waitFor(t, func() bool { return strings.Contains(logs.String(), "last-"+format) })

			_, audit := do(t, "GET", base+"/admin/v1/audit?limit=100", bearer(admin), "")
			_, metrics := do(t, "GET", base+"/metrics", nil, "")
			var page struct {
				Total int `json:"total"`
			}
			if err := json.Unmarshal([]byte(audit), &page); err != nil || page.Total == 0 {
				t.Fatalf("audit log: %v %.300s", err, audit)
			}
			for _, cred := range []string{secret, wrong, rotated, created, other, admin, service, badAdmin, badBearer} {
				for what, text := range map[string]string{"log": logs.String(), "audit log": audit, "metrics": metrics} {
					if strings.Contains(text, cred) {
						t.Errorf("the %s holds the credential %q:\n%s", what, cred, lineWith(text, cred))
					}
				}
			}
			if !strings.Contains(logs.String(), "get-balance/{redacted}/{redacted}") {
				t.Errorf("the legacy path form is not in the log, redacted:\n%.2000s", logs.String())
			}
		})
	}
}

// dashboardSignIns signs in to the dashboard as the account holder and as
// the operator, each with a wrong credential first.
func dashboardSignIns(t *testing.T, base, key, secret, wrong, admin, badAdmin string) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := func() string {
		resp, err := c.Get(base + "/ui/signin")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindStringSubmatch(string(b))
		if m == nil {
			t.Fatalf("no CSRF token on the sign-in page: %.300s", b)
		}
		return m[1]
	}
	post := func(v url.Values) int {
		resp, err := c.PostForm(base+"/ui/signin", v)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, s := range []string{wrong, secret} {
		post(url.Values{"csrf": {csrf()}, "api_key": {key}, "api_secret": {s}})
	}
	jar, _ = cookiejar.New(nil)
	c.Jar = jar
	for _, tok := range []string{badAdmin, admin} {
		post(url.Values{"csrf": {csrf()}, "role": {"operator"}, "admin_token": {tok}})
	}
}

// lineWith returns the lines of text that hold s (for failure messages).
func lineWith(text, s string) string {
	var out []string
	for l := range strings.Lines(text) {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
