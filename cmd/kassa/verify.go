package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa"
)

// newVerifyCmd builds `kassa verify`.
func newVerifyCmd(e *env) *cobra.Command {
	var o storeOpen
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that every balance equals the sum of its ledger entries",
		Long: `Check the ledger of a kassa store: for every account, the balance must equal the
sum of its entries, and its usage rollups (the counts and amounts of its charges,
captures and refunds that usage reports read) must equal what its entries give.
Prints each discrepancy and exits with status 1 when there is one, 0 when the
ledger is sound. It reads every entry once for each check. Safe to run while
kassa serve runs: it opens a SQLite store read-only and never migrates it.

The store: --store postgres://… or a key=value connection string (env KASSA_STORE
or KASSA_STORE_FILE), or the SQLite file in --data (env KASSA_DATA) when --store is
empty; each also read from the config file of kassa serve (--config FILE or
KASSA_CONFIG).`,
		Example: `  kassa verify --data /var/lib/kassa
  kassa verify --store postgres://kassa@db/kassa
  kassa verify --config /etc/kassa/kassa.env
  kassa verify --data ./kassa-data || echo "the ledger needs attention"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.url == "" {
				if _, err := os.Stat(filepath.Join(o.data, dbFile)); err != nil {
					return fmt.Errorf("no kassa database in %s: %w", o.data, err)
				}
			}
			o.readOnly = true
			db, err := openStore(cmd.Context(), o)
			if err != nil {
				return err
			}
			defer db.Close()
			return verifyLedger(cmd.Context(), db, e.stdout, true)
		},
	}
	addStoreFlags(cmd, e, &o)
	return cmd
}

// verifyLedger runs the ledger checks on db and prints their outcome to w.
// It fails when any account's balance differs from the sum of its entries;
// an account whose usage rollups differ from the entries they sum fails it
// too when usageFails, and is otherwise printed as a warning (a restore:
// the balances are what a backup must get right, and usage reports are
// read from the rollups).
func verifyLedger(ctx context.Context, db store, w io.Writer, usageFails bool) error {
	ds, err := db.Verify(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	_, total, err := db.ListAccounts(ctx, kassa.AccountFilter{Limit: 1})
	if err != nil {
		return fmt.Errorf("count accounts: %w", err)
	}
	us, err := db.VerifyUsage(ctx)
	if err != nil {
		return fmt.Errorf("verify usage: %w", err)
	}
	for _, d := range ds {
		fmt.Fprintf(w, "DISCREPANCY account %s: balance %s, sum of %d entries %s\n", d.Account, d.Balance, d.Entries, d.EntriesSum)
	}
	label := "USAGE DISCREPANCY"
	if !usageFails {
		label = "WARNING usage rollups differ from the entries:"
	}
	for _, u := range us {
		fmt.Fprintf(w, "%s account %s: %s\n", label, u.Account, usageDifference(u))
	}
	agree := " and the usage rollups agree with them"
	if len(us) > 0 && !usageFails {
		fmt.Fprintf(w, "the usage reports of those %d accounts are off; their balances are checked below\n", len(us))
		us, agree = nil, ""
	}
	switch {
	case len(ds) > 0 && len(us) > 0:
		return fmt.Errorf("ledger verification failed: %d of %d accounts differ from their entries, and the usage rollups of %d", len(ds), total, len(us))
	case len(ds) > 0:
		return fmt.Errorf("ledger verification failed: %d of %d accounts differ", len(ds), total)
	case len(us) > 0:
		return fmt.Errorf("ledger verification failed: the usage rollups of %d of %d accounts differ from their entries", len(us), total)
	}
	fmt.Fprintf(w, "ok: %d accounts checked, every balance equals the sum of its entries%s\n", total, agree)
	return nil
}

// usageDifference says what differs in an account's usage rollups:
// "rollups count 3 charged 0.38000000, entries count 2 charged 0.37000000".
func usageDifference(u kassa.UsageDiscrepancy) string {
	return fmt.Sprintf("rollups count %d charged %s refunds %d refunded %s; entries count %d charged %s refunds %d refunded %s",
		u.Count, u.Charged, u.Refunds, u.Refunded, u.EntriesCount, u.EntriesCharged, u.EntriesRefunds, u.EntriesRefunded)
}
