package client_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// flaky wraps the real kassa handler: the first `fail` requests get the
// answer of refuse, later ones reach kassa. It counts every request.
type flaky struct {
	next   http.Handler
	fail   int64
	refuse func(w http.ResponseWriter, r *http.Request)
	calls  atomic.Int64
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.calls.Add(1) <= f.fail {
		f.refuse(w, r)
		return
	}
	f.next.ServeHTTP(w, r)
}

// startFlaky starts a real kassa behind a flaky front.
func startFlaky(t *testing.T, fail int64, refuse func(w http.ResponseWriter, r *http.Request)) (*testServer, *flaky) {
	t.Helper()
	ts := newKassa(t, false)
	f := &flaky{next: ts.Handler, fail: 0, refuse: refuse}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	ts.URL = srv.URL
	createTestAccount(t, ts.URL) // before the failures start
	f.calls.Store(0)
	f.fail = fail
	return ts, f
}

func tooMany(retryAfter string) func(http.ResponseWriter, *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		if retryAfter != "" {
			w.Header().Set("Retry-After", retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"error-code":"429","error-code-label":"too many requests"}`))
	}
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

var fast = client.WithBackoff(time.Millisecond, 5*time.Millisecond)

func TestRetryOn429HonoursRetryAfterSeconds(t *testing.T) {
	ts, f := startFlaky(t, 1, tooMany("1"))
	b, err := accountClient(ts, fast).Balance(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if b.Value != kassa.MustParseAmount("10") || f.calls.Load() != 2 {
		t.Fatalf("balance %v after %d requests, want 10 after 2", b.Value, f.calls.Load())
	}
}

func TestRetryOn429HonoursRetryAfterDate(t *testing.T) {
	// An HTTP-date in the past means "now".
	ts, f := startFlaky(t, 2, tooMany(time.Now().Add(-time.Minute).UTC().Format(http.TimeFormat)))
	if _, err := accountClient(ts, fast).Balance(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if f.calls.Load() != 3 {
		t.Fatalf("%d requests, want 3", f.calls.Load())
	}
}

func TestRetryOn429EvenForPostWithoutKey(t *testing.T) {
	// The server did not act on a 429, so even a non-idempotent POST is
	// safe to repeat.
	ts, f := startFlaky(t, 1, tooMany(""))
	mo := ts.CallbackURL + "/mo"
	s, err := accountClient(ts, fast).UpdateSettings(testCtx(t), client.SettingsUpdate{MOCallbackURL: &mo})
	if err != nil {
		t.Fatal(err)
	}
	if s.MOCallbackURL != mo || f.calls.Load() != 2 {
		t.Fatalf("settings %+v after %d requests, want the update after 2", s, f.calls.Load())
	}
}

func TestRetriesAreBounded(t *testing.T) {
	ts, f := startFlaky(t, 1000, tooMany(""))
	_, err := accountClient(ts, fast, client.WithRetries(2)).Balance(testCtx(t))
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 429 || !e.Retryable || e.KassaCode() != kassa.ERATELIMITED {
		t.Fatalf("err = %v, want the last 429", err)
	}
	if f.calls.Load() != 3 {
		t.Fatalf("%d requests, want 3 (1 + 2 retries)", f.calls.Load())
	}
}

func TestRetryAfterTooLongIsNotWaited(t *testing.T) {
	ts, f := startFlaky(t, 1000, tooMany("3600"))
	_, err := accountClient(ts, fast).Balance(testCtx(t))
	var e *client.Error
	if !errors.As(err, &e) || e.RetryAfter != time.Hour {
		t.Fatalf("err = %#v, want a 429 with RetryAfter 1h", err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d requests, want 1", f.calls.Load())
	}
}

func TestRetryWaitEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(testCtx(t))
	ts, f := startFlaky(t, 1000, tooMany("30"))
	// Cancel once the 429 is in hand: the client is then waiting 30s.
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(body))
		cancel()
		return resp, err
	})}
	_, err := accountClient(ts, client.WithHTTPClient(hc)).Balance(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 429 {
		t.Fatalf("err = %v, want it to carry the last 429 too", err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d requests, want 1", f.calls.Load())
	}
}

func TestConnectionErrorRetriedForGet(t *testing.T) {
	ts, f := startFlaky(t, 2, hangUp)
	b, err := accountClient(ts, fast).Balance(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if b.Value != kassa.MustParseAmount("10") || f.calls.Load() != 3 {
		t.Fatalf("balance %v after %d requests, want 10 after 3", b.Value, f.calls.Load())
	}
}

func TestConnectionErrorRetriedForPostWithIdempotencyKey(t *testing.T) {
	ts, f := startFlaky(t, 1, hangUp)
	ctx := testCtx(t)
	e, err := adminClient(ts).Credit(ctx, testKey, client.Adjustment{Amount: kassa.MustParseAmount("1"), Reason: "retry", IdempotencyKey: "k-retry"})
	if err != nil {
		t.Fatal(err)
	}
	if e.BalanceAfter != kassa.MustParseAmount("11") || f.calls.Load() != 2 {
		t.Fatalf("credit %+v after %d requests, want balance 11 after 2", e, f.calls.Load())
	}
}

func TestConnectionErrorNotRetriedForPostWithoutKey(t *testing.T) {
	ts, f := startFlaky(t, 1, hangUp)
	_, err := accountClient(ts, fast).TopUp(testCtx(t), "trx")
	if !client.IsUnreachable(err) {
		t.Fatalf("err = %v, want an unreachable error", err)
	}
	var e *client.Error
	if errors.As(err, &e) {
		t.Fatalf("err = %v is a *client.Error; the server never answered", err)
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d requests, want 1: a top-up without a key is not repeated", f.calls.Load())
	}
}

func TestUnreachableServer(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := client.New(url, client.WithCredentials(testKey, testSecret), fast).Balance(testCtx(t))
	if !client.IsUnreachable(err) {
		t.Fatalf("err = %v, want unreachable", err)
	}
}

func TestRetryAfterBeyondDeadlineIsNotWaited(t *testing.T) {
	ts, f := startFlaky(t, 1000, tooMany("30"))
	ctx, cancel := context.WithTimeout(testCtx(t), 10*time.Second)
	defer cancel()
	_, err := accountClient(ts).Balance(ctx)
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 429 || e.RetryAfter != 30*time.Second {
		t.Fatalf("err = %v, want the 429 at once", err)
	}
	if ctx.Err() != nil {
		t.Fatal("the client waited until the deadline")
	}
	if f.calls.Load() != 1 {
		t.Fatalf("%d requests, want 1", f.calls.Load())
	}
}
