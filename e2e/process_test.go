package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// kassaBinary builds cmd/kassa once per package run, for tests and
// benchmarks alike.
func kassaBinary(tb testing.TB) string {
	tb.Helper()
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
		tb.Fatal(buildErr)
	}
	return binPath
}

// process is a running `kassa serve` child process.
type process struct {
	name      string // how failures name it: "kassa serve", "node A"
	cmd       *exec.Cmd
	logs      *logBuffer    // its stderr
	done      chan struct{} // closed when the process has exited
	listening chan string   // the first address it prints
}

var listening = regexp.MustCompile(`kassa listening on (http://[0-9.:]+)`)

// startProcess starts cmd with its stderr in logs and its stdout watched
// for the "kassa listening on" line (waitListening reads it). It does not
// stop the process: the caller registers kill as a cleanup.
func startProcess(tb testing.TB, name string, cmd *exec.Cmd) *process {
	tb.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	p := &process{name: name, cmd: cmd, logs: &logBuffer{}, done: make(chan struct{}), listening: make(chan string, 1)}
	cmd.Stderr = p.logs
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", name, err)
	}
	go func() { cmd.Wait(); close(p.done) }()
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case p.listening <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	return p
}

// waitListening waits until the process prints its address and returns it
// (http://127.0.0.1:port).
func (p *process) waitListening(tb testing.TB) string {
	tb.Helper()
	select {
	case base := <-p.listening:
		return base
	case <-p.done:
		tb.Fatalf("%s exited before listening: %s", p.name, p.logs)
	case <-time.After(60 * time.Second):
		tb.Fatalf("%s did not start within 60 s: %s", p.name, p.logs)
	}
	return ""
}

// kill sends SIGKILL and waits for the process to go; harmless twice.
func (p *process) kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// logBuffer is a bytes.Buffer safe for one writer and one reader.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
