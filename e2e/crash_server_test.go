package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Tokens and demo credentials the test servers start with.
const (
	adminToken   = "e2e-admin-token"
	serviceToken = "e2e-service-token"
	demoKey      = "e2edemo1"
	demoSecret   = "E2eSecret123"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// kassaBinary builds cmd/kassa once per test run.
func kassaBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "kassa-e2e-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "kassa")
		cmd := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", binPath, "github.com/kassa-dev/kassa/cmd/kassa")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// server is a running `kassa serve` child process.
type server struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string
	logs *bytes.Buffer
	done chan struct{}
}

var listening = regexp.MustCompile(`kassa listening on (http://[0-9.:]+)`)

// startServer runs kassa serve on a free loopback port over the data
// directory and waits until it listens.
func startServer(t *testing.T, data string) *server {
	t.Helper()
	cmd := exec.Command(kassaBinary(t), "serve", "--data", data, "--addr", "127.0.0.1:0",
		"--demo-key", demoKey, "--demo-secret", demoSecret,
		"--admin-token", adminToken, "--service-token", serviceToken, "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	s := &server{t: t, cmd: cmd, logs: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{w: s.logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(s.done) }()
	t.Cleanup(s.kill)
	base := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				base <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case s.base = <-base:
	case <-s.done:
		t.Fatalf("kassa serve exited before listening: %s", s.logs)
	case <-time.After(60 * time.Second):
		t.Fatalf("kassa serve did not start: %s", s.logs)
	}
	return s
}

// kill sends SIGKILL and waits for the process to go.
func (s *server) kill() {
	s.cmd.Process.Kill()
	<-s.done
}

// lockedWriter serializes writes to a buffer shared with the test.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// answer is a received HTTP answer.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// call sends a JSON request with a bearer token and an optional
// Idempotency-Key; transport errors are returned, not fatal.
func call(ctx context.Context, client *http.Client, method, url, token, key, body string) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	a := &answer{status: resp.StatusCode, header: resp.Header, raw: raw}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&a.body); err != nil {
		return nil, fmt.Errorf("%s %s: status %d, body not JSON: %s", method, url, resp.StatusCode, raw)
	}
	return a, nil
}

// mustCall is call that fails the test on a transport error or an
// unexpected status.
func (s *server) mustCall(method, path, token, key, body string, status int) *answer {
	s.t.Helper()
	a, err := call(context.Background(), http.DefaultClient, method, s.base+path, token, key, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if a.status != status {
		s.t.Fatalf("%s %s: status %d, want %d: %s", method, path, a.status, status, a.raw)
	}
	return a
}

func str(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	s, _ := v.(string)
	return s
}
