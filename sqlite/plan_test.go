package sqlite

import (
	"strings"
	"testing"
)

// TestQueryPlansUseIndexes asks SQLite how it runs the lookups that must
// stay fast as the ledger grows: each must search an index, never scan a
// table. (A partial index is only used when the query repeats its WHERE
// term, which is easy to lose in an edit.)
func TestQueryPlansUseIndexes(t *testing.T) {
	db := openInternal(t)
	cases := []struct {
		name, query, index string
		args               []any
	}{
		{"entry by idempotency key", ledgerSQL[stmtEntryByKey], "entries_idempotency", []any{"a", "", "k"}},
		{"subaccounts of a primary", `SELECT api_key FROM accounts WHERE primary_account = ? AND primary_account <> '' ORDER BY created_at, api_key`, "accounts_primary", []any{"a"}},
		{"entries of a subaccount", `SELECT id FROM entries WHERE subaccount = ? AND subaccount <> '' ORDER BY id DESC LIMIT 50`, "entries_subaccount", []any{"s"}},
		{"transfers of a primary", `SELECT id FROM transfers WHERE primary_account = ? AND kind = ? AND created_at >= ? ORDER BY created_at DESC, rowid DESC LIMIT 1000`, "transfers_primary", []any{"a", "balance", 0}},
		{"transfer by idempotency key", `SELECT id FROM transfers WHERE primary_account = ? AND idempotency_key = ? AND idempotency_key <> ''`, "transfers_idempotency", []any{"a", "k"}},
		{"balance", ledgerSQL[stmtBalance], "sqlite_autoindex_accounts_1", []any{"a"}},
		{"related total", `SELECT COALESCE(SUM(amount), 0) FROM entries WHERE related_id = ? AND kind = ? AND related_id <> 0`, "entries_related", []any{1, "refund"}},
		{"count entries", `SELECT COUNT(*) FROM entries WHERE account = ? AND kind = ? AND created_at >= ?`, "entries_account_kind", []any{"a", "reload", 0}},
		{"entries of an account", `SELECT id FROM entries WHERE account = ? ORDER BY id DESC LIMIT 50`, "entries_account", []any{"a"}},
		{"a keyset page of an account's entries", `SELECT id FROM entries WHERE account = ? AND id < ? ORDER BY id DESC LIMIT 50`, "entries_account", []any{"a", 1000}},
		{"entries by reference", `SELECT id FROM entries WHERE reference = ? AND reference <> '' ORDER BY id DESC`, "entries_reference", []any{"r"}},
		{"expired holds", `SELECT id FROM holds WHERE state = 'open' AND expires_at <> 0 AND expires_at < ? ORDER BY expires_at, id LIMIT 10`, "holds_open_expiry", []any{1}},
		{"active price book", `SELECT version FROM price_books WHERE plan = ? AND activated_at <> 0 AND effective_at <= ? ORDER BY effective_at DESC, activation_seq DESC LIMIT 1`, "price_books_plan", []any{"default", 1}},
		{"audit of an account", `SELECT id FROM audit WHERE account = ? ORDER BY id DESC LIMIT 50`, "audit_account", []any{"a"}},
		{"secrets of an account", `SELECT id FROM secrets WHERE account_key = ? ORDER BY created_at, rowid`, "secrets_account", []any{"a"}},
	}
	for _, c := range cases {
		rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.query, c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "; ")
		if !strings.Contains(text, c.index) || strings.Contains(text, "SCAN ") && !strings.Contains(text, "USING") {
			t.Errorf("%s: plan %q does not search %s", c.name, text, c.index)
		}
	}
}
