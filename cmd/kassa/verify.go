package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// newVerifyCmd builds `kassa verify`.
func newVerifyCmd(e *env) *cobra.Command {
	var data string
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Check that every balance equals the sum of its ledger entries",
		Long: `Check the ledger of a kassa data directory: for every account, the balance must
equal the sum of its entries. Prints each discrepancy and exits with status 1 when
there is one, 0 when the ledger is sound. Safe to run while kassa serve runs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return verify(e, data)
		},
	}
	cmd.Flags().StringVar(&data, "data", envOr(e, "KASSA_DATA", "./kassa-data"), "data directory (env KASSA_DATA)")
	return cmd
}

// verify runs the ledger check on the store in data.
func verify(e *env, data string) error {
	path := filepath.Join(data, dbFile)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no kassa database in %s: %w", data, err)
	}
	db, err := sqlite.Open(e.ctx, path, sqlite.Options{})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	ds, err := db.Verify(e.ctx)
	if err != nil {
		return fmt.Errorf("verify: %w", err)
	}
	_, total, err := db.ListAccounts(e.ctx, kassa.AccountFilter{Limit: 1})
	if err != nil {
		return fmt.Errorf("count accounts: %w", err)
	}
	for _, d := range ds {
		fmt.Fprintf(e.stdout, "DISCREPANCY account %s: balance %s, sum of %d entries %s\n", d.Account, d.Balance, d.Entries, d.EntriesSum)
	}
	if len(ds) > 0 {
		return fmt.Errorf("ledger verification failed: %d of %d accounts differ", len(ds), total)
	}
	fmt.Fprintf(e.stdout, "ok: %d accounts checked, every balance equals the sum of its entries\n", total)
	return nil
}
