package testkit

import "testing"

// TestPostgresURL: the variable is returned as it is; without it the test
// skips, and KASSA_TEST_POSTGRES_REQUIRED=1 makes that a failure.
func TestPostgresURL(t *testing.T) {
	t.Setenv("KASSA_TEST_POSTGRES_URL", "postgres://u@h:5432/d")
	if got := PostgresURL(t); got != "postgres://u@h:5432/d" {
		t.Fatalf("PostgresURL = %q", got)
	}
	t.Run("unset", func(t *testing.T) {
		t.Setenv("KASSA_TEST_POSTGRES_URL", "")
		t.Setenv("KASSA_TEST_POSTGRES_REQUIRED", "")
		var skipped bool
		t.Run("inner", func(t *testing.T) {
			defer func() { skipped = t.Skipped() }()
			PostgresURL(t)
			t.Error("PostgresURL returned without the variable")
		})
		if !skipped {
			t.Fatal("the test was not skipped")
		}
	})
}
