package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

// TestVerifyUsageRollups: kassa verify on a SQLite store passes while the
// usage rollups agree with the entries, and fails (exit 1) naming the
// account and both sides' totals when a charge has no rollup; kassa
// restore of a backup of that store warns of it and restores (its
// balances are sound).
func TestVerifyUsageRollups(t *testing.T) {
	data := t.TempDir()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(data, dbFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateAccount(t, db, "verify01", kassa.MustParseAmount("5"))
	db.Close()
	code, out, stderr := runCmd(t, noEnv, "verify", "--data", data)
	if code != 0 || !strings.Contains(out, "ok: 1 accounts checked") || !strings.Contains(out, "usage rollups agree") {
		t.Fatalf("clean store: exit %d\n%s%s", code, out, stderr)
	}

	db, err = sqlite.Open(ctx, filepath.Join(data, dbFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustAppend(t, db, "verify01", kassa.KindCharge, kassa.MustParseAmount("-0.25")) // a charge without its rollup
	db.Close()
	code, out, stderr = runCmd(t, noEnv, "verify", "--data", data)
	wantOut := "USAGE DISCREPANCY account verify01: rollups count 0 charged 0.00000000 refunds 0 refunded 0.00000000; " +
		"entries count 1 charged 0.25000000 refunds 0 refunded 0.00000000\n"
	if code != exitError || out != wantOut || !strings.Contains(stderr, "the usage rollups of 1 of 1 accounts differ from their entries") {
		t.Errorf("charge without its rollup: exit %d\n%s%s", code, out, stderr)
	}

	backup := filepath.Join(t.TempDir(), "kassa.backup")
	if code, out, stderr := runCmd(t, noEnv, "backup", "--data", data, backup); code != 0 {
		t.Fatalf("backup: exit %d\n%s%s", code, out, stderr)
	}
	restored := t.TempDir()
	code, out, stderr = runCmd(t, noEnv, "restore", "--data", restored, backup)
	if code != 0 || !strings.Contains(out, "WARNING usage rollups differ from the entries: account verify01: rollups count 0") ||
		!strings.Contains(out, "ok: 1 accounts checked, every balance equals the sum of its entries\n") || !strings.Contains(out, "restored") {
		t.Errorf("restore of a backup with a charge without its rollup: exit %d\n%s%s", code, out, stderr)
	}
}
