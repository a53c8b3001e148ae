package client

import (
	"net/http"
	"strings"
	"time"
)

// DefaultUserAgent is sent when WithUserAgent is not given.
const DefaultUserAgent = "kassa-go-client/1"

// Default retry settings: up to 3 retries, waits starting near 200ms and never
// longer than 5s between attempts (a server's Retry-After up to
// DefaultMaxRetryAfter is honoured as given).
const (
	DefaultRetries       = 3
	DefaultBackoffBase   = 200 * time.Millisecond
	DefaultBackoffMax    = 5 * time.Second
	DefaultMaxRetryAfter = 60 * time.Second
)

// Client talks to one kassa server. It is safe for concurrent use.
type Client struct {
	baseURL      string
	http         *http.Client
	apiKey       string
	apiSecret    string
	adminToken   string
	serviceToken string
	userAgent    string
	retries      int
	backoffBase  time.Duration
	backoffMax   time.Duration
	sleep        func(ctxDone <-chan struct{}, d time.Duration) bool
}

// Option configures a Client.
type Option func(*Client)

// New returns a client of the kassa server at baseURL (for example
// "http://localhost:8080"; a trailing slash is ignored).
func New(baseURL string, opts ...Option) *Client {
	c := &Client{
		baseURL:     strings.TrimRight(baseURL, "/"),
		http:        http.DefaultClient,
		userAgent:   DefaultUserAgent,
		retries:     DefaultRetries,
		backoffBase: DefaultBackoffBase,
		backoffMax:  DefaultBackoffMax,
		sleep:       sleepCtx,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// WithCredentials sets the account's api key and secret, sent as HTTP Basic
// authentication on the public Account API.
func WithCredentials(apiKey, apiSecret string) Option {
	return func(c *Client) { c.apiKey, c.apiSecret = apiKey, apiSecret }
}

// WithAdminToken sets the bearer token of the admin API.
func WithAdminToken(token string) Option {
	return func(c *Client) { c.adminToken = token }
}

// WithServiceToken sets the bearer token of the platform API.
func WithServiceToken(token string) Option {
	return func(c *Client) { c.serviceToken = token }
}

// WithHTTPClient replaces http.DefaultClient (for timeouts, proxies, TLS).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.http = hc
		}
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithRetries sets how many times a request may be retried (0 disables
// retries; negative values count as 0).
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = max(n, 0) }
}

// WithBackoff sets the first wait and the longest wait between retries. The
// wait before retry n is a random duration in [0, min(max, base×2^n)].
func WithBackoff(base, maxWait time.Duration) Option {
	return func(c *Client) {
		if base > 0 {
			c.backoffBase = base
		}
		if maxWait >= c.backoffBase {
			c.backoffMax = maxWait
		}
	}
}

// APIKey returns the api key the client authenticates with.
func (c *Client) APIKey() string { return c.apiKey }
