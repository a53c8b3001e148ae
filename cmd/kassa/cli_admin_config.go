package main

import (
	"fmt"
	"strconv"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newAdminAutoReloadCmd builds `kassa admin autoreload set`.
func newAdminAutoReloadCmd(e *env, f *cliFlags) *cobra.Command {
	var trx, amount, threshold string
	var dailyCap int
	var disable bool
	set := &cobra.Command{
		Use:   "set ACCOUNT",
		Short: "Enable, change or disable auto-reload",
		Long: `Set an account's auto-reload: when its balance falls to --threshold, kassa
charges --amount to the payment --trx and credits it, at most --daily-cap times
a day. Flags not given keep their current values; --disable turns auto-reload
off and keeps the rest.`,
		Example: `  kassa admin autoreload set abcd1234 --trx 8ef2447e69604f642ae59363aa5f781b --amount 50 --threshold 20
  kassa admin autoreload set abcd1234 --daily-cap 3
  kassa admin autoreload set abcd1234 --disable`,
		Args: exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editAccount(cmd, e, f, args[0], func(c *client.Client, cur *client.Account) (*client.Account, error) {
				ar := cur.AutoReload
				ar.Enabled = !disable
				if cmd.Flags().Changed("trx") {
					ar.Trx = trx
				}
				if err := setAmount(cmd, "amount", amount, &ar.Amount); err != nil {
					return nil, err
				}
				if err := setAmount(cmd, "threshold", threshold, &ar.Threshold); err != nil {
					return nil, err
				}
				if cmd.Flags().Changed("daily-cap") {
					ar.DailyCap = dailyCap
				}
				return c.SetAutoReload(cmd.Context(), args[0], ar)
			})
		},
	}
	set.Flags().StringVar(&trx, "trx", "", "reference of the payment to charge")
	set.Flags().StringVar(&amount, "amount", "", "amount to credit on each reload, e.g. 50.00")
	set.Flags().StringVar(&threshold, "threshold", "", "reload when the balance falls to this, e.g. 20.00")
	set.Flags().IntVar(&dailyCap, "daily-cap", 0, "at most this many reloads a day")
	set.Flags().BoolVar(&disable, "disable", false, "turn auto-reload off")
	return withSet("autoreload", "Configure an account's auto-reload",
		"  kassa admin autoreload set abcd1234 --trx 8ef2447e --amount 50 --threshold 20", set)
}

// newAdminLimitsCmd builds `kassa admin limits set`.
func newAdminLimitsCmd(e *env, f *cliFlags) *cobra.Command {
	var l client.Limits
	set := &cobra.Command{
		Use:   "set ACCOUNT",
		Short: "Change an account's per-second limits",
		Long:  "Change an account's per-second limits. Flags not given keep their current values.",
		Example: `  kassa admin limits set abcd1234 --max-outbound 50 --max-inbound 50
  kassa admin limits set abcd1234 --max-calls 100 --pricing 2`,
		Args: exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return editAccount(cmd, e, f, args[0], func(c *client.Client, cur *client.Account) (*client.Account, error) {
				next := cur.Limits
				for name, dst := range map[string]*int{"max-outbound": &next.MaxOutboundRequest, "max-inbound": &next.MaxInboundRequest,
					"max-calls": &next.MaxCallsPerSecond, "pricing": &next.PricingPerSecond} {
					if cmd.Flags().Changed(name) {
						v, _ := cmd.Flags().GetInt(name)
						if v < 1 {
							return nil, usageError("--%s %d: must be at least 1", name, v)
						}
						*dst = v
					}
				}
				return c.SetLimits(cmd.Context(), args[0], next)
			})
		},
	}
	set.Flags().IntVar(&l.MaxOutboundRequest, "max-outbound", 0, "outbound messages per second")
	set.Flags().IntVar(&l.MaxInboundRequest, "max-inbound", 0, "inbound messages per second")
	set.Flags().IntVar(&l.MaxCallsPerSecond, "max-calls", 0, "API calls per second")
	set.Flags().IntVar(&l.PricingPerSecond, "pricing", 0, "pricing API requests per second")
	return withSet("limits", "Set an account's throughput limits", "  kassa admin limits set abcd1234 --max-outbound 50", set)
}

// newAdminCreditLimitCmd builds `kassa admin credit-limit set`.
func newAdminCreditLimitCmd(e *env, f *cliFlags) *cobra.Command {
	set := &cobra.Command{
		Use:   "set ACCOUNT AMOUNT",
		Short: "Set the credit limit: zero or negative",
		Long: `Set the floor a debit or charge may take the balance to: 0 (prepaid, the
default) or a negative amount (credit). Put "--" before a negative amount so
that it is not read as a flag.`,
		Example: `  kassa admin credit-limit set abcd1234 -- -10.00
  kassa admin credit-limit set abcd1234 0`,
		Args: exactArgs(2, "ACCOUNT and AMOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			limit, err := kassa.ParseAmount(args[1])
			if err != nil {
				return usageError("AMOUNT: %v", err)
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			a, err := c.SetCreditLimit(cmd.Context(), args[0], limit)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, accountView(a))
		},
	}
	return withSet("credit-limit", "Set the floor an account's balance may go down to",
		"  kassa admin credit-limit set abcd1234 -- -10.00", set)
}

// newAdminVerifyCmd builds `kassa admin verify`.
func newAdminVerifyCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "verify",
		Short: "Check every balance against the sum of its ledger entries",
		Long: `Ask the server to check that every account's balance equals the sum of its
ledger entries, and that its usage rollups equal what its entries give
(GET /admin/v1/verify). Exits with code 1 when it finds a discrepancy.
(kassa verify does the same directly on a store.)`,
		Example: "  kassa admin verify\n  kassa admin verify -o json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			r, err := c.Verify(cmd.Context())
			if err != nil {
				return apiError(err)
			}
			v := view{value: r, header: []string{"account", "balance", "entries_sum", "entries"}}
			for _, d := range r.Discrepancies {
				v.rows = append(v.rows, []string{d.Account, d.Balance.String(), d.EntriesSum.String(), strconv.FormatInt(d.Entries, 10)})
			}
			switch {
			case f.output != "table":
				if err := render(e.stdout, f.output, v); err != nil {
					return err
				}
			case len(v.rows) == 0 && len(r.UsageDiscrepancies) == 0:
				fmt.Fprintf(e.stdout, "ok: %d accounts checked, every balance equals the sum of its entries and the usage rollups agree with them\n", r.AccountsChecked)
			default:
				if len(v.rows) > 0 {
					if err := render(e.stdout, f.output, v); err != nil {
						return err
					}
				}
				for _, u := range r.UsageDiscrepancies {
					fmt.Fprintf(e.stdout, "usage of %s: rollups count %d charged %s refunds %d refunded %s; entries count %d charged %s refunds %d refunded %s\n",
						u.Account, u.Count, u.Charged, u.Refunds, u.Refunded, u.EntriesCount, u.EntriesCharged, u.EntriesRefunds, u.EntriesRefunded)
				}
			}
			if !r.OK || len(r.Discrepancies) > 0 || len(r.UsageDiscrepancies) > 0 {
				return &codedError{code: exitError, err: fmt.Errorf("%d of %d accounts differ from their ledger, the usage rollups of %d from their entries",
					len(r.Discrepancies), r.AccountsChecked, len(r.UsageDiscrepancies))}
			}
			return nil
		},
	}
}

// setAmount parses an amount flag into dst when the flag was given.
func setAmount(cmd *cobra.Command, name, text string, dst *kassa.Amount) error {
	a, err := optionalAmount(cmd, name, text)
	if err != nil {
		return err
	}
	if a != nil {
		*dst = *a
	}
	return nil
}

// withSet returns the command `use` whose one subcommand is set.
func withSet(use, short, example string, set *cobra.Command) *cobra.Command {
	cmd := &cobra.Command{Use: use, Short: short, Example: example, Args: noArgs}
	cmd.AddCommand(set)
	return cmd
}

// editAccount is the read-modify-write of the `set` commands: it reads the
// account apiKey, lets save change it from its current values, and prints
// the account the server answers. An error of save that is the server's
// is reported as apiError says; a usage error passes through as it is.
func editAccount(cmd *cobra.Command, e *env, f *cliFlags, apiKey string, save func(c *client.Client, cur *client.Account) (*client.Account, error)) error {
	c, err := f.adminClient(e)
	if err != nil {
		return err
	}
	cur, err := c.GetAccount(cmd.Context(), apiKey)
	if err != nil {
		return apiError(err)
	}
	a, err := save(c, cur)
	if err != nil {
		return apiError(err)
	}
	return render(e.stdout, f.output, accountView(a))
}
