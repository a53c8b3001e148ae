// Package sqlite is kassa's embedded store: one SQLite database file, opened
// with modernc.org/sqlite (pure Go, no cgo), that implements kassa.Store.
//
// All writes go through one dedicated connection in BEGIN IMMEDIATE
// transactions, so they serialize inside the process and never deadlock;
// queries use a separate pool of read connections, which WAL mode lets run
// alongside the writer. Every connection runs with journal_mode=WAL,
// synchronous=FULL (a commit that returned is on disk), foreign_keys=ON,
// wal_autocheckpoint=0 (a goroutine checkpoints instead, off the commits'
// path: checkpoint.go) and a busy timeout. The schema is a numbered list of embedded migrations
// applied at Open. docs/storage-sqlite.md describes the files and backups.
package sqlite
