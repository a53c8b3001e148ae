package openapitest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// Proxy starts a reverse proxy to the server at target ("http://host:port")
// that checks every answer with Check and fails tb on one that does not
// match; it returns the proxy's URL, to give the clients instead of
// target. The proxy stops when the test ends.
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
			return nil
		},
	}
	srv := httptest.NewServer(rp)
	tb.Cleanup(srv.Close)
	return srv.URL
}
