package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/ratelimit"
)

// rateLimits are the per-account limiters of this node: every public API
// call (max-calls-per-second), the pricing endpoints (pricing per second)
// and platform charges (max-outbound-request). Each account's limit is read
// from the account on every request, so an admin change applies at once.
type rateLimits struct {
	off      bool
	calls    *ratelimit.Limiter
	pricing  *ratelimit.Limiter
	outbound *ratelimit.Limiter
}

func newRateLimits(now func() time.Time, off bool) rateLimits {
	return rateLimits{off: off, calls: ratelimit.New(now), pricing: ratelimit.New(now), outbound: ratelimit.New(now)}
}

// The rate-limit headers, in canonical form (set without canonicalising).
const (
	headerLimit     = "X-Ratelimit-Limit"
	headerRemaining = "X-Ratelimit-Remaining"
	headerReset     = "X-Ratelimit-Reset"
	headerRetry     = "Retry-After"
)

// take takes one request of account from l at perSecond and writes the
// X-RateLimit headers; a refusal is an ERATELIMITED error and sets
// Retry-After. what names the limit in the message.
func (rl rateLimits) take(w http.ResponseWriter, l *ratelimit.Limiter, account string, perSecond int, what string) error {
	if rl.off || perSecond <= 0 {
		return nil
	}
	d := l.Allow(account, perSecond)
	h := w.Header()
	h[headerLimit] = []string{strconv.Itoa(d.Limit)}
	h[headerRemaining] = []string{strconv.Itoa(d.Remaining)}
	h[headerReset] = []string{strconv.FormatInt(d.Reset.UnixMilli(), 10)}
	if d.Allowed {
		return nil
	}
	h[headerRetry] = []string{strconv.Itoa(retryAfterSeconds(d.RetryAfter))}
	return &kassa.Error{Code: kassa.ERATELIMITED, Message: fmt.Sprintf("too many requests: the limit is %d %s per second", perSecond, what)}
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(int((d+time.Second-1)/time.Second), 1)
}

// limitCalls counts a public API call against max-calls-per-second.
func (s *Server) limitCalls(w http.ResponseWriter, a *kassa.Account) error {
	return s.limits.take(w, s.limits.calls, a.APIKey, a.Limits.MaxCallsPerSecond, "API calls")
}

// limitOutbound counts a platform charge against max-outbound-request.
func (s *Server) limitOutbound(w http.ResponseWriter, a *kassa.Account) error {
	return s.limits.take(w, s.limits.outbound, a.APIKey, a.Limits.MaxOutboundRequest, "outbound messages (max-outbound-request) of account "+a.APIKey)
}

// pricingLimited wraps a pricing handler with the account's pricing limit
// (on top of max-calls-per-second; its headers replace those).
func (s *Server) pricingLimited(h publicHandler) publicHandler {
	return func(w http.ResponseWriter, r *http.Request, c *publicCall) error {
		if err := s.limits.take(w, s.limits.pricing, c.account.APIKey, c.account.Limits.PricingPerSecond, "pricing requests"); err != nil {
			return err
		}
		return h(w, r, c)
	}
}
