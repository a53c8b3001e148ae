package openapitest

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// requestBody is the context key under which Proxy keeps a request's body.
type requestBody struct{}

// Proxy starts a reverse proxy to the server at target ("http://host:port")
// that checks every answer with Check, and every request the server
// accepted (a 2xx) with CheckRequest, and fails tb on a mismatch; it
// returns the proxy's URL, to give the clients instead of target. The
// proxy stops when the test ends.
func Proxy(tb testing.TB, target string) string {
	tb.Helper()
	u, err := url.Parse(target)
	if err != nil {
		tb.Fatalf("openapitest.Proxy: %v", err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = u.Scheme, u.Host
			pr.Out.Host = pr.In.Host
			var body []byte
			if pr.In.Body != nil {
				body, _ = io.ReadAll(pr.In.Body)
				pr.Out.Body = io.NopCloser(bytes.NewReader(body))
			}
			pr.Out = pr.Out.WithContext(context.WithValue(pr.Out.Context(), requestBody{}, body))
		},
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			resp.Body = io.NopCloser(bytes.NewReader(body))
			if _, err := Check(resp.Request, resp.StatusCode, resp.Header, body); err != nil {
				tb.Errorf("%v\nbody: %.600s", err, body)
			}
			if resp.StatusCode < 300 {
				sent, _ := resp.Request.Context().Value(requestBody{}).([]byte)
				if _, err := CheckRequest(resp.Request, sent); err != nil {
					tb.Errorf("%v\nrequest body: %.300s", err, sent)
				}
			}
			return nil
		},
	}
	srv := httptest.NewServer(rp)
	tb.Cleanup(srv.Close)
	return srv.URL
}
