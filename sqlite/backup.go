package sqlite

import (
	"context"
	"fmt"
	"os"

	"github.com/kassa-dev/kassa"
)

// Backup writes an online, transactionally consistent copy of the database
// to dstPath with VACUUM INTO, while the store keeps serving. The copy is a
// single compacted file (no -wal or -shm) that Open accepts as it is.
// dstPath must not exist yet.
func (db *DB) Backup(ctx context.Context, dstPath string) error {
	if err := db.usable(); err != nil {
		return err
	}
	if dstPath == "" {
		return kassa.FieldError("path", "a backup needs a destination path")
	}
	if _, err := os.Stat(dstPath); err == nil {
		return kassa.FieldError("path", "the backup destination %s already exists", dstPath)
	}
	if _, err := db.read.ExecContext(ctx, `VACUUM INTO ?`, dstPath); err != nil {
		return translate(fmt.Errorf("backup to %s: %w", dstPath, err))
	}
	return nil
}
