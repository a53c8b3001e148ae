package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newWebhooksCmd builds `kassa webhooks …`: the webhook endpoints and
// their delivery logs.
func newWebhooksCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Register webhook endpoints and read their delivery logs",
		Long: `Webhook endpoints receive the events (balance.low, spend_cap.reached,
reload.failed, …) as signed POSTs, in order per account, retried for three days
(docs/events.md). Needs the admin token.`,
		Example: `  kassa webhooks create https://billing.example.com/kassa --event balance.low
  kassa webhooks list
  kassa webhooks deliveries wh_3f2a9c01d4e5b6a7 --state failed`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.AddCommand(newWebhooksCreateCmd(e, f), newWebhooksListCmd(e, f), newWebhooksGetCmd(e, f), newWebhooksUpdateCmd(e, f),
		newWebhooksDeleteCmd(e, f), newWebhooksDeliveriesCmd(e, f), newWebhooksRedeliverCmd(e, f))
	return cmd
}

// webhookView shows endpoints.
func webhookView(v any, list ...client.Webhook) view {
	out := view{value: v, header: []string{"id", "url", "events", "description", "secret", "created_at"}}
	for _, w := range list {
		types := strings.Join(w.Events, ",")
		if types == "" {
			types = "(all)"
		}
		out.rows = append(out.rows, []string{w.ID, w.URL, types, w.Description, w.Secret, formatTime(w.CreatedAt)})
	}
	return out
}

// checkTypes refuses unknown event types before any request.
func checkTypes(types []string) error {
	for _, t := range types {
		if !kassa.ValidEventType(t) {
			return usageError("--event %q: not an event type (see docs/events.md)", t)
		}
	}
	return nil
}

func newWebhooksCreateCmd(e *env, f *cliFlags) *cobra.Command {
	var n client.NewWebhook
	cmd := &cobra.Command{
		Use:   "create URL",
		Short: "Register an endpoint",
		Long: `Register an endpoint that receives the events written from now on. Without
--secret kassa generates one and shows it once, in this answer: keep it to verify
the X-Kassa-Signature of each delivery. Without --event it receives every type.`,
		Example: `  kassa webhooks create https://billing.example.com/kassa
  kassa webhooks create https://ops.example.com/hook --event balance.low --event spend_cap.reached --description ops
  kassa webhooks create https://billing.example.com/kassa -o json | jq -r .secret`,
		Args: exactArgs(1, "the endpoint's URL"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkTypes(n.Events); err != nil {
				return err
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			n.URL = args[0]
			w, err := c.CreateWebhook(cmd.Context(), n)
			if err != nil {
				return apiError(err)
			}
			v := webhookView(w, *w)
			v.vertical = true
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&n.Secret, "secret", "", "signing secret, 16 to 256 bytes (default: generated and shown once)")
	cmd.Flags().StringArrayVar(&n.Events, "event", nil, "an event type it receives (repeatable; default: every type)")
	cmd.Flags().StringVar(&n.Description, "description", "", "what the endpoint is for")
	return cmd
}

func newWebhooksListCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the endpoints",
		Example: `  kassa webhooks list -o json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			list, err := c.Webhooks(cmd.Context())
			if err != nil {
				return apiError(err)
			}
			v := webhookView(list, list...)
			v.header, v.rows = v.header[:4], trimRows(v.rows, 4)
			return render(e.stdout, f.output, v)
		},
	}
}

// trimRows keeps the first n cells of each row.
func trimRows(rows [][]string, n int) [][]string {
	for i := range rows {
		rows[i] = rows[i][:n]
	}
	return rows
}

func newWebhooksGetCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Show an endpoint and how many of its deliveries are pending or failed",
		Example: `  kassa webhooks get wh_3f2a9c01d4e5b6a7`,
		Args:    exactArgs(1, "an endpoint ID (see 'kassa webhooks list')"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			w, err := c.Webhook(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			v := webhookView(w, *w)
			v.header = append(v.header[:4], "pending", "failed", "created_at")
			v.rows[0] = append(v.rows[0][:4], intOrEmpty(w.Pending), intOrEmpty(w.Failed), formatTime(w.CreatedAt))
			v.vertical = true
			return render(e.stdout, f.output, v)
		},
	}
}

// intOrEmpty is *n as text, "" for nil.
func intOrEmpty(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func newWebhooksUpdateCmd(e *env, f *cliFlags) *cobra.Command {
	var url, secret, description string
	var types []string
	var rotate, allTypes bool
	cmd := &cobra.Command{
		Use:   "update ID",
		Short: "Change an endpoint's URL, secret, event types or description",
		Long: `Change the fields given; the others stay. --rotate-secret generates a new
secret and shows it once; deliveries are signed with it from the next attempt on.`,
		Example: `  kassa webhooks update wh_3f2a9c01d4e5b6a7 --url https://billing.example.com/kassa/v2
  kassa webhooks update wh_3f2a9c01d4e5b6a7 --rotate-secret
  kassa webhooks update wh_3f2a9c01d4e5b6a7 --event balance.low --event balance.recovered
  kassa webhooks update wh_3f2a9c01d4e5b6a7 --all-events`,
		Args: exactArgs(1, "an endpoint ID (see 'kassa webhooks list')"),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch client.WebhookChange
			fl := cmd.Flags()
			if fl.Changed("url") {
				ch.URL = &url
			}
			if fl.Changed("description") {
				ch.Description = &description
			}
			switch {
			case rotate && fl.Changed("secret"):
				return usageError("--rotate-secret and --secret: give one")
			case rotate:
				empty := ""
				ch.Secret = &empty
			case fl.Changed("secret"):
				ch.Secret = &secret
			}
			switch {
			case allTypes && len(types) > 0:
				return usageError("--all-events and --event: give one")
			case allTypes:
				none := []string{}
				ch.Events = &none
			case len(types) > 0:
				if err := checkTypes(types); err != nil {
					return err
				}
				ch.Events = &types
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			w, err := c.UpdateWebhook(cmd.Context(), args[0], ch)
			if err != nil {
				return apiError(err)
			}
			v := webhookView(w, *w)
			v.vertical = true
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "the new URL")
	cmd.Flags().StringVar(&secret, "secret", "", "the new signing secret")
	cmd.Flags().BoolVar(&rotate, "rotate-secret", false, "generate a new signing secret (shown once)")
	cmd.Flags().StringArrayVar(&types, "event", nil, "an event type it receives (repeatable; replaces the list)")
	cmd.Flags().BoolVar(&allTypes, "all-events", false, "receive every event type")
	cmd.Flags().StringVar(&description, "description", "", "the new description")
	return cmd
}

func newWebhooksDeleteCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "delete ID",
		Short:   "Remove an endpoint and its delivery log",
		Example: `  kassa webhooks delete wh_3f2a9c01d4e5b6a7`,
		Args:    exactArgs(1, "an endpoint ID (see 'kassa webhooks list')"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			if err := c.DeleteWebhook(cmd.Context(), args[0]); err != nil {
				return apiError(err)
			}
			if f.output == "json" {
				return render(e.stdout, f.output, view{value: map[string]any{"id": args[0], "deleted": true}})
			}
			fmt.Fprintf(e.stdout, "deleted %s\n", escapeText(args[0]))
			return nil
		},
	}
}

func newWebhooksDeliveriesCmd(e *env, f *cliFlags) *cobra.Command {
	var q client.DeliveryQuery
	cmd := &cobra.Command{
		Use:   "deliveries ID",
		Short: "Show an endpoint's delivery log, newest event first",
		Long: `The delivery of each event to the endpoint: its state (pending, delivered,
failed), attempts, the last HTTP status and error, and when the next attempt is
due. A pending delivery with no next attempt waits behind an earlier event of
its account.`,
		Example: `  kassa webhooks deliveries wh_3f2a9c01d4e5b6a7
  kassa webhooks deliveries wh_3f2a9c01d4e5b6a7 --state failed -o json`,
		Args: exactArgs(1, "an endpoint ID (see 'kassa webhooks list')"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			p, err := c.Deliveries(cmd.Context(), args[0], q)
			if err != nil {
				return apiError(err)
			}
			v := view{value: p, header: []string{"event_id", "type", "account", "state", "attempts", "last_status", "last_error", "next_attempt_at"}}
			for _, d := range p.Deliveries {
				account := ""
				if d.Account != nil {
					account = *d.Account
				}
				next := ""
				if d.NextAttemptAt != nil {
					next = formatTime(*d.NextAttemptAt)
				}
				v.rows = append(v.rows, []string{strconv.FormatInt(d.EventID, 10), d.EventType, account, d.State,
					strconv.Itoa(d.Attempts), intOrEmpty(d.LastStatus), d.LastError, next})
			}
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&q.State, "state", "", "only deliveries in this state: pending, delivered or failed")
	cmd.Flags().Int64Var(&q.Before, "before", 0, "only events with an id below this (the next page)")
	cmd.Flags().IntVar(&q.Limit, "limit", 0, "at most this many (server default 50)")
	return cmd
}

func newWebhooksRedeliverCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "redeliver ID EVENT_ID",
		Short: "Send an event to an endpoint again, now",
		Long: `Make the delivery of an event pending again and due now, ahead of the later
events of its account (which wait for it). The dispatcher sends it within a
second.`,
		Example: `  kassa webhooks redeliver wh_3f2a9c01d4e5b6a7 1042`,
		Args:    exactArgs(2, "an endpoint ID and an EVENT_ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			eventID, err := strconv.ParseInt(args[1], 10, 64)
			if err != nil || eventID < 1 {
				return usageError("EVENT_ID %q: must be an event id", args[1])
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			d, err := c.Redeliver(cmd.Context(), args[0], eventID)
			if err != nil {
				return apiError(err)
			}
			v := view{value: d, header: []string{"event_id", "state", "attempts"}, vertical: true,
				rows: [][]string{{strconv.FormatInt(d.EventID, 10), d.State, strconv.Itoa(d.Attempts)}}}
			return render(e.stdout, f.output, v)
		},
	}
}
