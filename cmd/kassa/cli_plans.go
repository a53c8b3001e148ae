package main

import (
	"fmt"
	"strconv"

	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newPlansCmd builds `kassa plans …`: the price plans and the plan of each
// account (issue 15).
func newPlansCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "plans",
		Short: "Manage price plans and assign them to accounts (admin)",
		Long: `A price plan is a line of price-book versions of its own (import one with
'kassa pricing import --plan NAME'), or a derived plan: its base plan's prices
with a markup (a percentage, a fixed amount per unit, a minimum price), which
follows the base's activations. Every account gets its own plan, else its
primary's, else the plan "default" (docs/pricing.md, "Price plans").
Needs the admin token.`,
		Example: `  kassa plans list
  kassa plans create wholesale --base default --percent 10 --fixed 0.001 --min 0.005
  kassa plans assign abcd1234 wholesale`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.AddCommand(newPlansListCmd(e, f), newPlansCreateCmd(e, f), newPlansAssignCmd(e, f), newPlansDeleteCmd(e, f))
	return cmd
}

// planView shows plans.
func planView(v any, list ...client.Plan) view {
	out := view{value: v, header: []string{"name", "base", "percent", "fixed", "min", "active_version"}}
	for _, p := range list {
		row := []string{p.Name, p.Base, "", "", "", ""}
		if p.Markup != nil {
			row[2], row[3], row[4] = p.Markup.Percent, p.Markup.Fixed, p.Markup.Min
		}
		if p.ActiveVersion != 0 {
			row[5] = strconv.FormatInt(p.ActiveVersion, 10)
		}
		out.rows = append(out.rows, row)
	}
	return out
}

func newPlansListCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the price plans",
		Example: `  kassa plans list
  kassa plans list -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			list, err := c.Plans(cmd.Context())
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, planView(list, list...))
		},
	}
}

func newPlansCreateCmd(e *env, f *cliFlags) *cobra.Command {
	var n client.NewPlan
	var m client.Markup
	cmd := &cobra.Command{
		Use:   "create NAME",
		Short: "Create a price plan",
		Long: `Create a price plan. With --base, a derived plan: every price is the base's
× (1 + percent/100), rounded half-even at 8 decimals, plus --fixed, and at least
--min. Without --base, a plan with price books of its own: import them with
'kassa pricing import --plan NAME' and activate them.`,
		Example: `  kassa plans create wholesale --base default --percent 10 --fixed 0.001 --min 0.005
  kassa plans create retail`,
		Args: exactArgs(1, "NAME, the plan's name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if n.Base == "" && m != (client.Markup{}) {
				return usageError("--percent, --fixed and --min need --base")
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			n.Name = args[0]
			if n.Base != "" {
				n.Markup = &m
			}
			p, err := c.CreatePlan(cmd.Context(), n)
			if err != nil {
				return apiError(err)
			}
			v := planView(p, *p)
			v.vertical = true
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&n.Base, "base", "", "the base plan of a derived plan")
	cmd.Flags().StringVar(&m.Percent, "percent", "", "markup in percent of the base price (10 is 10 %)")
	cmd.Flags().StringVar(&m.Fixed, "fixed", "", "amount added per unit, in the answer's currency")
	cmd.Flags().StringVar(&m.Min, "min", "", "the lowest price of the plan")
	return cmd
}

func newPlansAssignCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "assign API_KEY PLAN",
		Short: "Give an account its own price plan",
		Long: `Give an account its own price plan; "" takes it away (the account then uses its
primary's plan, or "default"). It takes effect on the account's next request, on
every node.`,
		Example: `  kassa plans create wholesale --base default --percent 10
  kassa plans assign abcd1234 wholesale
  kassa plans assign abcd1234 ""`,
		Args: exactArgs(2, "API_KEY and PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			ap, err := c.AssignPlan(cmd.Context(), args[0], args[1])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, view{value: ap, header: []string{"api_key", "plan", "own_plan"},
				rows: [][]string{{ap.APIKey, ap.Plan, ap.OwnPlan}}, vertical: true})
		},
	}
}

func newPlansDeleteCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a price plan nothing uses",
		Long: `Delete a price plan and its price-book versions. A plan that an account or a
derived plan uses is refused (409), and so is "default".`,
		Example: `  kassa plans create trial --base default --percent 50
  kassa plans delete trial`,
		Args: exactArgs(1, "NAME, the plan's name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			if err := c.DeletePlan(cmd.Context(), args[0]); err != nil {
				return apiError(err)
			}
			fmt.Fprintf(e.stderr, "deleted plan %s\n", args[0])
			return nil
		},
	}
}
