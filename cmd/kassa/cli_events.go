package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newEventsCmd builds `kassa events …`, the event feed.
func newEventsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "events",
		Short: "Follow the event feed: low balances, caps, reloads, activations",
		Long: `The event feed of the admin API (GET /admin/v1/events): what happened to
accounts (balance.low, spend_cap.reached, reload.succeeded, …) and to the
installation (pricebook.activated), oldest first, each with an id that grows in
commit order. See docs/events.md. Needs the admin token.`,
		Example: `  kassa events tail
  kassa events tail --after 0 --no-follow -o json | jq .`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.AddCommand(newEventsTailCmd(e, f))
	return cmd
}

// tailOptions are the flags of `kassa events tail`.
type tailOptions struct {
	after    int64
	types    []string
	account  string
	interval time.Duration
	noFollow bool
}

func newEventsTailCmd(e *env, f *cliFlags) *cobra.Command {
	var o tailOptions
	cmd := &cobra.Command{
		Use:   "tail",
		Short: "Print events as they happen",
		Long: `Print the events of the feed as they are written, following it until
interrupted (Ctrl-C), like tail -f. By default it starts after the last event
written, so it prints only new ones; --after ID resumes after an event id seen
before (--after 0: from the first event). No event is skipped: ids grow in
commit order, and the feed is read from the last id printed.

-o json prints one JSON object per line, exactly as the feed and the webhooks
send it. While the server is unreachable it keeps trying, saying so on stderr.`,
		Example: `  kassa events tail
  kassa events tail --type balance.low --type spend_cap.reached
  kassa events tail --account abcd1234 --after 0 --no-follow
  kassa events tail -o json | jq -c 'select(.type == "reload.failed")'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.output == "csv" {
				return usageError("-o csv: kassa events tail prints table or json")
			}
			for _, t := range o.types {
				if !kassa.ValidEventType(t) {
					return usageError("--type %q: not an event type (see docs/events.md)", t)
				}
			}
			if o.interval < 100*time.Millisecond {
				return usageError("--interval %s: must be at least 100ms", o.interval)
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			if !cmd.Flags().Changed("after") {
				o.after = -1
			}
			return tail(cmd.Context(), e, c, f.output, o)
		},
	}
	cmd.Flags().Int64Var(&o.after, "after", 0, "print the events after this id (default: after the last event written; 0: from the first)")
	cmd.Flags().StringArrayVar(&o.types, "type", nil, "only events of this type (repeatable)")
	cmd.Flags().StringVar(&o.account, "account", "", "only events about this account")
	cmd.Flags().DurationVar(&o.interval, "interval", time.Second, "how often to ask for new events")
	cmd.Flags().BoolVar(&o.noFollow, "no-follow", false, "print the events there are and exit")
	return cmd
}

// tail prints the feed from o.after (-1: from the last event written)
// until ctx ends, or, with o.noFollow, until it has caught up.
func tail(ctx context.Context, e *env, c *client.Client, format string, o tailOptions) error {
	q := client.EventQuery{After: o.after, Types: o.types, Account: o.account, Limit: 1000}
	if q.After < 0 {
		p, err := c.Events(ctx, client.EventQuery{Limit: 1})
		if err != nil {
			return apiError(err)
		}
		q.After = p.LastID
	}
	wait := o.interval
	for {
		p, err := c.Events(ctx, q)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil && o.noFollow:
			return apiError(err)
		case err != nil && !retriable(err):
			return apiError(err)
		case err != nil:
			fmt.Fprintln(e.stderr, "kassa: the feed is unavailable, retrying:", escapeText(err.Error()))
			wait = min(2*wait, 30*time.Second)
		default:
			wait = o.interval
			for _, ev := range p.Events {
				if err := printEvent(e.stdout, format, ev); err != nil {
					return err
				}
			}
			q.After = p.NextAfter
			if len(p.Events) == q.Limit {
				continue // more are waiting
			}
			if o.noFollow {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}

// retriable reports whether a failed read of the feed is worth trying
// again: the server was unreachable or unavailable.
func retriable(err error) bool {
	var ce *client.Error
	if errors.As(err, &ce) {
		code := ce.KassaCode()
		return code == kassa.EUNAVAILABLE || code == kassa.ERATELIMITED || ce.Status >= 500
	}
	return client.IsUnreachable(err)
}

// printEvent writes one event: a JSON object on one line, or a line of
// id, time, type, account and data.
func printEvent(w io.Writer, format string, ev client.Event) error {
	if format == "json" {
		b, err := json.Marshal(ev)
		if err != nil {
			return err
		}
		_, err = io.WriteString(w, escapeJSON(string(b))+"\n")
		return err
	}
	_, err := fmt.Fprintf(w, "%s  %s  %-19s  %-12s  %s\n", strconv.FormatInt(ev.ID, 10),
		ev.CreatedAt.UTC().Format(time.RFC3339), escapeText(ev.Type), sanitizeCell(ev.Account), escapeText(string(ev.Data)))
	return err
}
