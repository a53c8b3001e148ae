package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// usageColumns are the columns of a usage row after its keys (the admin
// API's CSV columns).
var usageColumns = []string{"currency", "count", "units", "amount", "charged", "refunds", "refunded"}

// newUsageCmd builds `kassa usage [ACCOUNT]`.
func newUsageCmd(e *env) *cobra.Command {
	var q client.UsageQuery
	var groupBy string
	cmd := &cobra.Command{
		Use:   "usage [ACCOUNT]",
		Short: "What accounts spent, by day, month, service type, country and network",
		Long: `Usage from the rollups the ledger keeps with every charge, capture and refund
(GET /admin/v1/accounts/{api_key}/usage; without ACCOUNT, across accounts:
GET /admin/v1/usage). Days are UTC and both ends are included; without --from
and --to, the current month. AMOUNT is what was charged less what was
refunded. Needs the admin token. See docs/admin-api.md#usage-and-statements.`,
		Example: `  kassa usage abcd1234 --group-by day,country
  kassa usage abcd1234 --from 2026-11-01 --to 2026-11-30 --group-by type,network -o csv
  kassa usage --group-by account --top 10`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("%s takes at most one ACCOUNT (see '%s --help')", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
	}
	fl := addClientFlags(cmd)
	cmd.PersistentPreRunE = fl.preRun
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if q.Top < 0 {
			return usageError("--top %d: must be positive", q.Top)
		}
		if groupBy != "" {
			q.GroupBy = strings.Split(groupBy, ",")
		}
		account := ""
		if len(args) == 1 {
			account = args[0]
		}
		c, err := fl.adminClient(e)
		if err != nil {
			return err
		}
		u, err := c.Usage(cmd.Context(), account, q)
		if err != nil {
			return apiError(err)
		}
		return render(e.stdout, fl.output, usageView(u))
	}
	cmd.Flags().StringVar(&q.From, "from", "", "first UTC day, YYYY-MM-DD (default: the first of the month)")
	cmd.Flags().StringVar(&q.To, "to", "", "last UTC day, YYYY-MM-DD, included (default: today)")
	cmd.Flags().StringVar(&groupBy, "group-by", "", "comma-separated: day, month, type, country, network (and account without ACCOUNT)")
	cmd.Flags().StringVar(&q.Currency, "currency", "", "only usage in this currency")
	cmd.Flags().IntVar(&q.Top, "top", 0, "only the N rows with the largest amount, largest first")
	return cmd
}

// usageView shows usage: the keys grouped by, then the sums.
func usageView(u *client.Usage) view {
	header := append(append([]string{}, u.GroupBy...), usageColumns...)
	rows := make([][]string, 0, len(u.Rows))
	for _, r := range u.Rows {
		row := make([]string, 0, len(header))
		for _, g := range u.GroupBy {
			row = append(row, r.Key(g))
		}
		rows = append(rows, append(row, r.Currency, strconv.FormatInt(r.Count, 10), strconv.FormatInt(r.Units, 10),
			r.Amount.String(), r.Charged.String(), strconv.FormatInt(r.Refunds, 10), r.Refunded.String()))
	}
	return view{value: u, header: header, rows: rows}
}

// newStatementsCmd builds `kassa statements ACCOUNT [MONTH]`.
func newStatementsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "statements ACCOUNT [MONTH]",
		Short: "An account's monthly statement: opening balance, totals per entry kind, closing balance",
		Long: `The statement of an account for a UTC calendar month written YYYY-MM
(default: the current month): the opening balance, the sum and count of its
ledger entries of each kind, and the closing balance; opening + the totals =
closing, exactly (GET /admin/v1/accounts/{api_key}/statements/{month}). Needs
the admin token.`,
		Example: `  kassa statements abcd1234
  kassa statements abcd1234 2026-11 -o csv
  kassa statements abcd1234 2026-11 -o json | jq .totals`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 1 || len(args) > 2 {
				return usageError("%s needs an ACCOUNT and optionally a MONTH (see '%s --help')", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
	}
	fl := addClientFlags(cmd)
	cmd.PersistentPreRunE = fl.preRun
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		month := time.Now().UTC().Format(kassa.MonthLayout)
		if len(args) == 2 {
			if _, err := kassa.ParseMonth(args[1]); err != nil {
				return usageError("MONTH %q: write it YYYY-MM, such as 2026-11", args[1])
			}
			month = args[1]
		}
		c, err := fl.adminClient(e)
		if err != nil {
			return err
		}
		st, err := c.Statement(cmd.Context(), args[0], month)
		if err != nil {
			return apiError(err)
		}
		return render(e.stdout, fl.output, statementView(st))
	}
	return cmd
}

// statementView shows a statement as lines: the opening balance, each
// entry kind, the closing balance.
func statementView(st *client.Statement) view {
	head := []string{st.Account, st.Month, st.Currency}
	line := func(name, count, amount string) []string {
		return append(append([]string{}, head...), name, count, amount)
	}
	rows := [][]string{line("opening_balance", "", st.OpeningBalance.String())}
	for _, k := range kassa.EntryKinds {
		rows = append(rows, line(string(k), strconv.FormatInt(st.Counts[string(k)], 10), st.Totals[string(k)].String()))
	}
	rows = append(rows, line("closing_balance", "", st.ClosingBalance.String()))
	return view{value: st, header: []string{"account", "month", "currency", "line", "count", "amount"}, rows: rows}
}
