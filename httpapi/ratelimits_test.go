package httpapi

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestRateLimitCalls: max-calls-per-second applies to the account's public
// calls as a whole, with the X-RateLimit headers; the 429 has Retry-After
// and the surface's body; other accounts are unaffected; the bucket refills
// with the (injected) clock; an admin change of the limit applies at once.
func TestRateLimitCalls(t *testing.T) {
	h := newHarness(t)
	c := newManualClock()
	h.serve(Config{Now: c.now, CheckCallback: acceptEveryCallback})
	h.createAccount("other123", testSecret, "1", kassa.EUR, noReload)
	h.admin("PUT", "/admin/v1/accounts/"+testKey+"/limits", `{"max_outbound_request":30,"max_inbound_request":30,"max_calls_per_second":3}`).wantStatus(t, http.StatusOK)

	paths := []string{"/account/get-balance", "/accounts/" + testKey + "/secrets", "/account/get-balance"}
	for i, p := range paths {
		resp := h.get(p).wantStatus(t, http.StatusOK)
		if resp.header.Get("X-RateLimit-Limit") != "3" || resp.header.Get("X-RateLimit-Remaining") != strconv.Itoa(2-i) {
			t.Errorf("call %d headers: limit %q remaining %q", i, resp.header.Get("X-RateLimit-Limit"), resp.header.Get("X-RateLimit-Remaining"))
		}
		reset, err := strconv.ParseInt(resp.header.Get("X-RateLimit-Reset"), 10, 64)
		if err != nil || reset <= c.now().UnixMilli() || reset > c.now().Add(time.Second).UnixMilli() {
			t.Errorf("X-RateLimit-Reset %q is not milliseconds since the epoch within the next second", resp.header.Get("X-RateLimit-Reset"))
		}
	}
	limited := h.get("/account/get-balance").wantStatus(t, http.StatusTooManyRequests)
	if limited.header.Get("Retry-After") != "1" || limited.header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("429 headers %v", limited.header)
	}
	if b := limited.json(t); b["error-code"] != "429" || b["error-code-label"] != "too many requests: the limit is 3 API calls per second" {
		t.Errorf("legacy 429 body %s", limited.body)
	}
	sec := h.get("/accounts/"+testKey+"/secrets").wantStatus(t, http.StatusTooManyRequests)
	if b := sec.json(t); b["type"] != "https://developer.nexmo.com/api-errors#rate-limited" || b["title"] != "Too many requests" {
		t.Errorf("secrets 429 body %s", sec.body)
	}
	h.do(req{path: "/account/get-balance", basic: [2]string{"other123", testSecret}}).wantStatus(t, http.StatusOK)

	c.add(time.Second / 3)
	h.get("/account/get-balance").wantStatus(t, http.StatusOK)
	h.get("/account/get-balance").wantStatus(t, http.StatusTooManyRequests)

	h.admin("PUT", "/admin/v1/accounts/"+testKey+"/limits", `{"max_outbound_request":30,"max_inbound_request":30,"max_calls_per_second":100}`).wantStatus(t, http.StatusOK)
	if r := h.get("/account/get-balance").wantStatus(t, http.StatusOK); r.header.Get("X-RateLimit-Limit") != "100" {
		t.Errorf("after raising the limit: X-RateLimit-Limit %q", r.header.Get("X-RateLimit-Limit"))
	}
}

// TestRateLimitPricing: the pricing endpoints have their own limit (1/s by
// default) while other calls go on.
func TestRateLimitPricing(t *testing.T) {
	h := newHarness(t)
	c := newManualClock()
	h.serve(Config{Now: c.now})
	h.get("/account/get-pricing/outbound/sms?country=GB").wantStatus(t, http.StatusOK)
	for _, p := range []string{"/account/get-pricing/outbound/sms?country=GB", "/account/get-full-pricing/outbound/sms", "/account/get-prefix-pricing/outbound/sms?prefix=44"} {
		resp := h.get(p).wantStatus(t, http.StatusTooManyRequests)
		if resp.header.Get("X-RateLimit-Limit") != "1" || resp.header.Get("Retry-After") != "1" {
			t.Errorf("%s: headers %v", p, resp.header)
		}
	}
	h.get("/account/get-balance").wantStatus(t, http.StatusOK)
	c.add(time.Second)
	h.get("/account/get-full-pricing/outbound/sms").wantStatus(t, http.StatusOK)
}

// TestRateLimitsOff: Config.RateLimitsOff lifts every limit and writes no
// rate-limit headers.
func TestRateLimitsOff(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{Now: newManualClock().now, RateLimitsOff: true})
	for range 5 {
		resp := h.get("/account/get-pricing/outbound/sms?country=GB").wantStatus(t, http.StatusOK)
		if resp.header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("rate-limit header with limits off: %v", resp.header)
		}
	}
}

// TestAdminCreatedAccountLimits: an account created through the admin API
// gets the reference limits (30/s, pricing 1/s), and they are enforced.
func TestAdminCreatedAccountLimits(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{Now: newManualClock().now})
	h.admin("POST", "/admin/v1/accounts", `{"api_key":"new12345","api_secret":"NewSecret99","currency":"EUR","credit":"1"}`).wantStatus(t, http.StatusCreated)
	if got := h.account("new12345").Limits; got != kassa.DefaultLimits {
		t.Fatalf("limits %+v, want %+v", got, kassa.DefaultLimits)
	}
	me := [2]string{"new12345", "NewSecret99"}
	for range 30 {
		h.do(req{path: "/account/get-balance", basic: me}).wantStatus(t, http.StatusOK)
	}
	h.do(req{path: "/account/get-balance", basic: me}).wantStatus(t, http.StatusTooManyRequests)
}

// TestPlatformOutboundLimit: charges count against the account's
// max-outbound-request; the 429 is a problem body that says so.
func TestPlatformOutboundLimit(t *testing.T) {
	h := newHarness(t)
	c := newManualClock()
	h.serve(Config{Now: c.now})
	h.admin("PUT", "/admin/v1/accounts/"+testKey+"/limits", `{"max_outbound_request":2,"max_inbound_request":30,"max_calls_per_second":30}`).wantStatus(t, http.StatusOK)
	body := `{"account":"abcd1234","type":"sms","to":"+447700900123","units":1}`
	h.platform(http.MethodPost, "/platform/v1/charges", body, "o1").wantStatus(t, http.StatusCreated)
	h.platform(http.MethodPost, "/platform/v1/charges", body, "o2").wantStatus(t, http.StatusCreated)
	before := h.account(testKey).Balance
	resp := h.platform(http.MethodPost, "/platform/v1/charges", body, "o3")
	p := resp.wantProblem(t, http.StatusTooManyRequests, "rate-limited")
	if p["detail"] != "too many requests: the limit is 2 outbound messages (max-outbound-request) of account abcd1234 per second" || resp.header.Get("Retry-After") != "1" {
		t.Errorf("problem %v, Retry-After %q", p, resp.header.Get("Retry-After"))
	}
	if h.account(testKey).Balance != before {
		t.Error("a refused charge changed the balance")
	}
	c.add(time.Second / 2)
	h.platform(http.MethodPost, "/platform/v1/charges", body, "o3").wantStatus(t, http.StatusCreated)
}

// TestRateLimitConcurrent: with the clock stopped, many concurrent callers
// of one account get exactly its limit through, the rest 429.
func TestRateLimitConcurrent(t *testing.T) {
	h := newHarness(t)
	h.serve(Config{Now: newManualClock().now})
	h.admin("PUT", "/admin/v1/accounts/"+testKey+"/limits", `{"max_outbound_request":30,"max_inbound_request":30,"max_calls_per_second":7}`).wantStatus(t, http.StatusOK)
	var ok, limited atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				switch st := h.get("/account/get-balance").status; st {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				default:
					t.Errorf("status %d", st)
				}
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 7 || limited.Load() != 33 {
		t.Errorf("%d allowed, %d limited; want 7 and 33", ok.Load(), limited.Load())
	}
}
