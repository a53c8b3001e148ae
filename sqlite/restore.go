package sqlite

import (
	"context"
	"fmt"
	"os"

	"github.com/kassa-dev/kassa"
	"modernc.org/sqlite"
)

// restorer is the driver connection's restore entry point (modernc's
// sqlite3_backup from a file into the open database).
type restorer interface {
	NewRestore(srcURI string) (*sqlite.Backup, error)
}

// Restore replaces the whole content of the open database, in place and in
// one step, with the copy at srcPath (a file Backup wrote), while the store
// stays open: every connection sees the restored data from its next
// statement (SQLite expires the prepared statements of the others). Writes
// wait for it on the write connection, so none is lost half-way; readers
// see either the old content or the new. The caller makes sure that
// nothing it cares about is in flight (the emulator's reset closes its gate
// first). srcPath is not changed.
func (db *DB) Restore(ctx context.Context, srcPath string) error {
	if err := db.usable(); err != nil {
		return err
	}
	if _, err := os.Stat(srcPath); err != nil {
		return kassa.FieldError("path", "no backup to restore at %s", srcPath)
	}
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return translate(fmt.Errorf("restore: %w", err))
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		r, ok := dc.(restorer)
		if !ok {
			return fmt.Errorf("the driver connection %T cannot restore", dc)
		}
		b, err := r.NewRestore(srcPath)
		if err != nil {
			return err
		}
		for {
			more, err := b.Step(-1)
			if err != nil {
				b.Finish()
				return err
			}
			if !more {
				return b.Finish()
			}
		}
	})
	// Whatever the restore did (even half of it), cached balances,
	// totals and plans are gone.
	db.resetCaches()
	db.ckpt.notify()
	if err != nil {
		return translate(fmt.Errorf("restore from %s: %w", srcPath, err))
	}
	return nil
}
