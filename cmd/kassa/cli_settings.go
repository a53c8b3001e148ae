package main

import (
	"strconv"

	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newSettingsCmd builds `kassa settings`.
func newSettingsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "settings",
		Short: "Show or change the account's callback settings",
		Long: `Show the account's settings, or change the callback URLs first
(POST /account/settings). An empty value unsets a URL. kassa checks a new URL
with a live request before it saves it.`,
		Example: `  kassa settings
  kassa settings --mo-url https://example.com/inbound --dr-url https://example.com/receipts
  kassa settings --dr-url ""            # unset the delivery-receipt URL
  kassa settings --forward-method POST_JSON -o json`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	var mo, dr, method string
	cmd.Flags().StringVar(&mo, "mo-url", "", "inbound message callback URL (\"\" unsets it)")
	cmd.Flags().StringVar(&dr, "dr-url", "", "delivery receipt callback URL (\"\" unsets it)")
	cmd.Flags().StringVar(&method, "forward-method", "", "callback HTTP method: GET_QUERY_PARAMS, POST_QUERY_PARAMS or POST_JSON")
	cmd.PersistentPreRunE = f.preRun
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := f.accountClient(e)
		if err != nil {
			return err
		}
		var u client.SettingsUpdate
		if cmd.Flags().Changed("mo-url") {
			u.MOCallbackURL = &mo
		}
		if cmd.Flags().Changed("dr-url") {
			u.DRCallbackURL = &dr
		}
		if cmd.Flags().Changed("forward-method") {
			u.HTTPForwardMethod = &method
		}
		s, err := c.UpdateSettings(cmd.Context(), u)
		if err != nil {
			return apiError(err)
		}
		return render(e.stdout, f.output, view{
			value:  s,
			header: []string{"mo_callback_url", "dr_callback_url", "max_outbound_request", "max_inbound_request", "max_calls_per_second"},
			rows: [][]string{{s.MOCallbackURL, s.DRCallbackURL, strconv.Itoa(s.MaxOutboundRequest),
				strconv.Itoa(s.MaxInboundRequest), strconv.Itoa(s.MaxCallsPerSecond)}},
			vertical: true,
		})
	}
	return cmd
}
