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
sum of its entries. Prints each discrepancy and exits with status 1 when there is
one, 0 when the ledger is sound. Safe to run while kassa serve runs: it opens a
SQLite store read-only and never migrates it.

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
			return verifyLedger(cmd.Context(), db, e.stdout)
		},
	}
	addStoreFlags(cmd, e, &o)
	return cmd
}

// verifyLedger runs the ledger check on db and prints its outcome to w; it
// fails when any account's balance differs from the sum of its entries.
func verifyLedger(ctx context.Context, db store, w io.Writer) error {
	ds, err := db.Verify(ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	_, total, err := db.ListAccounts(ctx, kassa.AccountFilter{Limit: 1})
	if err != nil {
		return fmt.Errorf("count accounts: %w", err)
	}
	for _, d := range ds {
		fmt.Fprintf(w, "DISCREPANCY account %s: balance %s, sum of %d entries %s\n", d.Account, d.Balance, d.Entries, d.EntriesSum)
	}
	if len(ds) > 0 {
		return fmt.Errorf("ledger verification failed: %d of %d accounts differ", len(ds), total)
	}
	fmt.Fprintf(w, "ok: %d accounts checked, every balance equals the sum of its entries\n", total)
	return nil
}
