package main

import (
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/auth"
	"github.com/kassa-dev/kassa/server"
	"github.com/kassa-dev/kassa/sqlite"
)

// writePepper writes a fresh pepper to path and returns its hasher.
func writePepper(t *testing.T, path string) *auth.Hasher {
	t.Helper()
	p := auth.NewPepper()
	if err := os.WriteFile(path, []byte(hex.EncodeToString(p)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := auth.NewHasher(p)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// storedFingerprint reads the pepper fingerprint kept in the SQLite store in
// data.
func storedFingerprint(t *testing.T, data string) string {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, dbFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fp, err := db.EnsureMeta(context.Background(), server.PepperMetaKey, "none")
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

// wantPepperRefusal checks the refusal of a pepper that does not match.
func wantPepperRefusal(t *testing.T, what string, code int, stderr, path string) {
	t.Helper()
	if code != exitUsage || !strings.Contains(stderr, "does not match this database") ||
		!strings.Contains(stderr, "copy DATA/pepper from the first node") || !strings.Contains(stderr, "--pepper-file") || !strings.Contains(stderr, path) {
		t.Errorf("%s: exit %d: %s", what, code, stderr)
	}
}

// TestPepperFingerprintSQLite: the first start keeps the pepper's
// fingerprint (never the pepper) in the store; a restart with another
// pepper is refused with what to do; a data directory whose pepper file is
// missing does not get a new pepper that would silently break every secret:
// the one generated is refused and removed; the right pepper starts.
func TestPepperFingerprintSQLite(t *testing.T) {
	data := t.TempDir()
	_, _, stop := startServe(t, data, "--demo-key", "pepfp001", "--demo-secret", "PepFp0001Secret")
	stop()
	path := filepath.Join(data, pepperFile)
	right, _ := os.ReadFile(path)
	p, err := server.ReadPepper(path)
	if err != nil {
		t.Fatal(err)
	}
	h := p.Hasher
	fp := storedFingerprint(t, data)
	if fp != h.Fingerprint() || strings.Contains(fp, strings.TrimSpace(string(right))) {
		t.Fatalf("stored fingerprint %q, want the pepper's %q", fp, h.Fingerprint())
	}

	writePepper(t, path)
	code, _, stderr := runCmd(t, noEnv, "serve", "--data", data, "--addr", "127.0.0.1:0")
	wantPepperRefusal(t, "another pepper", code, stderr, path)
	if strings.Contains(stderr, strings.TrimSpace(string(right))) {
		t.Error("the refusal shows the pepper")
	}

	os.Remove(path)
	code, _, stderr = runCmd(t, noEnv, "serve", "--data", data, "--addr", "127.0.0.1:0")
	wantPepperRefusal(t, "missing pepper", code, stderr, path)
	if !strings.Contains(stderr, "removed again") {
		t.Errorf("the refusal does not say the generated pepper was removed: %s", stderr)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the generated pepper was left behind: %v", err)
	}

	if err := os.WriteFile(path, right, 0o600); err != nil {
		t.Fatal(err)
	}
	base, _, stop := startServe(t, data)
	defer stop()
	if code, body := httpGet(t, base+"/account/get-balance", "pepfp001", "PepFp0001Secret"); code != 200 {
		t.Errorf("the right pepper: %d %s", code, body)
	}
}

// TestPepperFingerprintWrittenForOldDatabase: a database from before
// fingerprints (none stored) gets the node's on its first start.
func TestPepperFingerprintWrittenForOldDatabase(t *testing.T) {
	data := t.TempDir()
	if code, _, stderr := runCmd(t, noEnv, "migrate", "--data", data); code != 0 {
		t.Fatal(stderr)
	}
	h := writePepper(t, filepath.Join(data, pepperFile))
	_, _, stop := startServe(t, data)
	stop()
	if fp := storedFingerprint(t, data); fp != h.Fingerprint() {
		t.Errorf("fingerprint %q, want %q", fp, h.Fingerprint())
	}
}

// TestPepperFingerprintPostgres: two nodes on one PostgreSQL database, each
// with its own data directory: the second one, which would generate a
// pepper of its own, refuses to start and says to copy the first node's;
// with the pepper copied it starts and verifies the first node's secrets.
func TestPepperFingerprintPostgres(t *testing.T) {
	u := pgSchemaURL(t)
	dataA, dataB := t.TempDir(), t.TempDir()
	baseA, _, stopA := startServe(t, dataA, "--store", u, "--demo-key", "pgpep001", "--demo-secret", "PgPep0001Secret")
	defer stopA()
	pathB := filepath.Join(dataB, pepperFile)
	code, _, stderr := runCmd(t, noEnv, "serve", "--store", u, "--data", dataB, "--addr", "127.0.0.1:0")
	wantPepperRefusal(t, "second node", code, stderr, pathB)
	if strings.Contains(stderr, "postgres://") && strings.Contains(stderr, "@") && !strings.Contains(stderr, "<redacted>") {
		t.Errorf("the refusal shows the store URL: %s", stderr)
	}
	pepperA, _ := os.ReadFile(filepath.Join(dataA, pepperFile))
	if err := os.WriteFile(pathB, pepperA, 0o600); err != nil {
		t.Fatal(err)
	}
	baseB, _, stopB := startServe(t, dataB, "--store", u)
	defer stopB()
	for _, base := range []string{baseA, baseB} {
		if code, body := httpGet(t, base+"/account/get-balance", "pgpep001", "PgPep0001Secret"); code != 200 {
			t.Errorf("%s: get-balance %d %s", base, code, body)
		}
	}
}

// TestRestoreChecksPepper: restore refuses a backup beside a pepper that
// does not match it (leaving nothing behind), restores it beside the right
// one, and without a pepper says where to put it; kassa serve then refuses
// a wrong pepper in the restored directory.
func TestRestoreChecksPepper(t *testing.T) {
	data := t.TempDir()
	_, _, stop := startServe(t, data, "--demo-key", "restp001", "--demo-secret", "RestP0001Secret")
	stop()
	backupFile := filepath.Join(t.TempDir(), "kassa.backup")
	if code, _, stderr := runCmd(t, noEnv, "backup", "--data", data, backupFile); code != 0 {
		t.Fatal(stderr)
	}

	wrong := filepath.Join(t.TempDir(), "wrong-pepper")
	writePepper(t, wrong)
	target := filepath.Join(t.TempDir(), "restored")
	code, _, stderr := runCmd(t, noEnv, "restore", "--data", target, "--pepper-file", wrong, backupFile)
	wantPepperRefusal(t, "restore beside another pepper", code, stderr, wrong)
	if _, err := os.Stat(filepath.Join(target, dbFile)); !os.IsNotExist(err) {
		t.Fatalf("a refused restore left the database behind: %v", err)
	}
	if _, err := os.Stat(wrong); err != nil {
		t.Errorf("restore removed a pepper it did not create: %v", err)
	}

	code, out, stderr := runCmd(t, noEnv, "restore", "--data", target, backupFile)
	if code != 0 || !strings.Contains(out, "no pepper at "+filepath.Join(target, pepperFile)) {
		t.Fatalf("restore without a pepper: exit %d: %s %s", code, out, stderr)
	}
	if err := os.Rename(wrong, filepath.Join(target, pepperFile)); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runCmd(t, noEnv, "serve", "--data", target, "--addr", "127.0.0.1:0")
	wantPepperRefusal(t, "serve on a restore beside another pepper", code, stderr, filepath.Join(target, pepperFile))

	again := filepath.Join(t.TempDir(), "restored")
	code, out, stderr = runCmd(t, noEnv, "restore", "--data", again, "--pepper-file", filepath.Join(data, pepperFile), backupFile)
	if code != 0 || strings.Contains(out, "no pepper") {
		t.Fatalf("restore beside the right pepper: exit %d: %s %s", code, out, stderr)
	}
}
