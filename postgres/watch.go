package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// Reconnection back-off of WatchPriceBooks: it starts at watchMinBackoff and
// doubles up to watchMaxBackoff, each wait jittered by up to a half.
const (
	watchMinBackoff = 100 * time.Millisecond
	watchMaxBackoff = 10 * time.Second
)

// WatchPriceBooks calls changed whenever any node activates a price-book
// version, until ctx ends (it then returns nil). It holds a dedicated
// connection (outside the pool) that LISTENs on the store's channel (see
// PriceBookChannel). It calls
// changed once as soon as the LISTEN is in place, the first time too (an
// activation between the caller's first load and the LISTEN would otherwise
// go unseen until the next periodic check), and again after every
// reconnection, since notifications sent in between were lost. changed runs
// on the watcher's goroutine and should return quickly.
func (db *DB) WatchPriceBooks(ctx context.Context, changed func()) error {
	backoff := watchMinBackoff
	for first := true; ; first = false {
		err := db.listen(ctx, changed, !first, &backoff)
		if ctx.Err() != nil {
			return nil
		}
		db.log.Warn("price book notifications interrupted; reconnecting", "err", err, "in", backoff)
		if !sleepCtx(ctx, jitter(backoff)) {
			return nil
		}
		backoff = min(2*backoff, watchMaxBackoff)
	}
}

// listen connects, LISTENs and delivers notifications until the connection
// fails or ctx ends. It calls changed as soon as the LISTEN is in place. A
// successful connection resets the back-off.
func (db *DB) listen(ctx context.Context, changed func(), reconnected bool, backoff *time.Duration) error {
	conn, err := pgx.ConnectConfig(ctx, db.listenConfig.Copy())
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.channel()}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	*backoff = watchMinBackoff
	if reconnected {
		db.log.Info("price book notifications restored")
	}
	changed()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("wait for notification: %w", err)
		}
		changed()
	}
}

// jitter returns d plus a random part of up to half of d.
func jitter(d time.Duration) time.Duration {
	return d + rand.N(d/2+1)
}

// sleepCtx waits d and reports true, or reports false when ctx ends first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
