package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// authKind says which credentials a request carries.
type authKind int

const (
	authBasic   authKind = iota // api key and secret (public Account API)
	authAdmin                   // admin bearer token
	authService                 // service bearer token
)

// maxResponseBytes bounds how much of a response body the client reads.
const maxResponseBytes = 64 << 20

// request is one call to the server, replayable for retries.
type request struct {
	method         string
	path           string // escaped path, without the base URL
	query          url.Values
	body           []byte
	contentType    string
	auth           authKind
	idempotencyKey string
}

// response is a server's successful answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

// jsonBody encodes v as the request's JSON body.
func (r *request) jsonBody(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s %s body: %w", r.method, r.path, err)
	}
	r.body, r.contentType = b, "application/json"
	return nil
}

// formBody sets v as the request's form-encoded body.
func (r *request) formBody(v url.Values) {
	r.body, r.contentType = []byte(v.Encode()), "application/x-www-form-urlencoded"
}

// idempotent reports whether repeating the request after a lost answer is
// safe: GET, HEAD and PUT by their meaning, POST when it carries an
// Idempotency-Key.
func (r *request) idempotent() bool {
	switch r.method {
	case http.MethodGet, http.MethodHead, http.MethodPut:
		return true
	case http.MethodPost:
		return r.idempotencyKey != ""
	}
	return false
}

// newHTTPRequest builds the http.Request of one attempt.
func (c *Client) newHTTPRequest(ctx context.Context, r *request) (*http.Request, error) {
	u := c.baseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", r.idempotencyKey)
	}
	switch r.auth {
	case authBasic:
		if c.apiKey != "" || c.apiSecret != "" {
			req.SetBasicAuth(c.apiKey, c.apiSecret)
		}
	case authAdmin:
		if c.adminToken != "" {
			req.Header.Set("Authorization", "Bearer "+c.adminToken)
		}
	case authService:
		if c.serviceToken != "" {
			req.Header.Set("Authorization", "Bearer "+c.serviceToken)
		}
	}
	return req, nil
}

// do sends r, retrying as the package documentation says, and returns the
// 2xx answer or an error (*Error for an answer the server gave).
func (c *Client) do(ctx context.Context, r *request) (*response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, r)
		wait, retry := c.retryWait(r, attempt, err)
		if !retry {
			return resp, err
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < wait {
			return nil, err // the retry could not start before the deadline
		}
		if !c.sleep(ctx.Done(), wait) {
			return nil, fmt.Errorf("%s %s: waiting to retry: %w (last error: %w)", r.method, r.path, ctx.Err(), err)
		}
	}
}

// once makes one attempt.
func (c *Client) once(ctx context.Context, r *request) (*response, error) {
	req, err := c.newHTTPRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	return c.send(r, req)
}

// send makes one attempt with a prepared request (once's, or a streamed one) and
// returns the 2xx answer or an error (*Error for an answer the server gave).
func (c *Client) send(r *request, req *http.Request) (*response, error) {
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, c.connError(r, err)
	}
	defer hr.Body.Close()
	body, err := io.ReadAll(io.LimitReader(hr.Body, maxResponseBytes))
	if err != nil {
		return nil, &connError{method: r.method, path: r.path, err: fmt.Errorf("read answer: %w", err)}
	}
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		return nil, parseError(r.method, r.path, hr, body)
	}
	return &response{status: hr.StatusCode, header: hr.Header, body: body}, nil
}

// connError wraps a failure to get an answer; the method and URL of a
// *url.Error are in connError already.
func (c *Client) connError(r *request, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &connError{method: r.method, path: c.baseURL + r.path, err: err}
}

// sendJSON sends r with body as its JSON body (no body when body is nil)
// and decodes the answer into out. An out that records replays learns
// whether the server answered from an earlier request with the same key.
func (c *Client) sendJSON(ctx context.Context, r *request, body, out any) error {
	if body != nil {
		if err := r.jsonBody(body); err != nil {
			return err
		}
	}
	resp, err := c.do(ctx, r)
	if err != nil {
		return err
	}
	if err := resp.decode(r, out); err != nil {
		return err
	}
	if rp, ok := out.(replayable); ok {
		rp.setReplayed(resp.replayed())
	}
	return nil
}

// replayable is an answer that records whether the server replayed it.
type replayable interface{ setReplayed(replayed bool) }

// keyOrNew returns key, or a new idempotency key when key is empty.
func keyOrNew(key string) string {
	if key == "" {
		return NewIdempotencyKey()
	}
	return key
}

// decode unmarshals a JSON answer into v.
func (resp *response) decode(r *request, v any) error {
	if err := json.Unmarshal(resp.body, v); err != nil {
		return fmt.Errorf("%s %s: decode answer: %w", r.method, r.path, err)
	}
	return nil
}

// replayed reports whether the server answered from an earlier request with
// the same Idempotency-Key.
func (resp *response) replayed() bool {
	return strings.EqualFold(resp.header.Get("Idempotency-Replayed"), "true")
}

// connError is a failure to get any answer from the server: a refused
// connection, a reset, a timeout. It unwraps to the network error.
type connError struct {
	method, path string
	err          error
}

// Error names the request and the network failure.
func (e *connError) Error() string { return fmt.Sprintf("%s %s: %v", e.method, e.path, e.err) }

// Unwrap returns the network error.
func (e *connError) Unwrap() error { return e.err }

// IsUnreachable reports whether err means the server gave no answer at all
// (connection refused, reset, DNS failure, timeout), as opposed to an
// answer that was an error.
func IsUnreachable(err error) bool {
	var ce *connError
	return errors.As(err, &ce)
}

// pathEscape escapes one path segment.
func pathEscape(s string) string { return url.PathEscape(s) }
