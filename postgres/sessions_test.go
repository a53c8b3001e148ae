package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/storetest"
)

// TestSessionsFollowTheirSecretInSQL: the schema itself ends a session
// with its secret, whatever statement touches the secret: a DELETE that no
// store method wrote, or an UPDATE of the secret's material in place. An
// update of anything else keeps it.
func TestSessionsFollowTheirSecretInSQL(t *testing.T) {
	db := openTestDB(t, time.Now)
	ctx := context.Background()
	storetest.MustCreateAccount(t, db, "sql00001", 0)
	for i := 0; i < 3; i++ {
		if err := db.CreateSecret(ctx, storetest.NewSecret("sql00001")); err != nil && kassa.ErrorCode(err) != kassa.ELIMIT {
			t.Fatal(err)
		}
	}
	secrets, err := db.Secrets(ctx, "sql00001")
	if err != nil || len(secrets) != 2 {
		t.Fatalf("secrets %v, %v", secrets, err)
	}
	open := func(secretID string) *kassa.Session {
		s := storetest.AccountSession("sql00001", secretID, time.Now())
		if err := db.CreateSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	live := func(s *kassa.Session) bool {
		_, err := db.Session(ctx, s.TokenHash)
		return err == nil
	}
	for _, tc := range []struct {
		stmt string
		ends bool
	}{
		{`UPDATE secrets SET created_at = created_at + interval '1 second' WHERE id = $1`, false},
		{`UPDATE secrets SET hash = '\x00' WHERE id = $1`, true},
		{`UPDATE secrets SET salt = '\x01' WHERE id = $1`, true},
		{`DELETE FROM secrets WHERE id = $1`, true},
	} {
		s := open(secrets[0].ID)
		other := open(secrets[1].ID)
		if _, err := db.pool.Exec(ctx, tc.stmt, secrets[0].ID); err != nil {
			t.Fatalf("%s: %v", tc.stmt, err)
		}
		if live(s) == tc.ends {
			t.Fatalf("%s: session live %v, want %v", tc.stmt, live(s), !tc.ends)
		}
		if !live(other) {
			t.Fatalf("%s: ended the other secret's session", tc.stmt)
		}
	}
}
