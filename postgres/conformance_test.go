package postgres

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/storetest"
)

// TestConformance runs the store conformance suite, each case in a fresh
// schema of its own.
func TestConformance(t *testing.T) {
	testkit.PostgresURL(t)
	storetest.Run(t, func(tb testing.TB, now func() time.Time) kassa.Store {
		return openTestDB(tb, now)
	})
}
