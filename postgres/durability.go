package postgres

import (
	"context"
	"fmt"
	"net/url"
	"strings"
)

// checkDurability makes sure that a commit the store reports is on disk.
// Every session asks for synchronous_commit=on; a session that still runs
// with it off (a connection pooler that drops start-up parameters, a
// forced setting) is refused. The server's fsync cannot be changed from a
// session, so fsync=off is only warned about.
func (db *DB) checkDurability(ctx context.Context) error {
	var syncCommit, fsync string
	err := db.pool.QueryRow(ctx, "SELECT current_setting('synchronous_commit'), current_setting('fsync')").Scan(&syncCommit, &fsync)
	if err != nil {
		return translate(fmt.Errorf("read durability settings: %w", err))
	}
	if syncCommit == "off" {
		return fmt.Errorf("synchronous_commit is off for kassa's sessions: acknowledged balance changes could be lost; " +
			"make sure nothing between kassa and PostgreSQL overrides it (kassa asks for synchronous_commit=on)")
	}
	if fsync != "on" {
		db.log.Warn("the PostgreSQL server runs with fsync off: committed balance changes can be lost in a crash; set fsync = on")
	}
	return nil
}

// hasPoolMaxConns reports whether the connection string sets the pool size
// itself.
func hasPoolMaxConns(connString string) bool {
	if u, err := url.Parse(connString); err == nil && u.Scheme != "" {
		return u.Query().Has("pool_max_conns")
	}
	return strings.Contains(connString, "pool_max_conns=")
}

// applicationName names kassa's sessions in pg_stat_activity, unless the
// operator chose a name.
func applicationName(given string) string {
	if given != "" {
		return given
	}
	return "kassa"
}
