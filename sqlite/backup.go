package sqlite

import (
	"context"
	"database/sql/driver"
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
	if err := db.vacuumInto(ctx, dstPath); err != nil {
		return translate(fmt.Errorf("backup to %s: %w", dstPath, err))
	}
	return nil
}

// vacuumInto runs VACUUM INTO on a read connection. A read-only DB's
// connections refuse writes (query_only), which SQLite extends to VACUUM
// INTO although it writes only the new file: the connection allows it for
// this one statement.
func (db *DB) vacuumInto(ctx context.Context, dstPath string) error {
	conn, err := db.read.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if db.readOnly {
		if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
			return err
		}
		defer func() {
			// A connection that cannot refuse writes again is not reused.
			if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA query_only = 1`); err != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn })
			}
		}()
	}
	_, err = conn.ExecContext(ctx, `VACUUM INTO ?`, dstPath)
	return err
}
