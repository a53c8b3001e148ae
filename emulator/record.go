package emulator

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/httpapi"
)

// traffic serves a request of the application: it records it in the
// journal, applies the first matching fault, and otherwise hands it to
// kassa (next) through the gate that a reset closes.
func (e *Emulator) traffic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &Request{Time: e.clock.Now(), Method: r.Method}
		r2 := new(http.Request)
		*r2 = *r
		body, truncated := captureBody(r2)
		cw := &captureWriter{ResponseWriter: w}
		fault, faulted := e.faults.take(r.Method, r.URL.Path)
		var recorded bool
		record := func() {
			if recorded {
				return
			}
			recorded = true
			if faulted {
				rec.Fault = fault.ID
			}
			rec.Status, rec.Dropped = cw.status, cw.dropped
			if rec.Status == 0 && !rec.Dropped {
				rec.Status = http.StatusOK
			}
			rec.ErrorBody = cw.errBody.String()
			rec.DurationMS = float64(time.Since(start).Microseconds()) / 1000
			describe(rec, r2, body, truncated)
			e.journal.add(rec)
		}
		// A dropped connection is journaled before it closes, so that a
		// client which saw the drop finds it in the journal straight away.
		cw.beforeDrop = record
		defer func() {
			p := recover() // recorded first, then passed on (http.ErrAbortHandler aborts the answer)
			record()
			if p != nil {
				panic(p)
			}
		}()
		if faulted {
			e.applyFault(cw, r2, fault, next)
			return
		}
		e.serveGated(cw, r2, next)
	})
}

// serveGated runs next unless a reset is under way, in which case it waits
// for the reset to end first.
func (e *Emulator) serveGated(w http.ResponseWriter, r *http.Request, next http.Handler) {
	e.gate.enter()
	defer e.gate.leave()
	next.ServeHTTP(w, r)
}

// applyFault answers r as the fault says.
func (e *Emulator) applyFault(w *captureWriter, r *http.Request, f Fault, next http.Handler) {
	if f.DelayMS > 0 {
		t := time.NewTimer(time.Duration(f.DelayMS) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			w.dropped = true // the client gave up
			return
		}
	}
	switch {
	case f.Drop:
		w.drop()
	case f.Status != 0:
		f.writeStatus(w)
	case f.Error != "":
		if f.Error == kassa.ERATELIMITED {
			setRateLimitHeaders(w.Header(), e.clock.Now())
		}
		e.serveGated(w, r.WithContext(httpapi.WithInjectedError(r.Context(), f.injectedError())), next)
	default:
		e.serveGated(w, r, next)
	}
}

// setRateLimitHeaders sets the headers of kassa's own 429: nothing left in
// this second, retry after one.
func setRateLimitHeaders(h http.Header, now time.Time) {
	h.Set("Retry-After", "1")
	h.Set("X-Ratelimit-Remaining", "0")
	h.Set("X-Ratelimit-Reset", formatInt64(now.Add(time.Second).UnixMilli()))
}

// captureBody reads up to MaxJournalBody bytes of r's body for the journal
// and puts them back in front of the rest, so that kassa reads the body as
// sent.
func captureBody(r *http.Request) (body []byte, truncated bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, false
	}
	buf, err := io.ReadAll(io.LimitReader(r.Body, MaxJournalBody+1))
	var rest io.Reader = r.Body
	if err != nil {
		rest = errReader{err}
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(buf), rest), r.Body}
	if len(buf) > MaxJournalBody {
		return buf[:MaxJournalBody], true
	}
	return buf, false
}

// errReader returns its error on every read.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// describe fills the request part of rec from r (after kassa served it, so
// that the route's path values are known), redacting every credential.
func describe(rec *Request, r *http.Request, body []byte, truncated bool) {
	var rd redactor
	rec.Credentials, rec.APIKey = "none", ""
	pathSecret := r.PathValue("secret")
	if pathSecret != "" && strings.Contains(r.Pattern, "{secret}") {
		rec.Credentials, rec.APIKey = "path", r.PathValue("key")
		rd.keep(pathSecret)
		rec.Path = redactSegment(r.URL.EscapedPath(), pathSecret)
	} else {
		rec.Path = r.URL.EscapedPath()
	}
	query, qv := rd.pairs(r.URL.RawQuery)
	var bodyText string
	var bodyVals map[string]string
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		bodyText, bodyVals = rd.jsonBody(body)
	} else {
		var form map[string][]string
		bodyText, form = rd.pairs(string(body))
		bodyVals = firstValues(form)
	}
	rec.Headers = redactHeaders(r.Header, &rd)
	if rec.Credentials == "none" {
		rec.Credentials, rec.APIKey = credentialStyle(r, firstValues(qv), bodyVals)
	}
	rec.Query = rd.scrub(query)
	rec.Body = rd.scrub(bodyText)
	rec.BodyTruncated = truncated
	rec.Path = rd.scrub(rec.Path)
	rec.ErrorBody = rd.scrub(rec.ErrorBody)
	for name, v := range rec.Headers {
		rec.Headers[name] = rd.scrub(v)
	}
}

// credentialStyle says how the request carried its credentials (after the
// path form, handled by the caller) and the api key it named: Basic auth
// wins over parameters and the body over the query, as kassa reads them.
func credentialStyle(r *http.Request, query, body map[string]string) (style, key string) {
	key = body["api_key"]
	if key == "" {
		key = query["api_key"]
	}
	auth := r.Header.Get("Authorization")
	scheme, _, _ := strings.Cut(auth, " ")
	switch {
	case strings.EqualFold(scheme, "Basic"):
		if user, _, ok := r.BasicAuth(); ok {
			return "basic", user
		}
		return "basic", key
	case strings.EqualFold(scheme, "Bearer"):
		return "bearer", ""
	case body["api_secret"] != "":
		return "body", key
	case query["api_secret"] != "":
		return "query", key
	case r.Header.Get("Cookie") != "":
		return "cookie", key
	}
	return "none", key
}

// redactHeaders copies the headers, hiding the credentials of
// Authorization (its scheme kept) and Cookie, and remembering them.
func redactHeaders(h http.Header, rd *redactor) map[string]string {
	out := make(map[string]string, len(h))
	for name, vals := range h {
		v := strings.Join(vals, ", ")
		switch name {
		case "Authorization", "Proxy-Authorization":
			scheme, cred, _ := strings.Cut(v, " ")
			if strings.EqualFold(scheme, "Basic") {
				if _, secret, ok := (&http.Request{Header: http.Header{"Authorization": vals}}).BasicAuth(); ok {
					rd.keep(secret)
				}
			} else {
				rd.keep(cred)
			}
			v = scheme + " " + Redacted
		case "Cookie":
			v = Redacted
		}
		out[name] = v
	}
	return out
}

// redactSegment replaces the path segment that holds secret.
func redactSegment(path, secret string) string {
	segs := strings.Split(path, "/")
	for i := len(segs) - 1; i >= 0; i-- {
		if seg := segs[i]; seg != "" && (seg == secret || unescapeSegment(seg) == secret) {
			segs[i] = Redacted
			break
		}
	}
	return strings.Join(segs, "/")
}

// firstValues keeps the first value of each name.
func firstValues(v map[string][]string) map[string]string {
	out := make(map[string]string, len(v))
	for k, vs := range v {
		if len(vs) > 0 {
			out[k] = vs[0]
		}
	}
	return out
}

// captureWriter records the status of an answer and, for an error, its
// body.
type captureWriter struct {
	http.ResponseWriter
	status  int
	errBody bytes.Buffer
	dropped bool
	// beforeDrop, when set, runs after dropped is set and before the
	// connection closes.
	beforeDrop func()
}

// WriteHeader implements http.ResponseWriter.
func (c *captureWriter) WriteHeader(code int) {
	if c.status == 0 && code >= 200 {
		c.status = code
	}
	c.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (c *captureWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if c.status >= 400 && c.errBody.Len() < MaxJournalBody {
		c.errBody.Write(p[:min(len(p), MaxJournalBody-c.errBody.Len())])
	}
	return c.ResponseWriter.Write(p)
}

// Flush implements http.Flusher when the underlying writer does.
func (c *captureWriter) Flush() {
	if fl, ok := c.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// drop closes the connection without an answer: hijacked and closed over
// HTTP/1, the stream aborted otherwise.
func (c *captureWriter) drop() {
	c.dropped = true
	if c.beforeDrop != nil {
		c.beforeDrop()
	}
	if conn, _, err := http.NewResponseController(c.ResponseWriter).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}

// formatInt64 formats n in decimal.
func formatInt64(n int64) string { return strconv.FormatInt(n, 10) }

// unescapeSegment unescapes a path segment, or returns it as it is.
func unescapeSegment(seg string) string {
	if s, err := url.PathUnescape(seg); err == nil {
		return s
	}
	return seg
}
