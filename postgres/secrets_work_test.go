package postgres

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/testkit"
)

// countingTracer counts the statements the pool sends (BEGIN and COMMIT
// included).
type countingTracer struct{ n atomic.Int64 }

func (c *countingTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *countingTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestSecretsSameStatementsForUnknownKeys: reading the secrets of an
// unknown key sends exactly the statements that a known key's read sends,
// so that authentication does not tell an unknown key from a known one by
// time (#13.5).
func TestSecretsSameStatementsForUnknownKeys(t *testing.T) {
	tr := &countingTracer{}
	db := openSchema(t, testkit.PostgresURL(t), newSchema(t), Options{tracer: tr})
	ctx := context.Background()
	createAccount(t, db, "known001", 0)
	createAccount(t, db, "known002", 0)
	if err := db.CreateSecret(ctx, &kassa.Secret{ID: "s-2", AccountKey: "known002", Salt: []byte("salt"), Hash: []byte("hash")}); err != nil {
		t.Fatal(err)
	}
	count := func(key string) (int64, error) {
		before := tr.n.Load()
		_, err := db.Secrets(ctx, key)
		return tr.n.Load() - before, err
	}
	known, err := count("known001")
	if err != nil {
		t.Fatal(err)
	}
	two, err := count("known002")
	if err != nil {
		t.Fatal(err)
	}
	unknown, err := count("nosuch00")
	if kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Fatalf("unknown key: %v, want ENOTFOUND", err)
	}
	if known != unknown || two != unknown || known == 0 {
		t.Fatalf("statements: known key %d, known key with two secrets %d, unknown key %d; want the same", known, two, unknown)
	}
	list, err := db.Secrets(ctx, "known002")
	if err != nil || len(list) != 2 || list[0].ID != "sec-known002" || list[1].ID != "s-2" || string(list[1].Salt) != "salt" {
		t.Fatalf("secrets %+v, %v", list, err)
	}
}
