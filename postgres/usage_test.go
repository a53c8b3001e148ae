package postgres

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa/internal/schema"
	"github.com/kassa-dev/kassa/storetest"
)

// TestUsageBackfill: migration 0010 fills the usage rollups from the
// entries exactly as the ledger keeps them.
func TestUsageBackfill(t *testing.T) {
	clock := storetest.NewClock(storetest.Epoch)
	db := openTestDB(t, clock.Now)
	storetest.CheckUsageBackfill(t, db, clock, func() error {
		all, err := migrations()
		if err != nil {
			return err
		}
		i := slices.IndexFunc(all, func(m schema.Migration) bool { return m.Version == 10 })
		if i < 0 {
			return errors.New("no migration 10")
		}
		m := all[i]
		fill := m.SQL[strings.Index(m.SQL, "INSERT INTO usage_rollups"):]
		if _, err := db.pool.Exec(t.Context(), "DELETE FROM usage_rollups"); err != nil {
			return err
		}
		_, err = db.pool.Exec(t.Context(), fill)
		return err
	})
}
