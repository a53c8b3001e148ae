package main

import (
	"strconv"

	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newAdminAuditCmd builds `kassa admin audit`.
func newAdminAuditCmd(e *env, f *cliFlags) *cobra.Command {
	var q client.AuditQuery
	cmd := &cobra.Command{
		Use:   "audit",
		Short: "List the audit log: who changed what, newest first",
		Long: `List audit events newest first (GET /admin/v1/audit): account creation,
settings, limits, auto-reload and credit-limit changes, secret creation and
revocation, lock-outs, reloads. The log never holds a secret.`,
		Example: `  kassa admin audit --account abcd1234
  kassa admin audit --action secret.create --limit 20 -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			p, err := c.Audit(cmd.Context(), q)
			if err != nil {
				return apiError(err)
			}
			v := view{value: p, header: []string{"id", "at", "actor", "account", "action", "remote_addr", "detail"}}
			for _, ev := range p.Events {
				v.rows = append(v.rows, []string{strconv.FormatInt(ev.ID, 10), formatTime(ev.At), ev.Actor, ev.Account,
					ev.Action, ev.RemoteAddr, string(ev.Detail)})
			}
			return render(e.stdout, f.output, v)
		},
	}
	cmd.Flags().StringVar(&q.Account, "account", "", "only events about this account")
	cmd.Flags().StringVar(&q.Action, "action", "", "only events with this action, e.g. secret.create")
	cmd.Flags().IntVar(&q.Offset, "offset", 0, "skip this many events")
	cmd.Flags().IntVar(&q.Limit, "limit", 0, "at most this many events (server default 50)")
	return cmd
}
