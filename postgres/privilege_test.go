package postgres

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa/internal/testkit"
	"github.com/kassa-dev/kassa/storetest"
)

// The least-privilege set-up of docs/storage-postgres.md works: a role with
// only the documented grants serves (NoMigrate) — reads, debits, leases,
// price-book activation — but cannot migrate.
func TestServeWithDMLOnlyRole(t *testing.T) {
	ctx := context.Background()
	base, schema := testkit.PostgresURL(t), newSchema(t)
	owner := openSchema(t, base, schema, Options{})
	createAccount(t, owner, "acc-p", 100)

	role := schema + "_app"
	s, r := pgx.Identifier{schema}.Sanitize(), pgx.Identifier{role}.Sanitize()
	for _, stmt := range []string{
		"CREATE ROLE " + r + " LOGIN",
		"GRANT USAGE ON SCHEMA " + s + " TO " + r,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + s + " TO " + r,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + s + " TO " + r,
	} {
		if _, err := owner.pool.Exec(ctx, stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() {
		// Runs before the schema is dropped (cleanups run last-in first-out).
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Errorf("drop role: %v", err)
			return
		}
		defer conn.Close(ctx)
		for _, stmt := range []string{"DROP OWNED BY " + r, "DROP ROLE " + r} {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				t.Errorf("%s: %v", stmt, err)
			}
		}
	})

	u, err := url.Parse(base)
	if err != nil || u.Scheme == "" {
		t.Skip("needs a postgres:// URL")
	}
	u.User = url.User(role)
	app, err := Open(ctx, u.String(), Options{Schema: schema, NoMigrate: true})
	if err != nil {
		t.Fatalf("Open(NoMigrate) as the DML-only role: %v", err)
	}
	defer app.Close()
	if err := debit(ctx, app, "acc-p", 10, "k"); err != nil {
		t.Fatalf("debit as the DML-only role: %v", err)
	}
	if ok, err := app.AcquireLease(ctx, "job", "node", time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease as the DML-only role = %v, %v", ok, err)
	}
	v := createPriceBook(t, app)
	if err := app.ActivatePriceBook(ctx, v, time.Time{}); err != nil {
		t.Fatalf("ActivatePriceBook as the DML-only role: %v", err)
	}
	createAccount(t, app, "acc-q", 5)
	sess := storetest.AccountSession("acc-q", "sec-acc-q", time.Now())
	if err := app.CreateSession(ctx, sess); err != nil {
		t.Fatalf("CreateSession as the DML-only role: %v", err)
	}
	if _, err := app.Session(ctx, sess.TokenHash); err != nil {
		t.Fatalf("Session as the DML-only role: %v", err)
	}
	verifyClean(t, app)
	if _, err := app.pool.Exec(ctx, "CREATE TABLE "+s+".nope (id int)"); err == nil {
		t.Fatal("the DML-only role could create a table; the test does not test what it says")
	}
}
