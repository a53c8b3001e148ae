package client

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryWait decides whether attempt (0-based) of r, which ended with err,
// is retried and how long to wait first.
func (c *Client) retryWait(r *request, attempt int, err error) (time.Duration, bool) {
	if err == nil || attempt >= c.retries {
		return 0, false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return 0, false
	}
	var e *Error
	if errors.As(err, &e) {
		switch {
		case e.Status == http.StatusTooManyRequests:
			if e.RetryAfter > 0 {
				return e.RetryAfter, e.RetryAfter <= DefaultMaxRetryAfter
			}
			return c.backoff(attempt), true
		case e.Retryable && r.idempotent():
			if e.RetryAfter > 0 && e.RetryAfter <= DefaultMaxRetryAfter {
				return e.RetryAfter, true
			}
			return c.backoff(attempt), true
		}
		return 0, false
	}
	if IsUnreachable(err) && r.idempotent() {
		return c.backoff(attempt), true
	}
	return 0, false
}

// backoff returns the jittered exponential wait before retry attempt+1: a
// random duration in [0, min(backoffMax, backoffBase×2^attempt)].
func (c *Client) backoff(attempt int) time.Duration {
	ceiling := c.backoffMax
	if attempt < 30 {
		if d := c.backoffBase << attempt; d > 0 && d < ceiling {
			ceiling = d
		}
	}
	return rand.N(ceiling + 1)
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP-date.
// It returns 0 when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) {
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return time.Millisecond // a date in the past: retry now
	}
	return 0
}

// sleepCtx waits d or until done is closed; it reports whether the full
// wait elapsed.
func sleepCtx(done <-chan struct{}, d time.Duration) bool {
	if d <= 0 {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-done:
		return false
	}
}
