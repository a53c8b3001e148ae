package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newSubaccountsCmd builds `kassa subaccounts …`, a primary account's
// commands on the Subaccounts API (docs/subaccounts.md).
func newSubaccountsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "subaccounts",
		Short: "Manage the subaccounts of a primary account and move money to and from them",
		Long: `Commands of a primary account on the Subaccounts API (/accounts/{api_key}/…),
with the primary's api key and secret. A subaccount either spends the primary's
balance (the default) or has a balance of its own that the primary funds with
balance and credit transfers.`,
		Example: `  kassa subaccounts list
  kassa subaccounts create "shop 1"
  kassa subaccounts create "shop 2" --own-balance
  kassa subaccounts transfer balance abcd1234 5f0e2a1c 5.00 --reference november
  kassa subaccounts suspend 5f0e2a1c`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.AddCommand(newSubaccountsListCmd(e, f), newSubaccountsCreateCmd(e, f), newSubaccountsGetCmd(e, f),
		newSubaccountsUpdateCmd(e, f), newSubaccountsSuspendCmd(e, f, true), newSubaccountsSuspendCmd(e, f, false),
		newSubaccountsTransferCmd(e, f), newSubaccountsTransfersCmd(e, f))
	return cmd
}

func newSubaccountsListCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the primary account, its subaccounts and the totals",
		Long: `List the primary account (role primary), its subaccounts, oldest first (role
shared for a shared balance, own for a balance of its own) and a last row with
the totals (the primary's balance and credit limit plus those of the
own-balance subaccounts). A shared balance shows as "-".`,
		Example: "  kassa subaccounts list\n  kassa subaccounts list -o json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			l, err := c.Subaccounts(cmd.Context())
			if err != nil {
				return apiError(err)
			}
			v := view{value: l, header: []string{"role", "api_key", "name", "balance", "credit_limit", "suspended", "created_at"}}
			p := l.Primary
			v.rows = append(v.rows, []string{"primary", p.APIKey, p.Name, p.Balance.String(), p.CreditLimit.String(),
				strconv.FormatBool(p.Suspended), formatTime(p.CreatedAt)})
			for _, s := range l.Subaccounts {
				v.rows = append(v.rows, subaccountRow(s))
			}
			v.rows = append(v.rows, []string{"total", "", "", l.TotalBalance.String(), l.TotalCreditLimit.String(), "", ""})
			return render(e.stdout, f.output, v)
		},
	}
}

// subaccountRow is a subaccount's row of the list.
func subaccountRow(s client.Subaccount) []string {
	role := "shared"
	if !s.UsePrimaryAccountBalance {
		role = "own"
	}
	return []string{role, s.APIKey, s.Name, optionalAmountText(s.Balance), optionalAmountText(s.CreditLimit),
		strconv.FormatBool(s.Suspended), formatTime(s.CreatedAt)}
}

// optionalAmountText is the 8-decimal text of a, "" for a shared balance.
func optionalAmountText(a *kassa.Amount) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// subaccountView shows one subaccount, one field a line.
func subaccountView(s *client.Subaccount) view {
	header := []string{"api_key", "primary_account", "use_primary_account_balance", "name", "balance", "credit_limit", "suspended", "created_at"}
	row := []string{s.APIKey, s.PrimaryAccount, strconv.FormatBool(s.UsePrimaryAccountBalance), s.Name,
		optionalAmountText(s.Balance), optionalAmountText(s.CreditLimit), strconv.FormatBool(s.Suspended), formatTime(s.CreatedAt)}
	if s.Secret != "" {
		header = append(header[:1], append([]string{"secret"}, header[1:]...)...)
		row = append(row[:1], append([]string{s.Secret}, row[1:]...)...)
	}
	return view{value: s, header: header, rows: [][]string{row}, vertical: true}
}

func newSubaccountsCreateCmd(e *env, f *cliFlags) *cobra.Command {
	var secret string
	var own bool
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a subaccount",
		Long: `Create a subaccount named NAME (1 to 80 characters). It spends the primary's
balance unless --own-balance gives it a balance of its own, starting at 0
(fund it with 'kassa subaccounts transfer'). Without --secret kassa generates
its first secret and shows it once, in this answer. A primary has at most 100
subaccounts unless an operator allows more (exit code 5 beyond).`,
		Example: `  kassa subaccounts create "shop 1"
  kassa subaccounts create "shop 2" --own-balance --secret Shop2secret9
  kassa subaccounts create "shop 3" -o json | jq -r .secret`,
		Args: exactArgs(1, "the subaccount's NAME"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			n := client.NewSubaccount{Name: args[0], Secret: secret}
			if own {
				shared := false
				n.UsePrimaryAccountBalance = &shared
			}
			s, err := c.CreateSubaccount(cmd.Context(), n)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, subaccountView(s))
		},
	}
	cmd.Flags().StringVar(&secret, "secret", "", "the subaccount's first api secret (generated and shown once when empty)")
	cmd.Flags().BoolVar(&own, "own-balance", false, "give the subaccount a balance of its own instead of the primary's")
	return cmd
}

func newSubaccountsGetCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "get SUBACCOUNT",
		Short:   "Show a subaccount",
		Example: "  kassa subaccounts get 5f0e2a1c\n  kassa subaccounts get 5f0e2a1c -o json",
		Args:    exactArgs(1, "a SUBACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			s, err := c.GetSubaccount(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, subaccountView(s))
		},
	}
}

func newSubaccountsUpdateCmd(e *env, f *cliFlags) *cobra.Command {
	var name string
	var own bool
	cmd := &cobra.Command{
		Use:   "update SUBACCOUNT",
		Short: "Rename a subaccount or give it a balance of its own",
		Long: `Change a subaccount: --name renames it; --own-balance makes it stop spending
the primary's balance and start a balance of its own at 0 (this cannot be
undone).`,
		Example: "  kassa subaccounts update 5f0e2a1c --name \"shop 1 (north)\"\n  kassa subaccounts update 5f0e2a1c --own-balance",
		Args:    exactArgs(1, "a SUBACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var u client.SubaccountUpdate
			if cmd.Flags().Changed("name") {
				u.Name = &name
			}
			if own {
				shared := false
				u.UsePrimaryAccountBalance = &shared
			}
			if u.Name == nil && u.UsePrimaryAccountBalance == nil {
				return usageError("nothing to change: give --name or --own-balance (see '%s --help')", cmd.CommandPath())
			}
			return updateSubaccount(cmd, e, f, args[0], u)
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the new name (1 to 80 characters)")
	cmd.Flags().BoolVar(&own, "own-balance", false, "give it a balance of its own (irreversible)")
	return cmd
}

// newSubaccountsSuspendCmd builds `kassa subaccounts suspend` and `resume`.
func newSubaccountsSuspendCmd(e *env, f *cliFlags, suspend bool) *cobra.Command {
	use, short, long := "resume", "Resume a suspended subaccount", "Resume a suspended subaccount: its credentials and charges work again."
	if suspend {
		use, short = "suspend", "Suspend a subaccount"
		long = `Suspend a subaccount: its own credentials are refused (401) and its charges
and holds on the platform API are refused; the primary can still read it,
resume it and move money to and from it.`
	}
	return &cobra.Command{
		Use:     use + " SUBACCOUNT",
		Short:   short,
		Long:    long,
		Example: "  kassa subaccounts " + use + " 5f0e2a1c",
		Args:    exactArgs(1, "a SUBACCOUNT (api key)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return updateSubaccount(cmd, e, f, args[0], client.SubaccountUpdate{Suspended: &suspend})
		},
	}
}

// updateSubaccount sends a change and shows the subaccount.
func updateSubaccount(cmd *cobra.Command, e *env, f *cliFlags, key string, u client.SubaccountUpdate) error {
	c, err := f.accountClient(e)
	if err != nil {
		return err
	}
	s, err := c.UpdateSubaccount(cmd.Context(), key, u)
	if err != nil {
		return apiError(err)
	}
	return render(e.stdout, f.output, subaccountView(s))
}

func newSubaccountsTransferCmd(e *env, f *cliFlags) *cobra.Command {
	var reference, key string
	cmd := &cobra.Command{
		Use:   "transfer balance|credit FROM TO AMOUNT",
		Short: "Move balance or credit between the primary and a subaccount",
		Long: `Move AMOUNT (at most 8 decimal places) of balance or of credit limit from
FROM to TO: the primary account and one of its subaccounts with a balance of
its own, in either direction. A balance transfer needs the source's balance to
stay at or above its credit limit; a credit transfer moves unused credit. The
idempotency key makes the command safe to repeat: the same key with the same
request answers with the first transfer and moves nothing. Without
--idempotency-key a new key is generated and printed on standard error.
Exit code 5 when the transfer is refused (not allowed, not enough balance or
credit).`,
		Example: `  kassa subaccounts transfer balance abcd1234 5f0e2a1c 5.00 --reference november
  kassa admin credit-limit set abcd1234 -- -50     # the operator gives the primary credit to share
  kassa subaccounts transfer credit abcd1234 5f0e2a1c 20
  kassa subaccounts transfer balance 5f0e2a1c abcd1234 1.50 --idempotency-key refund-7`,
		Args: exactArgs(4, "KIND (balance or credit), FROM, TO and AMOUNT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			if kind != "balance" && kind != "credit" {
				return usageError("KIND must be balance or credit, not %q", kind)
			}
			amount, err := kassa.ParseAmount(args[3])
			if err != nil || amount <= 0 {
				return usageError("AMOUNT must be a positive decimal such as 5.00, not %q", args[3])
			}
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			if key == "" {
				key = client.NewIdempotencyKey()
				fmt.Fprintln(e.stderr, "idempotency key:", key)
			}
			req := client.TransferRequest{From: args[1], To: args[2], Amount: amount, Reference: reference, IdempotencyKey: key}
			call := c.TransferBalance
			if kind == "credit" {
				call = c.TransferCredit
			}
			t, err := call(cmd.Context(), req)
			if err != nil {
				return apiError(err)
			}
			if t.Replayed {
				fmt.Fprintln(e.stderr, "replayed: an earlier request with this idempotency key made this transfer")
			}
			v := transfersView([]client.Transfer{*t})
			v.value, v.vertical = t, true
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&reference, "reference", "", "a note kept with the transfer")
	cmd.Flags().StringVar(&key, "idempotency-key", "", "key that makes a repeat harmless (generated and printed when empty)")
	return cmd
}

func newSubaccountsTransfersCmd(e *env, f *cliFlags) *cobra.Command {
	var since, until string
	var accounts []string
	cmd := &cobra.Command{
		Use:   "transfers balance|credit",
		Short: "List balance or credit transfers, newest first",
		Long: `List the primary's balance or credit transfers, newest first, between --since
and --until (inclusive; an RFC 3339 time, a date, or a duration back from
now such as 24h; a date given to --until is its whole day), from or to the
accounts given with --account (repeatable).`,
		Example: `  kassa subaccounts transfers balance
  kassa subaccounts transfers credit --since 2026-11-01 --account 5f0e2a1c -o csv`,
		Args: exactArgs(1, "KIND (balance or credit)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			kind := args[0]
			if kind != "balance" && kind != "credit" {
				return usageError("KIND must be balance or credit, not %q", kind)
			}
			q := client.TransferQuery{Accounts: accounts}
			var err error
			if q.Start, err = dateFlag("since", since, false); err != nil {
				return err
			}
			if q.End, err = dateFlag("until", until, true); err != nil {
				return err
			}
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			list := c.BalanceTransfers
			if kind == "credit" {
				list = c.CreditTransfers
			}
			ts, err := list(cmd.Context(), q)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, transfersView(ts))
		},
	}
	cmd.Flags().StringVar(&since, "since", "", "from this date or time (inclusive)")
	cmd.Flags().StringVar(&until, "until", "", "up to this date (its whole day) or time (inclusive)")
	cmd.Flags().StringArrayVar(&accounts, "account", nil, "only transfers from or to this account (repeatable)")
	return cmd
}

// transfersView shows transfers, a row each.
func transfersView(list []client.Transfer) view {
	v := view{value: list, header: []string{"id", "kind", "from", "to", "amount", "reference", "created_at"}}
	if list == nil {
		v.value = []client.Transfer{}
	}
	for _, t := range list {
		v.rows = append(v.rows, []string{t.ID, t.Kind, t.From, t.To, t.Amount.String(), t.Reference, formatTime(t.CreatedAt)})
	}
	return v
}

// dateFlag reads --since or --until as parseWhen does (a time, a date or a
// duration back from now); a date given to --until is its whole day.
func dateFlag(name, text string, end bool) (time.Time, error) {
	t, err := parseWhen(text, time.Now())
	if err != nil {
		return time.Time{}, usageError("--%s: %v", name, err)
	}
	if _, dateErr := time.Parse(time.DateOnly, text); end && dateErr == nil {
		t = t.Add(24*time.Hour - time.Nanosecond)
	}
	return t, nil
}
