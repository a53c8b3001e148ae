package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// appendCLIEvents writes balance.low events about the accounts to s's
// outbox and returns them.
func appendCLIEvents(t *testing.T, s *cliServer, accounts ...string) []*kassa.Event {
	t.Helper()
	var out []*kassa.Event
	for _, a := range accounts {
		e, err := kassa.NewEvent(kassa.EventBalanceLow, a, map[string]string{"balance": "1.00000000", "note": "\x1b[31mred"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	if err := s.Store.AppendEvents(context.Background(), nil, out...); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestEventsTailNoFollow: --no-follow prints the events there are, as
// JSON lines or table lines, escaped; without --after it starts after the
// last event written.
func TestEventsTailNoFollow(t *testing.T) {
	s := startCLIServer(t)
	ev := appendCLIEvents(t, s, "acctone1", "accttwo2")

	r := runCLI(t, "", s.adminEnv(), "events", "tail", "--after", "0", "--no-follow", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines, want 2:\n%s", len(lines), r.stdout)
	}
	for i, line := range lines {
		var got struct {
			ID      int64           `json:"id"`
			Type    string          `json:"type"`
			Account string          `json:"account"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if got.ID != ev[i].ID || got.Type != kassa.EventBalanceLow || got.Account != ev[i].Account {
			t.Errorf("line %d = %+v, want event %d", i, got, ev[i].ID)
		}
	}
	if strings.Contains(r.stdout, "\x1b") {
		t.Error("an escape character reached the terminal")
	}

	r = runCLI(t, "", s.adminEnv(), "events", "tail", "--after", fmt.Sprint(ev[0].ID), "--no-follow", "--type", "balance.low", "--account", "accttwo2")
	if r.code != 0 || !strings.HasPrefix(r.stdout, fmt.Sprint(ev[1].ID)+"  ") || strings.Count(r.stdout, "\n") != 1 || strings.Contains(r.stdout, "\x1b") {
		t.Errorf("table tail: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}

	r = runCLI(t, "", s.adminEnv(), "events", "tail", "--no-follow")
	if r.code != 0 || r.stdout != "" {
		t.Errorf("tail from the last event printed %q (exit %d, %s), want nothing", r.stdout, r.code, r.stderr)
	}

	for _, args := range [][]string{
		{"events", "tail", "--type", "no.such"},
		{"events", "tail", "-o", "csv"},
		{"events", "tail", "--interval", "1ms"},
	} {
		if r := runCLI(t, "", s.adminEnv(), args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, exitUsage, r.stderr)
		}
	}
	if r := runCLI(t, "", map[string]string{"KASSA_URL": s.URL, "KASSA_ADMIN_TOKEN": "wrong"}, "events", "tail"); r.code != exitAuth {
		t.Errorf("wrong token: exit %d, want %d", r.code, exitAuth)
	}
}

// lineWriter collects output and signals each complete line.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		line, err := w.buf.ReadString('\n')
		if err != nil {
			w.buf.WriteString(line)
			return len(p), nil
		}
		w.lines <- strings.TrimSuffix(line, "\n")
	}
}

// TestEventsTailFollows: tail keeps following the feed and prints events
// written after it started, in order, until it is interrupted (exit 0).
func TestEventsTailFollows(t *testing.T) {
	s := startCLIServer(t)
	start := appendCLIEvents(t, s, "acctone1")
	out := &lineWriter{lines: make(chan string, 16)}
	var errOut bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env := s.adminEnv()
	getenv := func(k string) string { return env[k] }
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"events", "tail", "--after", fmt.Sprint(start[0].ID), "--interval", "100ms", "-o", "json"},
			getenv, strings.NewReader(""), out, &errOut)
	}()
	later := appendCLIEvents(t, s, "accttwo2", "acctone1")
	for i, want := range later {
		line := <-out.lines
		var got struct{ ID int64 }
		if err := json.Unmarshal([]byte(line), &got); err != nil || got.ID != want.ID {
			t.Fatalf("line %d = %q, want event %d", i, line, want.ID)
		}
	}
	more := appendCLIEvents(t, s, "acctthree")
	if line := <-out.lines; !strings.Contains(line, fmt.Sprintf(`"id":%d`, more[0].ID)) {
		t.Fatalf("line %q, want event %d", line, more[0].ID)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("interrupted tail exited %d: %s", code, errOut.String())
	}
}

// TestSpendControlsCLI: set, show and remove spend controls; bad values
// and an empty change are usage errors.
func TestSpendControlsCLI(t *testing.T) {
	s := startCLIServer(t)
	env := s.adminEnv()
	r := runCLI(t, "", env, "admin", "spend-controls", "set", cliKey, "--threshold", "5", "--daily-cap", "100", "--monthly-cap", "2000", "-o", "json")
	var got struct {
		LowBalanceThreshold string `json:"low_balance_threshold"`
		DailyCap            string `json:"daily_cap"`
		MonthlyCap          string `json:"monthly_cap"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &got) != nil || got.DailyCap != "100.00000000" || got.LowBalanceThreshold != "5.00000000" {
		t.Fatalf("set: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "admin", "spend-controls", "set", cliKey, "--daily-cap", "none")
	if r.code != 0 || !strings.Contains(r.stdout, "MONTHLY_CAP") || !strings.Contains(r.stdout, "2000.00000000") {
		t.Fatalf("remove the daily cap: exit %d: %s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", env, "admin", "spend-controls", "get", cliKey)
	if r.code != 0 || !strings.Contains(r.stdout, "5.00000000") {
		t.Errorf("get: exit %d: %s", r.code, r.stdout)
	}
	for _, args := range [][]string{
		{"admin", "spend-controls", "set", cliKey},
		{"admin", "spend-controls", "set", cliKey, "--daily-cap", "lots"},
		{"admin", "spend-controls", "set", cliKey, "--daily-cap", "-1"},
	} {
		if r := runCLI(t, "", env, args...); r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, exitUsage, r.stderr)
		}
	}
	if r := runCLI(t, "", env, "admin", "spend-controls", "get", "nobody12"); r.code != exitNotFound {
		t.Errorf("unknown account: exit %d", r.code)
	}
}
