package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa/server"
)

// Exit codes that scripts can rely on.
const (
	exitOK          = 0
	exitError       = 1 // any failure not listed below
	exitUsage       = 2 // bad flags or arguments
	exitAuth        = 3 // credentials refused
	exitNotFound    = 4 // no such account, secret, version…
	exitConflict    = 5 // conflict, limit reached, insufficient funds
	exitUnavailable = 6 // server unreachable or unavailable
)

// exitError carries an exit code through cobra.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// usageError marks err as a usage mistake (exit code 2).
func usageError(format string, args ...any) error {
	return &codedError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// reportError prints err for a person and returns its exit code.
func reportError(e *env, err error) int {
	// A server's message may quote stored or uploaded data: escape what
	// could drive the terminal, line by line (some errors list problems
	// one a line).
	lines := strings.Split(err.Error(), "\n")
	for i, l := range lines {
		lines[i] = escapeText(l)
	}
	fmt.Fprintln(e.stderr, "kassa:", strings.Join(lines, "\n"))
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	var cfgErr *server.ConfigError
	if errors.As(err, &cfgErr) {
		return exitUsage
	}
	return exitError
}

// newRootCmd builds the kassa command tree. Each subcommand lives in its own
// file and is added here.
func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "kassa",
		Short: "Account service for SMS and voice platforms, wire-compatible with the Vonage Account API",
		Long: `kassa holds prepaid balances in an exact ledger, publishes outbound prices per
country, network and number prefix, keeps account settings and secrets, and runs
top-ups and auto-reload. Its public API is wire-compatible with the Nexmo/Vonage
Developer Account API.

Start a server:   kassa serve
Then, in another shell, with the demo credentials it prints:
                  kassa balance --api-key KEY --api-secret SECRET`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &codedError{code: exitUsage, err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newServeCmd(e))
	root.AddCommand(newVerifyCmd(e))
	root.AddCommand(newMigrateCmd(e))
	root.AddCommand(newBackupCmd(e))
	root.AddCommand(newRestoreCmd(e))
	root.AddCommand(newBalanceCmd(e))
	root.AddCommand(newPricingCmd(e))
	root.AddCommand(newSettingsCmd(e))
	root.AddCommand(newSecretsCmd(e))
	root.AddCommand(newTopUpCmd(e))
	root.AddCommand(newSubaccountsCmd(e))
	root.AddCommand(newAdminCmd(e))
	root.AddCommand(newEventsCmd(e))
	root.AddCommand(newWebhooksCmd(e))
	root.AddCommand(newOpenAPICmd(e))
	root.AddCommand(newPlansCmd(e))
	root.AddCommand(newUsageCmd(e))
	root.AddCommand(newStatementsCmd(e))
	return root
}
