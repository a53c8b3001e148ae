package main

import (
	"strconv"

	"github.com/spf13/cobra"
)

// newBalanceCmd builds `kassa balance`.
func newBalanceCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "balance",
		Short: "Show the account's balance",
		Long:  "Show the balance of the account whose credentials are given (GET /account/get-balance).",
		Example: `  kassa balance --api-key abcd1234 --api-secret Demo12345secret
  KASSA_API_KEY=abcd1234 KASSA_API_SECRET=Demo12345secret kassa balance -o json`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := f.accountClient(e)
		if err != nil {
			return err
		}
		b, err := c.Balance(cmd.Context())
		if err != nil {
			return apiError(err)
		}
		return render(e.stdout, f.output, view{
			value:    b,
			header:   []string{"balance", "auto_reload"},
			rows:     [][]string{{b.Value.Decimal(), strconv.FormatBool(b.AutoReload)}},
			vertical: true,
		})
	}
	return cmd
}
