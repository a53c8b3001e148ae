package logdedup

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa/storetest"
)

// syncBuffer is a buffer safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newLogger(out *syncBuffer, clock *storetest.Clock) *slog.Logger {
	h := slog.NewTextHandler(out, &slog.HandlerOptions{ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}})
	return slog.New(New(h, 10*time.Second, clock.Now))
}

// TestRepeatsCounted: 1,000 identical failures in one interval write one
// line; the first after the interval carries repeated=999; other attributes
// (the path, the request id) do not make a repeat new; another error or
// message is not a repeat; Info records are never held back.
func TestRepeatsCounted(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	var out syncBuffer
	log := newLogger(&out, clock)
	disk := errors.New("database or disk is full")
	for i := range 1000 {
		log.Warn("request failed", "path", fmt.Sprint("/p/", i), "err", disk)
		log.Info("request", "status", 503)
		clock.Advance(time.Millisecond) // 1 s in all
	}
	log.Warn("request failed", "err", errors.New("another error"))
	log.Error("request failed", "err", disk) // another level
	text := out.String()
	if n := strings.Count(text, `msg="request failed"`); n != 3 {
		t.Fatalf("%d request-failed lines, want 3 (one per distinct failure):\n%.2000s", n, text)
	}
	if n := strings.Count(text, "msg=request "); n != 1000 {
		t.Fatalf("%d access-log lines, want all 1000", n)
	}
	clock.Advance(10 * time.Second)
	log.Warn("request failed", "path", "/p/last", "err", disk)
	if !strings.Contains(out.String(), `level=WARN msg="request failed" path=/p/last err="database or disk is full" repeated=999`) {
		t.Fatalf("no count with the next occurrence:\n%s", lastLines(out.String(), 3))
	}
}

// TestRepeatsReportedWhenTheyStop: a burst that stops is summarised once
// its interval has passed, by whatever is logged next (here an access-log
// line), and only once.
func TestRepeatsReportedWhenTheyStop(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	var out syncBuffer
	log := newLogger(&out, clock).With("component", "ledger")
	for range 50 {
		log.Warn("ledger batch failed", "err", "disk full")
	}
	log.Info("request")
	if strings.Contains(out.String(), "repeated=") {
		t.Fatal("summarised before the interval ended")
	}
	clock.Advance(11 * time.Second)
	log.Info("request")
	log.Info("request")
	text := out.String()
	if n := strings.Count(text, `msg="ledger batch failed" component=ledger err="disk full" repeated=49`); n != 1 {
		t.Fatalf("%d summaries, want 1:\n%s", n, text)
	}
	// After the summary the next occurrence is written in full, no count.
	log.Warn("ledger batch failed", "err", "disk full")
	if last := lastLines(out.String(), 1); strings.Contains(last, "repeated") || !strings.Contains(last, "component=ledger") {
		t.Fatalf("next occurrence: %s", last)
	}
}

// TestConcurrentRepeats: many goroutines logging the same failure write
// one line per interval and lose no count.
func TestConcurrentRepeats(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	var out syncBuffer
	log := newLogger(&out, clock)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 200 {
				log.Error("store down", "err", "unavailable")
			}
		})
	}
	wg.Wait()
	clock.Advance(time.Minute)
	log.Error("store down", "err", "unavailable")
	text := out.String()
	if strings.Count(text, `msg="store down"`) != 2 || !strings.Contains(text, "repeated=3199") {
		t.Fatalf("log:\n%s", text)
	}
}

// TestTrackedBounded: distinct messages beyond MaxTracked are written, not
// tracked, so memory stays bounded.
func TestTrackedBounded(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	var out syncBuffer
	h := New(slog.NewTextHandler(&out, nil), time.Second, clock.Now).(*handler)
	log := slog.New(h)
	for i := range MaxTracked + 500 {
		log.Warn("distinct", "err", fmt.Sprint("e", i))
	}
	if n := len(h.state.seen); n > MaxTracked {
		t.Fatalf("%d tracked", n)
	}
	if n := strings.Count(out.String(), "msg=distinct"); n != MaxTracked+500 {
		t.Fatalf("%d lines, want every distinct one", n)
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
