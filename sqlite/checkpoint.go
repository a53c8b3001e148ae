package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"
)

// checkpointDelay is how long the checkpointer lets writes gather after
// the first one before it checkpoints: at most one checkpoint per this
// much time while writes go on.
const checkpointDelay = 200 * time.Millisecond

// checkpointer copies the WAL into the database file in the background.
//
// The write connection runs with wal_autocheckpoint(0). Left to itself,
// SQLite checkpoints inside the commit that takes the WAL past 1,000 pages:
// it copies every page of the WAL into the database file and syncs it,
// before that commit returns, on the path of whichever request made it
// (a charge, or the import of a million-row price book, whose commit then
// took 60 instead of 45 ms). The checkpointer does the same work on a
// connection of its own, a moment after writes, in PASSIVE mode: it never
// waits for a reader or the writer, and what it cannot copy yet it copies
// next time. Durability does not change: a commit is on disk once the WAL
// is synced (synchronous=FULL), checkpointed or not.
type checkpointer struct {
	conn    *sql.DB
	log     *slog.Logger
	wrote   chan struct{} // a write committed since the last checkpoint
	stop    chan struct{}
	stopped chan struct{}
}

// startCheckpointer opens the checkpointer's connection and starts it.
func startCheckpointer(path string, busy time.Duration, log *slog.Logger) (*checkpointer, error) {
	conn, err := sql.Open(driverName, dsn(path, "deferred", busy, false))
	if err != nil {
		return nil, fmt.Errorf("open the checkpointer's connection: %w", err)
	}
	conn.SetMaxOpenConns(1)
	conn.SetMaxIdleConns(1)
	conn.SetConnMaxLifetime(0)
	conn.SetConnMaxIdleTime(0)
	c := &checkpointer{conn: conn, log: log, wrote: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go c.run()
	c.notify() // whatever opening (migrations) left in the WAL
	return c, nil
}

// notify tells the checkpointer that a write committed; it never blocks.
func (c *checkpointer) notify() {
	if c == nil {
		return
	}
	select {
	case c.wrote <- struct{}{}:
	default:
	}
}

// run checkpoints checkpointDelay after each first write, until close.
func (c *checkpointer) run() {
	defer close(c.stopped)
	for {
		select {
		case <-c.stop:
			return
		case <-c.wrote:
		}
		wait := time.NewTimer(checkpointDelay)
		select {
		case <-c.stop:
			wait.Stop()
			return
		case <-wait.C:
		}
		select {
		case <-c.wrote: // covered by this checkpoint
		default:
		}
		pages, left, err := c.checkpoint(context.Background())
		switch {
		case err != nil:
			c.log.Warn("sqlite checkpoint failed; the next write retries it", "err", err)
		case left > walPagesBehind:
			c.log.Warn("sqlite checkpoint left pages in the WAL that a long read transaction still needs; the WAL grows until it ends",
				"wal_pages", pages, "left", left)
		}
	}
}

// walPagesBehind is how many pages a checkpoint may leave in the WAL (a
// reader's snapshot still needs them) before the checkpointer warns: about
// 40 MiB of pages.
const walPagesBehind = 10_000

// checkpoint copies what it can of the WAL into the database file. It
// returns the pages in the WAL and how many of them it could not copy yet
// (a reader's snapshot still needs them); -1 and -1 when the database is
// not in WAL mode.
func (c *checkpointer) checkpoint(ctx context.Context) (pages, left int, err error) {
	var busy, copied int
	err = c.conn.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &pages, &copied)
	if err != nil || pages < 0 {
		return pages, pages, err
	}
	return pages, pages - copied, nil
}

// close stops the checkpointer and closes its connection; the last
// connection to close checkpoints what is left.
func (c *checkpointer) close() error {
	if c == nil {
		return nil
	}
	close(c.stop)
	<-c.stopped
	return c.conn.Close()
}
