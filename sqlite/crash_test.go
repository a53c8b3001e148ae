package sqlite_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
	"github.com/kassa-dev/kassa/storetest"
)

const crashChildEnv = "KASSA_SQLITE_CRASH_CHILD"

// TestCrashKeepsAcknowledgedWrites runs a writer in a child process, kills
// it with SIGKILL in the middle of its work, and reopens the database: every
// write the child saw acknowledged must be there, and the ledger must
// verify. (A killed process, not a power cut: the page cache survives here,
// so this checks WAL recovery and the acknowledgement order; synchronous=FULL
// is what covers the power cut, see TestPragmas.)
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if path := os.Getenv(crashChildEnv); path != "" {
		crashChild(path)
		return
	}
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustCreateAccount(t, db, "crash001", 0)
	db.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashKeepsAcknowledgedWrites$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	acked := -1
	lines := bufio.NewScanner(out)
	for acked < 300 && lines.Scan() {
		if n, ok := strings.CutPrefix(lines.Text(), "ack "); ok {
			if acked, err = strconv.Atoi(n); err != nil {
				t.Fatalf("child said %q", lines.Text())
			}
		}
	}
	if acked < 300 {
		t.Fatalf("the child stopped after %d writes: %v", acked, lines.Err())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no WAL file after the kill, so nothing was recovered: %v", err)
	}

	db, err = sqlite.Open(ctx, path, sqlite.Options{})
	if err != nil {
		t.Fatalf("reopen after the crash: %v", err)
	}
	defer db.Close()
	err = db.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		for i := 0; i <= acked; i++ {
			if _, err := tx.EntryByIdempotencyKey("crash001", "", "w"+strconv.Itoa(i)); err != nil {
				return fmt.Errorf("acknowledged write %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	storetest.MustVerify(t, db)
	_, total, err := db.ListEntries(ctx, kassa.EntryFilter{Account: "crash001"})
	if err != nil {
		t.Fatal(err)
	}
	if b := storetest.MustBalance(t, db, "crash001"); b != kassa.Amount(total) || total < acked+1 {
		t.Errorf("balance %d with %d entries after %d acknowledged writes", b, total, acked+1)
	}
}

// crashChild appends one credit of 1 per transaction forever, printing
// "ack N" after each commit returned.
func crashChild(path string) {
	db, err := sqlite.Open(context.Background(), path, sqlite.Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	for i := 0; ; i++ {
		err := db.InLedgerTx(context.Background(), func(tx kassa.LedgerTx) error {
			return tx.Append(&kassa.Entry{Account: "crash001", Kind: kassa.KindCredit, Amount: 1, IdempotencyKey: "w" + strconv.Itoa(i)})
		})
		if err != nil {
			fmt.Println("append:", err)
			os.Exit(1)
		}
		fmt.Printf("ack %d\n", i)
	}
}
