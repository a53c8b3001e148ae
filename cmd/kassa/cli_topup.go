package main

import (
	"github.com/spf13/cobra"
)

// newTopUpCmd builds `kassa topup TRX`.
func newTopUpCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "topup TRX",
		Short: "Top up the account from its auto-reload payment",
		Long: `Credit the account with the amount of the auto-reload payment TRX
(POST /account/top-up). Only accounts with auto-reload enabled can top up;
others are refused (exit code 5).`,
		Example: `  kassa topup demo-trx           # the demo account's auto-reload trx
  kassa topup demo-trx -o json`,
		Args: exactArgs(1, "TRX"),
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		c, err := f.accountClient(e)
		if err != nil {
			return err
		}
		res, err := c.TopUp(cmd.Context(), args[0])
		if err != nil {
			return apiError(err)
		}
		return render(e.stdout, f.output, view{
			value:    res,
			header:   []string{"result", "code"},
			rows:     [][]string{{res.Label, res.Code}},
			vertical: true,
		})
	}
	return cmd
}

// exactArgs is cobra.ExactArgs with a usage error (exit code 2) that names
// the arguments.
func exactArgs(n int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageError("%s needs %s (see '%s --help')", cmd.CommandPath(), names, cmd.CommandPath())
		}
		return nil
	}
}

// noArgs is cobra.NoArgs with a usage error.
func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) != 0 {
		return usageError("%s takes no arguments, got %q (see '%s --help')", cmd.CommandPath(), args[0], cmd.CommandPath())
	}
	return nil
}
