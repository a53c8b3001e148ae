package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newAdminAdjustCmd builds `kassa admin credit` and `kassa admin debit`.
func newAdminAdjustCmd(e *env, f *cliFlags, kind string) *cobra.Command {
	var reason, reference, key string
	verb := map[string]string{"credit": "Add to", "debit": "Take from"}[kind]
	cmd := &cobra.Command{
		Use:   kind + " ACCOUNT AMOUNT",
		Short: verb + " an account's balance",
		Long: fmt.Sprintf(`%s an account's balance with a ledger entry of kind %s. The
idempotency key makes the command safe to repeat: the same key with the same
request answers with the first entry and writes nothing. Without
--idempotency-key a new key is generated and printed on standard error, so
that a failed run can be repeated with it.`, verb, kind),
		Example: fmt.Sprintf(`  kassa admin %[1]s abcd1234 5.00 --reason goodwill
  kassa admin %[1]s abcd1234 5 --reason "invoice 2026-11" --reference INV-42 --idempotency-key inv-42`, kind),
		Args: exactArgs(2, "ACCOUNT and AMOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			amount, err := kassa.ParseAmount(args[1])
			if err != nil {
				return usageError("AMOUNT: %v", err)
			}
			if strings.TrimSpace(reason) == "" {
				return usageError("--reason is required")
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			if key == "" {
				key = client.NewIdempotencyKey()
				fmt.Fprintln(e.stderr, "idempotency key:", key)
			}
			adj := client.Adjustment{Amount: amount, Reason: reason, Reference: reference, IdempotencyKey: key}
			call := c.Credit
			if kind == "debit" {
				call = c.Debit
			}
			entry, err := call(cmd.Context(), args[0], adj)
			if err != nil {
				return apiError(err)
			}
			if entry.Replayed {
				fmt.Fprintln(e.stderr, "replayed: an earlier request with this idempotency key made this entry")
			}
			v := entriesView([]client.Entry{*entry})
			v.value, v.vertical = entry, true
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (required; kept in the ledger)")
	cmd.Flags().StringVar(&reference, "reference", "", "an outside reference (invoice, ticket)")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "key that makes a repeat harmless (generated and printed when empty)")
	return cmd
}

// newAdminLedgerCmd builds `kassa admin ledger ACCOUNT`.
func newAdminLedgerCmd(e *env, f *cliFlags) *cobra.Command {
	var q client.EntryQuery
	var since, until string
	cmd := &cobra.Command{
		Use:   "ledger ACCOUNT",
		Short: "List an account's ledger entries, newest first",
		Long: `List an account's ledger entries, newest first. --since and --until take a
time (2026-11-26T10:00:00Z), a date (2026-11-26, midnight UTC) or a duration
back from now (24h, 90m). Page backwards with --before set to the id the
previous page printed as "next page".`,
		Example: `  kassa admin ledger abcd1234
  kassa admin ledger abcd1234 --kind credit --since 24h --limit 20
  kassa admin ledger abcd1234 --since 2026-11-01 --until 2026-12-01 -o csv`,
		Args: exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			now := time.Now()
			if q.Since, err = parseWhen(since, now); err != nil {
				return usageError("--since: %v", err)
			}
			if q.Until, err = parseWhen(until, now); err != nil {
				return usageError("--until: %v", err)
			}
			if q.Kind != "" && !kassa.EntryKind(q.Kind).Valid() {
				return usageError("--kind %q: must be one of %s", q.Kind, entryKindList())
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			p, err := c.Entries(cmd.Context(), args[0], q)
			if err != nil {
				return apiError(err)
			}
			v := entriesView(p.Entries)
			v.value = p
			if err := render(e.stdout, f.output, v); err != nil {
				return err
			}
			if f.output == "table" && p.NextBefore != "" {
				fmt.Fprintf(e.stderr, "%d entries in all; next page: --before %s\n", p.Total, escapeText(p.NextBefore))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&q.Kind, "kind", "", "only entries of this kind: "+entryKindList())
	cmd.Flags().StringVar(&since, "since", "", "only entries at or after this time")
	cmd.Flags().StringVar(&until, "until", "", "only entries before this time")
	cmd.Flags().StringVar(&q.Reference, "reference", "", "only entries with this reference")
	cmd.Flags().IntVar(&q.Limit, "limit", 0, "at most this many entries (server default)")
	cmd.Flags().StringVar(&q.Before, "before", "", "only entries with an id below this (paging)")
	return cmd
}

func entryKindList() string {
	kinds := make([]string, len(kassa.EntryKinds))
	for i, k := range kassa.EntryKinds {
		kinds[i] = string(k)
	}
	return strings.Join(kinds, ", ")
}

// parseWhen reads an RFC 3339 time, a date, or a duration before now.
func parseWhen(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a time (2026-11-26T10:00:00Z), a date (2026-11-26) or a duration (24h)", s)
}

func entriesView(list []client.Entry) view {
	v := view{value: list, header: []string{"id", "created_at", "kind", "amount", "balance_after", "currency", "reason", "reference", "idempotency_key"}}
	for _, en := range list {
		v.rows = append(v.rows, []string{en.ID, formatTime(en.CreatedAt), en.Kind, en.Amount.String(), en.BalanceAfter.String(),
			en.Currency, en.Reason, en.Reference, en.IdempotencyKey})
	}
	return v
}
