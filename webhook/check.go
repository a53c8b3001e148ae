package webhook

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"

	"github.com/kassa-dev/kassa"
)

// Checker verifies callback URLs the way the Account API's settings
// endpoint requires: a GET that must answer 200 OK.
type Checker struct {
	guard   Guard
	client  *http.Client
	timeout time.Duration
}

// NewChecker returns a Checker that dials through guard and gives up after
// timeout (DefaultTimeout when 0).
func NewChecker(guard Guard, timeout time.Duration) *Checker {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Checker{guard: guard, client: Client(guard, timeout, DefaultMaxBody), timeout: timeout}
}

// CheckCallback GETs rawURL and returns nil only when it answers 200. Any
// other outcome is a *kassa.Error with code ECALLBACKREJECTED whose message
// says why ("answered status 404", "timeout after 5s", "connection
// refused", "address 10.0.0.1 is not allowed (private network)", "redirect
// to a private address is not allowed", "not an absolute http(s) URL").
// The caller sets the Error's Field to the parameter it checked.
func (c *Checker) CheckCallback(ctx context.Context, rawURL string) error {
	u, err := ValidateURL(rawURL)
	if err != nil {
		return rejected(err.Error(), err)
	}
	if err := c.guard.checkLiteralHost(u.Hostname()); err != nil {
		return rejected(err.Error(), err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return rejected("not an absolute http(s) URL", err)
	}
	req.Header.Set("Accept", "*/*")
	client, redirected := c.tracking()
	resp, err := client.Do(req)
	if err != nil {
		return rejected(c.describe(err, *redirected), err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body) // drain (up to the cap) so the connection can be reused
	if resp.StatusCode != http.StatusOK {
		return rejected(fmt.Sprintf("answered status %d", resp.StatusCode), nil)
	}
	return nil
}

// tracking returns a copy of the client that records whether a redirect
// was followed, so that a refusal after one can say so.
func (c *Checker) tracking() (*http.Client, *bool) {
	redirected := new(bool)
	cl := *c.client
	cl.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		*redirected = true
		return c.client.CheckRedirect(req, via)
	}
	return &cl, redirected
}

// describe turns a failed request into the message shown to the caller.
func (c *Checker) describe(err error, redirected bool) string {
	var blocked *BlockedError
	var dnsErr *net.DNSError
	var redir *redirectError
	var certErr *tls.CertificateVerificationError
	var tlsErr tls.AlertError
	switch {
	case errors.As(err, &blocked) && redirected:
		return fmt.Sprintf("redirect to a %s address is not allowed (%s)", blockedKind(blocked), blocked.Addr)
	case errors.As(err, &blocked):
		return blocked.Error()
	case errors.As(err, &redir):
		return redir.Error()
	case errors.Is(err, context.Canceled):
		return "check cancelled"
	case isTimeout(err):
		return fmt.Sprintf("timeout after %s", c.timeout)
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("host %s could not be resolved", dnsErr.Name)
	case errors.As(err, &certErr):
		return "TLS certificate not trusted"
	case errors.As(err, &tlsErr):
		return "TLS handshake failed"
	default:
		return "request failed"
	}
}

// blockedKind is the adjective used in "redirect to a private address".
func blockedKind(b *BlockedError) string {
	if b.Reason == "private network" {
		return "private"
	}
	return b.Reason
}

// isTimeout reports whether err is a deadline or a network timeout.
func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkLiteralHost refuses a host that is an IP address Check refuses, so
// that such URLs fail before any connection is attempted.
func (g Guard) checkLiteralHost(host string) error {
	a, err := netip.ParseAddr(host)
	if err != nil {
		return nil // a name: checked after resolution, at dial time
	}
	return g.Check(a)
}

// rejected builds the ECALLBACKREJECTED error.
func rejected(msg string, cause error) error {
	return &kassa.Error{Code: kassa.ECALLBACKREJECTED, Message: "callback URL check failed: " + msg, Err: cause}
}
