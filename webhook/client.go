package webhook

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Defaults of the guarded client.
const (
	DefaultTimeout      = 5 * time.Second
	DefaultMaxBody      = 64 << 10 // bytes of a response that are read
	DefaultMaxRedirects = 3
	UserAgent           = "kassa-callback-check/1"
)

// ErrBodyTooLarge is returned when reading a response past the client's cap.
var ErrBodyTooLarge = errors.New("response body too large")

// Client returns an HTTP client whose every connection goes through guard.
// It uses no proxy (a proxy would dial on our behalf, unchecked), sends
// User-Agent kassa-callback-check/1 unless the request sets one, times out
// after timeout (DefaultTimeout when 0), lets a response body be read up to
// maxBody bytes (DefaultMaxBody when 0; ErrBodyTooLarge after that), and
// follows at most DefaultMaxRedirects redirects, each to a URL that passes
// ValidateURL and, when its host is an IP address, Guard.Check.
func Client(guard Guard, timeout time.Duration, maxBody int64) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if maxBody <= 0 {
		maxBody = DefaultMaxBody
	}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            guard.DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           16,
		IdleConnTimeout:        30 * time.Second,
		TLSHandshakeTimeout:    timeout,
		ResponseHeaderTimeout:  timeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{
		Transport:     &cappedTransport{next: tr, maxBody: maxBody},
		Timeout:       timeout,
		CheckRedirect: guard.checkRedirect,
	}
}

// checkRedirect is the client's redirect policy.
func (g Guard) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > DefaultMaxRedirects {
		return &redirectError{err: fmt.Errorf("more than %d redirects", DefaultMaxRedirects)}
	}
	u, err := ValidateURL(req.URL.String())
	if err != nil {
		return &redirectError{err: err}
	}
	if err := g.checkLiteralHost(u.Hostname()); err != nil {
		return &redirectError{err: err}
	}
	return nil
}

// redirectError is a redirect refused by the policy.
type redirectError struct{ err error }

func (e *redirectError) Error() string { return "redirect refused: " + e.err.Error() }
func (e *redirectError) Unwrap() error { return e.err }

// cappedTransport sets the User-Agent and caps response bodies.
type cappedTransport struct {
	next    http.RoundTripper
	maxBody int64
}

// RoundTrip implements http.RoundTripper.
func (t *cappedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", UserAgent)
	}
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp.Body = &cappedBody{rc: resp.Body, left: t.maxBody}
	return resp, nil
}

// cappedBody reads at most left bytes and then fails with ErrBodyTooLarge.
type cappedBody struct {
	rc   io.ReadCloser
	left int64
}

// Read implements io.Reader.
func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		var one [1]byte
		n, err := b.rc.Read(one[:])
		if n > 0 {
			return 0, ErrBodyTooLarge
		}
		if err == nil {
			err = io.EOF
		}
		return 0, err
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

// Close implements io.Closer.
func (b *cappedBody) Close() error { return b.rc.Close() }
