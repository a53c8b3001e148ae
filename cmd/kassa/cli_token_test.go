package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIFindsLocalAdminToken: with no admin token given, the admin and
// pricing commands use the token that a server on this machine keeps in
// its data directory (--data, KASSA_DATA), and say so on stderr; for a
// server elsewhere they do not look, and say why.
func TestCLIFindsLocalAdminToken(t *testing.T) {
	data := t.TempDir()
	base, _, _, stop := startServeFull(t, noEnv, "--data", data, "--addr", "127.0.0.1:0", "--access-log", "off")
	defer stop()
	tokenFile := filepath.Join(data, adminTokenFile)

	r := runCLI(t, "", map[string]string{"KASSA_URL": base}, "admin", "verify", "--data", data)
	if r.code != 0 || !strings.Contains(r.stderr, "using the admin token of the local server in "+tokenFile) {
		t.Errorf("admin verify with --data: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"KASSA_URL": strings.Replace(base, "127.0.0.1", "localhost", 1), "KASSA_DATA": data}, "pricing", "list")
	if r.code != 0 || !strings.Contains(r.stderr, tokenFile) || !strings.Contains(r.stdout, "demo") {
		t.Errorf("pricing list with KASSA_DATA: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"KASSA_URL": base, "KASSA_ADMIN_TOKEN": "given-token"}, "admin", "verify", "--data", data)
	if r.code != exitAuth || strings.Contains(r.stderr, "local server") {
		t.Errorf("a given token must win over the file: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"KASSA_URL": "http://kassa.example:8080"}, "admin", "verify", "--data", data)
	if r.code != exitUsage || !strings.Contains(r.stderr, "not on this machine") {
		t.Errorf("a remote server: exit %d, stderr %q", r.code, r.stderr)
	}
	r = runCLI(t, "", map[string]string{"KASSA_URL": base}, "admin", "verify", "--data", t.TempDir())
	if r.code != exitUsage || !strings.Contains(r.stderr, "no readable") {
		t.Errorf("a data directory without a token: exit %d, stderr %q", r.code, r.stderr)
	}
}
