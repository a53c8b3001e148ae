package main

import (
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newAdminSpendCmd builds `kassa admin spend-controls get|set`.
func newAdminSpendCmd(e *env, f *cliFlags) *cobra.Command {
	var threshold, daily, monthly string
	set := &cobra.Command{
		Use:   "set ACCOUNT",
		Short: "Set or remove an account's low-balance threshold and spend caps",
		Long: `Set an account's spend controls (docs/ledger.md#spend-controls):
--threshold: balance.low is written when the balance falls below it, and
balance.recovered when it rises above it again; --daily-cap and --monthly-cap
bound what charges and holds may take in a UTC day and month (a charge past
one is refused: 403 spend-cap-reached). "none" removes a control; controls not
given keep their values.`,
		Example: `  kassa admin spend-controls set abcd1234 --threshold 5 --daily-cap 100 --monthly-cap 2000
  kassa admin spend-controls set abcd1234 --daily-cap none`,
		Args: exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch client.SpendControlsChange
			var err error
			if ch.LowBalanceThreshold, err = controlFlag(cmd, "threshold", threshold); err != nil {
				return err
			}
			if ch.DailyCap, err = controlFlag(cmd, "daily-cap", daily); err != nil {
				return err
			}
			if ch.MonthlyCap, err = controlFlag(cmd, "monthly-cap", monthly); err != nil {
				return err
			}
			if ch == (client.SpendControlsChange{}) {
				return usageError("give --threshold, --daily-cap or --monthly-cap (see '%s --help')", cmd.CommandPath())
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			sc, err := c.SetSpendControls(cmd.Context(), args[0], ch)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, spendView(sc))
		},
	}
	set.Flags().StringVar(&threshold, "threshold", "", `low-balance threshold, e.g. 5.00, or "none"`)
	set.Flags().StringVar(&daily, "daily-cap", "", `spend cap per UTC day, e.g. 100.00, or "none"`)
	set.Flags().StringVar(&monthly, "monthly-cap", "", `spend cap per UTC month, e.g. 2000.00, or "none"`)
	get := &cobra.Command{
		Use:     "get ACCOUNT",
		Short:   "Show an account's spend controls and what it spent today and this month",
		Example: `  kassa admin spend-controls get abcd1234 -o json`,
		Args:    exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			sc, err := c.SpendControls(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, spendView(sc))
		},
	}
	cmd := &cobra.Command{
		Use:   "spend-controls",
		Short: "Low-balance threshold and daily and monthly spend caps",
		Example: `  kassa admin spend-controls get abcd1234
  kassa admin spend-controls set abcd1234 --daily-cap 100`,
		Args: noArgs,
	}
	cmd.AddCommand(get, set)
	return cmd
}

// controlFlag reads a control flag: an amount, or "none" to remove it; nil
// when the flag is not given.
func controlFlag(cmd *cobra.Command, name, text string) (*client.Control, error) {
	if !cmd.Flags().Changed(name) {
		return nil, nil
	}
	if strings.EqualFold(strings.TrimSpace(text), "none") {
		return client.RemoveControl(), nil
	}
	a, err := kassa.ParseAmount(text)
	if err != nil {
		return nil, usageError(`--%s: %v (or "none" to remove it)`, name, err)
	}
	return client.SetControl(a), nil
}

// spendView shows spend controls, one field a line.
func spendView(sc *client.SpendControls) view {
	amt := func(a *kassa.Amount) string {
		if a == nil {
			return ""
		}
		return a.String()
	}
	alerted := "no"
	if sc.LowBalanceAlerted {
		alerted = "yes"
	}
	return view{value: sc, vertical: true,
		header: []string{"account", "currency", "low_balance_threshold", "low_balance_alerted", "daily_cap", "spent_today", "day_resets_at",
			"monthly_cap", "spent_this_month", "month_resets_at"},
		rows: [][]string{{sc.Account, sc.Currency, amt(sc.LowBalanceThreshold), alerted, amt(sc.DailyCap), amt(sc.SpentToday),
			formatTime(sc.DayResetsAt), amt(sc.MonthlyCap), amt(sc.SpentThisMonth), formatTime(sc.MonthResetsAt)}}}
}
