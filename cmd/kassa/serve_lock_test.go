package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestServeRefusesLockedData runs kassa serve as a child process, then
// tries a second kassa serve and kassa migrate on the same --data: both
// refuse, naming the child's PID, and the child keeps serving; kassa
// verify and kassa backup work beside it. Once the child has stopped, a
// new kassa serve starts on the data.
func TestServeRefusesLockedData(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KASSA_TEST_RUN_MAIN=1",
		"KASSA_TEST_ARGS=serve --addr 127.0.0.1:0 --data "+data+" --demo-key lock0001 --demo-secret Lock0001Secret")
	stdout, stderr := &lineWatcher{}, &lineWatcher{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	base := waitListening(t, stdout, stderr)
	noEnv := func(string) string { return "" }
	want := fmt.Sprintf("locked by process %d", cmd.Process.Pid)
	for _, args := range [][]string{
		{"serve", "--addr", "127.0.0.1:0", "--data", data},
		{"migrate", "--data", data},
	} {
		var errOut bytes.Buffer
		code := run(context.Background(), args, noEnv, strings.NewReader(""), io.Discard, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), want) {
			t.Errorf("kassa %s beside a running serve: exit %d, stderr %q; want a refusal that says %q", args[0], code, errOut.String(), want)
		}
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"verify", "--data", data}, noEnv, strings.NewReader(""), &out, &out); code != 0 {
		t.Errorf("verify beside a running serve: exit %d: %s", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"backup", "--data", data, filepath.Join(t.TempDir(), "b.db")}, noEnv, strings.NewReader(""), &out, &out); code != 0 {
		t.Errorf("backup beside a running serve: exit %d: %s", code, out.String())
	}
	if code, body := httpGet(t, base+"/account/get-balance", "lock0001", "Lock0001Secret"); code != 200 {
		t.Errorf("the first serve after the refusals: get-balance %d %s", code, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child exit: %v\n%s", err, stderr.String())
	}
	base, _, stop := startServe(t, data, "--demo-key", "lock0001", "--demo-secret", "Lock0001Secret")
	defer stop()
	if code, body := httpGet(t, base+"/account/get-balance", "lock0001", "Lock0001Secret"); code != 200 {
		t.Errorf("serve after the first stopped: get-balance %d %s", code, body)
	}
}

// waitListening waits for a child kassa serve's listening line and
// returns its base URL.
func waitListening(t *testing.T, stdout, stderr *lineWatcher) string {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for {
		if m := listeningLine.FindStringSubmatch(stdout.String()); m != nil {
			return m[1]
		}
		select {
		case <-timeout:
			t.Fatalf("child did not start: %s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
