package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/kassa-dev/kassa"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// translate turns driver errors into kassa errors: no rows is ENOTFOUND, a
// unique or primary-key violation ECONFLICT, a missing referenced account
// ENOTFOUND, and anything that says the database cannot be used (a lock
// held past the busy timeout, I/O errors, a full disk, a file that cannot
// be opened or written, is no longer a database or is damaged, a closed
// database, a cancelled context) EUNAVAILABLE. A *kassa.Error passes through unchanged
// and anything else is left for the caller to report as internal.
func translate(err error) error {
	if err == nil {
		return nil
	}
	var ke *kassa.Error
	if errors.As(err, &ke) {
		return err
	}
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "not found", Err: err}
	case errors.Is(err, sql.ErrConnDone), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		strings.Contains(err.Error(), "sql: database is closed"):
		return &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	var se *msqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return &kassa.Error{Code: kassa.ECONFLICT, Message: "already exists", Err: err}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such account", Err: err}
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return &kassa.Error{Code: kassa.EINVALID, Message: "amount out of range", Err: err}
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY,
		sqlite3.SQLITE_PERM, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL,
		sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT: // the file was overwritten or damaged: not usable
		return &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "the database is unavailable", Err: err}
	}
	return err
}
