package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// newSecretsCmd builds `kassa secrets list|create|get|revoke`.
func newSecretsCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "secrets",
		Short: "List, create, show and revoke the account's API secrets",
		Long: `Manage the API secrets of the account whose credentials are given
(/accounts/{api_key}/secrets). An account has one or two secrets; kassa never
shows a secret's value after it is created.`,
		Example: `  # rotate without downtime: add the new secret, move the clients to it, revoke the old one
  kassa secrets list
  echo 'NewSecret42' | kassa secrets create
  kassa secrets revoke 01234567-aaaa-bbbb-cccc-defdefdefdef`,
		Args: noArgs,
	}
	f := addClientFlags(cmd)
	cmd.PersistentPreRunE = f.preRun
	cmd.AddCommand(newSecretsListCmd(e, f), newSecretsCreateCmd(e, f), newSecretsGetCmd(e, f), newSecretsRevokeCmd(e, f))
	return cmd
}

func newSecretsListCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the account's secrets",
		Example: "  kassa secrets list\n  kassa secrets list -o json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			list, err := c.ListSecrets(cmd.Context())
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, secretsView(list))
		},
	}
}

func newSecretsCreateCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "create [SECRET]",
		Short: "Add a secret to the account",
		Long: `Add a secret: 8 to 25 characters with a lower-case letter, an upper-case
letter and a digit. Without the argument the secret is read from the first
line of standard input, which keeps it out of the process list and the shell
history. An account holds at most two secrets (exit code 5 for a third).`,
		Example: `  echo 'NewSecret42' | kassa secrets create -o json   # from standard input: not in ps or the shell history`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			secret, err := secretArg(e, args)
			if err != nil {
				return err
			}
			s, err := c.CreateSecret(cmd.Context(), secret)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, secretsView([]client.Secret{*s}))
		},
	}
}

// secretArg is the secret from the argument or standard input's first line.
func secretArg(e *env, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	if f, ok := e.stdin.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(e.stderr, "new secret (8-25 characters, a lower-case and an upper-case letter and a digit): ")
		}
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil && !errors.Is(err, io.EOF) {
			return "", usageError("read secret from standard input: %v", err)
		}
		return "", usageError("no secret: give it as the argument or on standard input")
	}
	return line, nil
}

func newSecretsGetCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:     "get ID",
		Short:   "Show one secret's id and creation time",
		Example: "  kassa secrets get 01234567-aaaa-bbbb-cccc-defdefdefdef",
		Args:    exactArgs(1, "the secret ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			s, err := c.GetSecret(cmd.Context(), args[0])
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, secretsView([]client.Secret{*s}))
		},
	}
}

func newSecretsRevokeCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a secret",
		Long:  "Revoke a secret. The last secret of an account cannot be revoked (exit code 5).",
		Example: `  echo 'NewSecret42' | kassa secrets create     # the new one first: the last secret cannot go
  kassa secrets revoke 01234567-aaaa-bbbb-cccc-defdefdefdef`,
		Args: exactArgs(1, "the secret ID"),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.accountClient(e)
			if err != nil {
				return err
			}
			if err := c.RevokeSecret(cmd.Context(), args[0]); err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, view{
				value:    map[string]any{"id": args[0], "revoked": true},
				header:   []string{"id", "revoked"},
				rows:     [][]string{{args[0], "true"}},
				vertical: true,
			})
		},
	}
}

func secretsView(list []client.Secret) view {
	v := view{value: list, header: []string{"id", "created_at"}}
	if list == nil {
		v.value = []client.Secret{}
	}
	for _, s := range list {
		v.rows = append(v.rows, []string{s.ID, s.CreatedAt.UTC().Format(time.RFC3339)})
	}
	return v
}
