package main

import (
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newAdminCmd builds `kassa admin …`, the operator's commands on the admin
// API (/admin/v1).
func newAdminCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin",
		Short: "Operate accounts: create, credit, debit, auto-reload, limits, ledger, suspension, the account tree",
		Long: `Operator commands on the admin API (/admin/v1). They need the admin token:
--admin-token, KASSA_ADMIN_TOKEN or admin_token in the config file.`,
		Example: `  kassa admin accounts create --currency EUR --credit 10
  kassa admin credit abcd1234 5.00 --reason goodwill
  kassa admin ledger abcd1234 --kind credit --limit 20`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.AddCommand(
		newAdminAccountsCmd(e, f),
		newAdminAdjustCmd(e, f, "credit"),
		newAdminAdjustCmd(e, f, "debit"),
		newAdminAutoReloadCmd(e, f),
		newAdminLimitsCmd(e, f),
		newAdminCreditLimitCmd(e, f),
		newAdminSpendCmd(e, f),
		newAdminLedgerCmd(e, f),
		newAdminVerifyCmd(e, f),
		newAdminAuditCmd(e, f),
		newAdminSuspendCmd(e, f, true),
		newAdminSuspendCmd(e, f, false),
		newAdminPrimaryCmd(e, f),
		newAdminTreeCmd(e, f),
	)
	return cmd
}

func newAdminAccountsCmd(e *env, f *cliFlags) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "accounts",
		Short: "Create, show and list accounts",
		Example: `  kassa admin accounts create --key cust0042 --credit 10
  kassa admin accounts get cust0042
  kassa admin accounts list --search cust`,
		Args: noArgs,
	}
	cmd.AddCommand(newAdminAccountsCreateCmd(e, f), newAdminAccountsGetCmd(e, f), newAdminAccountsListCmd(e, f))
	return cmd
}

func newAdminAccountsCreateCmd(e *env, f *cliFlags) *cobra.Command {
	var key, secret, currency, credit, creditLimit string
	cmd := &cobra.Command{
		Use:   "create",
		Short: "Create an account",
		Long: `Create an account. Without --key and --secret kassa generates both and shows
the secret once, in this answer.`,
		Example: `  kassa admin accounts create
  kassa admin accounts create --key cust0042 --currency USD --credit 25.00 --credit-limit -5
  kassa admin accounts create -o json | jq -r .api_secret`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := client.NewAccount{APIKey: key, APISecret: secret, Currency: currency}
			var err error
			if n.Credit, err = optionalAmount(cmd, "credit", credit); err != nil {
				return err
			}
			if n.CreditLimit, err = optionalAmount(cmd, "credit-limit", creditLimit); err != nil {
				return err
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			a, err := c.CreateAccount(cmd.Context(), n)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, accountView(a))
		},
	}
	cmd.Flags().StringVar(&key, "key", "", "api key of the new account (generated when empty)")
	cmd.Flags().StringVar(&secret, "secret", "", "first api secret (generated and shown once when empty)")
	cmd.Flags().StringVar(&currency, "currency", "", "billing currency: EUR (the default) or USD")
	cmd.Flags().StringVar(&credit, "credit", "", "opening credit, e.g. 10.00")
	cmd.Flags().StringVar(&creditLimit, "credit-limit", "", "floor a debit may take the balance to, zero or negative, e.g. -5.00")
	return cmd
}

func newAdminAccountsGetCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "get ACCOUNT",
		Short:   "Show an account",
		Example: "  kassa admin accounts get abcd1234\n  kassa admin accounts get abcd1234 -o json",
		Args:    exactArgs(1, "an ACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			a, err := c.GetAccount(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, accountView(a))
		},
	}
}

func newAdminAccountsListCmd(e *env, f *cliFlags) *cobra.Command {
	var q client.AccountQuery
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List accounts",
		Example: "  kassa admin accounts list\n  kassa admin accounts list --search ab --limit 10 --offset 20 -o csv",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			p, err := c.ListAccounts(cmd.Context(), q)
			if err != nil {
				return apiError(err)
			}
			v := view{value: p, header: []string{"api_key", "currency", "balance", "credit_limit", "auto_reload", "created_at"}}
			for _, a := range p.Accounts {
				v.rows = append(v.rows, []string{a.APIKey, a.Currency, a.Balance.String(), a.CreditLimit.String(),
					strconv.FormatBool(a.AutoReload.Enabled), formatTime(a.CreatedAt)})
			}
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&q.Search, "search", "", "only api keys starting with this")
	cmd.Flags().IntVar(&q.Offset, "offset", 0, "skip this many accounts")
	cmd.Flags().IntVar(&q.Limit, "limit", 0, "at most this many accounts (server default 50)")
	return cmd
}

// accountView shows one account, one field a line.
func accountView(a *client.Account) view {
	header := []string{"api_key", "currency", "balance", "credit_limit", "auto_reload", "auto_reload_trx",
		"auto_reload_amount", "auto_reload_threshold", "auto_reload_daily_cap", "max_outbound_request",
		"max_inbound_request", "max_calls_per_second", "pricing_per_second", "mo_callback_url", "dr_callback_url",
		"http_forward_method", "name", "primary_account", "use_primary_account_balance", "suspended",
		"subaccounts_enabled", "max_subaccounts", "created_at"}
	row := []string{a.APIKey, a.Currency, a.Balance.String(), a.CreditLimit.String(), strconv.FormatBool(a.AutoReload.Enabled),
		a.AutoReload.Trx, a.AutoReload.Amount.String(), a.AutoReload.Threshold.String(), strconv.Itoa(a.AutoReload.DailyCap),
		strconv.Itoa(a.Limits.MaxOutboundRequest), strconv.Itoa(a.Limits.MaxInboundRequest), strconv.Itoa(a.Limits.MaxCallsPerSecond),
		strconv.Itoa(a.Limits.PricingPerSecond), a.Settings.MOCallbackURL, a.Settings.DRCallbackURL, a.Settings.HTTPForwardMethod,
		a.Name, a.PrimaryAccount, strconv.FormatBool(a.UsePrimaryAccountBalance), strconv.FormatBool(a.Suspended),
		strconv.FormatBool(a.SubaccountsEnabled), strconv.Itoa(a.MaxSubaccounts), formatTime(a.CreatedAt)}
	if a.APISecret != "" {
		header = append([]string{"api_secret"}, header...)
		row = append([]string{a.APISecret}, row...)
	}
	return view{value: a, header: header, rows: [][]string{row}, vertical: true}
}

// optionalAmount parses an amount flag, nil when the flag was not given.
func optionalAmount(cmd *cobra.Command, name, text string) (*kassa.Amount, error) {
	if !cmd.Flags().Changed(name) {
		return nil, nil
	}
	a, err := kassa.ParseAmount(text)
	if err != nil {
		return nil, usageError("--%s: %v", name, err)
	}
	return &a, nil
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
