package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os/exec"
	"testing"
)

// Tokens and demo credentials the test servers start with.
const (
	adminToken   = "e2e-admin-token"
	serviceToken = "e2e-service-token"
	demoKey      = "e2edemo1"
	demoSecret   = "E2eSecret123"
)

// server is a running `kassa serve` child process.
type server struct {
	*process
	t    *testing.T
	base string
}

// startServer runs kassa serve on a free loopback port over the data
// directory, with extra flags appended, and waits until it listens.
func startServer(t *testing.T, data string, extra ...string) *server {
	t.Helper()
	args := append([]string{"serve", "--data", data, "--addr", "127.0.0.1:0",
		"--demo-key", demoKey, "--demo-secret", demoSecret,
		"--admin-token", adminToken, "--service-token", serviceToken, "--log-level", "warn"}, extra...)
	cmd := exec.Command(kassaBinary(t), args...)
	p := startProcess(t, "kassa serve", cmd)
	t.Cleanup(p.kill)
	return &server{process: p, t: t, base: p.waitListening(t)}
}

// answer is a received HTTP answer.
type answer = mnAnswer

// call is mnDo for an answer that must be a JSON object: another answer is
// an error. Transport errors are returned, not fatal.
func call(ctx context.Context, client *http.Client, method, url, token, key, body string) (*answer, error) {
	a, err := mnDo(ctx, client, method, url, token, key, body)
	if err != nil {
		return nil, err
	}
	if a.body == nil {
		return nil, fmt.Errorf("%s %s: status %d, body not JSON: %s", method, url, a.status, a.raw)
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
