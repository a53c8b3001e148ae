package web

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// benchPage measures rendering one page in-process (no network), for a
// signed-in session. Compare the pages with the secrets page, the
// smallest, as the baseline: go test -bench Page -benchtime 200x ./web/
func benchPage(b *testing.B, path string, operator bool) {
	e := newEnv(b, false)
	br := e.browser()
	if operator {
		br.signInOperator()
	} else {
		br.signIn(testKey, testSecret)
	}
	cookie := &http.Cookie{Name: cookieName, Value: br.cookie()}
	h := e.srv.Config.Handler
	b.ReportAllocs()
	b.ResetTimer()
	var size int
	for i := 0; i < b.N; i++ {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		req.AddCookie(cookie)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("%s: status %d", path, rec.Code)
		}
		size = rec.Body.Len()
	}
	b.ReportMetric(float64(size), "bytes/page")
}

func BenchmarkPageSecrets(b *testing.B)  { benchPage(b, "/ui/secrets", false) }
func BenchmarkPageOverview(b *testing.B) { benchPage(b, "/ui/account", false) }
func BenchmarkPagePricing(b *testing.B) {
	benchPage(b, "/ui/pricing?country=DE&number=%2B4915112345678", false)
}
func BenchmarkPageAccounts(b *testing.B) { benchPage(b, "/ui/operator/accounts", true) }

// BenchmarkSessionRead measures what every signed-in dashboard request
// adds: reading its session from the store (one read by primary key; the
// last use is written at most once a minute, so not here). The baseline,
// in the same run, is the store's FindAccount, the read every
// authenticated API request makes:
// go test -run XXX -bench SessionRead ./web/
func BenchmarkSessionRead(b *testing.B) {
	e := newEnv(b, false)
	br := e.browser()
	br.signIn(testKey, testSecret)
	token := br.cookie()
	s := newSessionStore(e.db, slog.New(slog.DiscardHandler), time.Now, time.Hour, 12*time.Hour, nil)
	ctx := context.Background()
	b.Run("session", func(b *testing.B) {
		for b.Loop() {
			if sess, err := s.get(ctx, token); err != nil || sess == nil {
				b.Fatalf("session: %v", err)
			}
		}
	})
	b.Run("find-account-baseline", func(b *testing.B) {
		for b.Loop() {
			if _, err := e.db.FindAccount(ctx, testKey); err != nil {
				b.Fatal(err)
			}
		}
	})
}
