package sqlite

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// writeBigVersion stores a price-book version of 8 MiB of chunks (the
// store does not look inside them).
func writeBigVersion(t *testing.T, db *DB) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	chunks := make([][]byte, 32)
	for i := range chunks {
		chunks[i] = make([]byte, 256<<10)
		for j := range chunks[i] {
			chunks[i][j] = byte(rng.Uint32())
		}
	}
	if err := db.CreatePriceBook(context.Background(), &kassa.PriceBookVersion{Name: "big"}, chunks); err != nil {
		t.Fatal(err)
	}
}

// openFile opens a store in a new file, closed when the test ends.
func openFile(t *testing.T) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "kassa.db")
	db, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db, path
}

// fileSize returns the size of the file at path.
func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// TestCommitDoesNotCheckpoint: a commit far past SQLite's automatic
// checkpoint threshold (1,000 pages) leaves its pages in the WAL, and the
// database file unchanged, until a checkpoint copies them: the copying is
// not on the committing request's path.
func TestCommitDoesNotCheckpoint(t *testing.T) {
	db, path := openFile(t)
	// Stop the background checkpointer, so that only the commit could
	// have checkpointed.
	c := db.ckpt
	if _, _, err := c.checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.ckpt = nil
	if err := c.close(); err != nil {
		t.Fatal(err)
	}
	before := fileSize(t, path)
	writeBigVersion(t, db)
	if after := fileSize(t, path); after-before > 1<<20 {
		t.Fatalf("the commit checkpointed: the database file grew from %d to %d bytes", before, after)
	}
	if wal := fileSize(t, path+"-wal"); wal < 8<<20 {
		t.Fatalf("the WAL holds %d bytes after an 8 MiB commit", wal)
	}
	again, err := startCheckpointer(path, time.Second, db.log)
	if err != nil {
		t.Fatal(err)
	}
	defer again.close()
	if pages, left, err := again.checkpoint(context.Background()); err != nil || pages < 2048 || left != 0 {
		t.Fatalf("checkpoint of an 8 MiB WAL: %d pages, %d left, %v", pages, left, err)
	}
	if after := fileSize(t, path); after-before < 8<<20 {
		t.Fatalf("after a checkpoint the database file grew by %d bytes only", after-before)
	}
}

// TestBackgroundCheckpoint: after a large write, the store's checkpointer
// copies the WAL into the database file on its own.
func TestBackgroundCheckpoint(t *testing.T) {
	db, path := openFile(t)
	before := fileSize(t, path)
	writeBigVersion(t, db)
	// Polled without a time limit of its own: the test's deadline is the
	// bound, and the checkpointer needs a moment after the write.
	for fileSize(t, path)-before < 8<<20 {
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCheckpointReportsWhatAReaderHolds: pages that a reader's snapshot
// still needs stay in the WAL and are reported as left; once the reader
// ends, the next checkpoint copies them.
func TestCheckpointReportsWhatAReaderHolds(t *testing.T) {
	db, _ := openFile(t)
	ctx := context.Background()
	c := db.ckpt
	if _, _, err := c.checkpoint(ctx); err != nil {
		t.Fatal(err)
	}
	reader, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := reader.QueryRowContext(ctx, "SELECT count(*) FROM price_books").Scan(&n); err != nil {
		t.Fatal(err) // the read transaction now holds its snapshot
	}
	writeBigVersion(t, db)
	pages, left, err := c.checkpoint(ctx)
	if err != nil || left < 2048 || left > pages {
		t.Fatalf("with a reader on an older snapshot: %d pages, %d left, %v; want the 8 MiB version left", pages, left, err)
	}
	if err := reader.Rollback(); err != nil {
		t.Fatal(err)
	}
	if pages, left, err := c.checkpoint(ctx); err != nil || left != 0 {
		t.Fatalf("after the reader: %d pages, %d left, %v", pages, left, err)
	}
}
