package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain lets a test run this binary's main in a child process (see
// TestServeSIGTERM), and makes this binary the kassa command of the
// examples when called by that name (examples_test.go).
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "kassa" {
		exampleShim()
	}
	if os.Getenv("KASSA_TEST_RUN_MAIN") == "1" {
		os.Args = append([]string{"kassa"}, strings.Fields(os.Getenv("KASSA_TEST_ARGS"))...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestServeSIGTERM runs kassa serve as a child process, reads the balance,
// sends SIGTERM and expects a clean exit (status 0) with the shutdown
// logged.
func TestServeSIGTERM(t *testing.T) {
	data := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "KASSA_TEST_RUN_MAIN=1",
		"KASSA_TEST_ARGS=serve --addr 127.0.0.1:0 --data "+data+" --demo-key smoke001 --demo-secret Smoke001Secret")
	stdout := &lineWatcher{}
	var stderr lineWatcher
	cmd.Stdout, cmd.Stderr = stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var base string
	timeout := time.After(30 * time.Second)
	for base == "" {
		if m := listeningLine.FindStringSubmatch(stdout.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case <-timeout:
			t.Fatalf("child did not start: %s", stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if code, body := httpGet(t, base+"/account/get-balance", "smoke001", "Smoke001Secret"); code != 200 {
		t.Fatalf("get-balance %d %s", code, body)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "msg=stopped") {
		t.Errorf("no clean stop logged:\n%s", stderr.String())
	}
}
