package testkit

import (
	"os"
	"testing"
)

// PostgresURL returns KASSA_TEST_POSTGRES_URL, the PostgreSQL server the
// tests use. Without it the test is skipped, or fails when
// KASSA_TEST_POSTGRES_REQUIRED=1 (as in CI).
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv("KASSA_TEST_POSTGRES_URL"); u != "" {
		return u
	}
	const hint = "KASSA_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)"
	if os.Getenv("KASSA_TEST_POSTGRES_REQUIRED") == "1" {
		tb.Fatal(hint + " but KASSA_TEST_POSTGRES_REQUIRED=1")
	}
	tb.Skip("skipping a PostgreSQL test: " + hint)
	return ""
}
