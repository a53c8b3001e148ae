package main

import (
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newAdminSuspendCmd builds `kassa admin suspend` and `kassa admin resume`.
func newAdminSuspendCmd(e *env, f *cliFlags, suspend bool) *cobra.Command {
	use, short := "resume", "Lift an account's suspension"
	long := "Lift an account's suspension: its charges and holds (and its subaccounts') work again."
	if suspend {
		use, short = "suspend", "Suspend an account"
		long = `Suspend an account: its platform charges and holds are refused (403
account-suspended), and so are those of its subaccounts; a suspended
subaccount's own credentials are refused (401). Reads, top-ups, credits and
transfers back to a primary still work. Suspending a suspended account changes
nothing.`
	}
	return &cobra.Command{
		Use:     use + " ACCOUNT",
		Short:   short,
		Long:    long,
		Example: "  kassa admin " + use + " abcd1234\n  kassa admin " + use + " abcd1234 -o json",
		Args:    exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			call := c.Resume
			if suspend {
				call = c.Suspend
			}
			a, err := call(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, accountView(a))
		},
	}
}

// newAdminPrimaryCmd builds `kassa admin primary ACCOUNT`.
func newAdminPrimaryCmd(e *env, f *cliFlags) *cobra.Command {
	var enabled bool
	var max int
	cmd := &cobra.Command{
		Use:   "primary ACCOUNT",
		Short: "Let an account have subaccounts (or not) and set how many",
		Long: `Make an account a primary that may create subaccounts (--enabled, the default
of every account that is not a subaccount) or stop it creating more
(--enabled=false; those it has stay), and set its maximum number of
subaccounts with --max (0: the server's default, 100).`,
		Example: `  kassa admin primary abcd1234 --max 500
  kassa admin primary abcd1234 --enabled=false`,
		Args: exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := client.PrimaryPolicy{Enabled: enabled}
			if cmd.Flags().Changed("max") {
				p.MaxSubaccounts = &max
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			a, err := c.SetPrimary(cmd.Context(), args[0], p)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, accountView(a))
		},
	}
	cmd.Flags().BoolVar(&enabled, "enabled", true, "whether the account may create subaccounts")
	cmd.Flags().IntVar(&max, "max", 0, "its maximum number of subaccounts (0: the server's default)")
	return cmd
}

// newAdminTreeCmd builds `kassa admin tree ACCOUNT`.
func newAdminTreeCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "tree ACCOUNT",
		Short: "Show the account tree an account belongs to",
		Long: `Show a primary account and its subaccounts (for a subaccount: its primary's
tree), a row each, then the totals and the primary's maximum number of
subaccounts.`,
		Example: "  kassa admin tree abcd1234\n  kassa admin tree abcd1234 -o json",
		Args:    exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			t, err := c.Tree(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			v := view{value: t, header: []string{"role", "api_key", "name", "currency", "balance", "credit_limit", "suspended", "created_at"}}
			v.rows = append(v.rows, treeRow("primary", &t.Primary))
			for i := range t.Subaccounts {
				s := &t.Subaccounts[i]
				role := "own"
				if s.UsePrimaryAccountBalance {
					role = "shared"
				}
				v.rows = append(v.rows, treeRow(role, s))
			}
			v.rows = append(v.rows, []string{"total", "", "max " + strconv.Itoa(t.MaxSubaccounts) + " subaccounts", "",
				kassa.Amount(t.TotalBalance).String(), kassa.Amount(t.TotalCreditLimit).String(), "", ""})
			return render(e.stdout, f.output, v)
		},
	}
}

// treeRow is an account's row of the tree; a shared balance shows as "-".
func treeRow(role string, a *client.Account) []string {
	balance, limit := a.Balance.String(), a.CreditLimit.String()
	if a.UsePrimaryAccountBalance {
		balance, limit = "", ""
	}
	return []string{role, a.APIKey, a.Name, a.Currency, balance, limit, strconv.FormatBool(a.Suspended), formatTime(a.CreatedAt)}
}
