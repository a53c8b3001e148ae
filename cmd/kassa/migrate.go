package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
)

// newMigrateCmd builds `kassa migrate`.
func newMigrateCmd(e *env) *cobra.Command {
	var o storeOpen
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the pending schema migrations to the store",
		Long: `Apply every schema migration this kassa binary knows and the store lacks, and print
the schema version before and after. Use it with a role that may change the schema,
then start the nodes with 'kassa serve --no-migrate'. A store whose schema is newer
than this binary is refused (upgrade kassa). Running it twice is harmless; several
nodes migrating at once are safe.

The store: --store postgres://… or a key=value connection string (env KASSA_STORE
or KASSA_STORE_FILE), or the SQLite file in --data (env KASSA_DATA) when --store is
empty (the directory is created when missing, as kassa serve creates it); each also
read from the config file of kassa serve (--config FILE or KASSA_CONFIG).`,
		Example: `  kassa migrate --store postgres://kassa_owner@db/kassa
  KASSA_STORE_FILE=/run/secrets/kassa-store kassa migrate
  kassa migrate --config /etc/kassa/kassa.env
  kassa migrate --data /var/lib/kassa`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return migrate(cmd.Context(), e, o)
		},
	}
	addStoreFlags(cmd, e, &o)
	return cmd
}

// storeFlagNames are the settings every store command takes.
var storeFlagNames = []string{"data", "store"}

// addStoreFlags adds --config, --data, --store and the named extra settings
// to a command that works on the store directly (migrate, verify, backup,
// restore). Their values resolve as kassa serve's do: flag, then the
// environment (KASSA_DATA, KASSA_STORE or KASSA_STORE_FILE…), then the
// config file (--config or KASSA_CONFIG, the same file as kassa serve's:
// its other keys are accepted and ignored), then the default.
func addStoreFlags(cmd *cobra.Command, e *env, o *storeOpen, extra ...string) {
	f := cmd.Flags()
	var configPath string
	f.StringVar(&configPath, "config", "", "config file of KASSA_NAME=value lines, as kassa serve reads it (env KASSA_CONFIG)")
	settings := settingsNamed(serveSettings, append(storeFlagNames, extra...)...)
	addSettingFlags(f, settings)
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		vals, err := loadSettingValues(e, f, configPath, settings)
		if err != nil {
			return err
		}
		o.data, o.url, o.pepperFile = vals["data"].text, vals["store"].text, vals["pepper-file"].text
		if o.data == "" {
			return configError(settingByName(settings, "data"), "must not be empty")
		}
		if _, err := parseStoreURL(o.url); err != nil {
			return configError(settingByName(settings, "store"), "%s", err)
		}
		return nil
	}
}

// migrate applies the pending migrations and reports the versions.
func migrate(ctx context.Context, e *env, o storeOpen) error {
	o.log = slog.New(slog.NewTextHandler(e.stderr, nil))
	before, after, latest, err := migrateStore(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: schema version %d before, %d now (this kassa knows up to %d)\n",
		o.describe(), before, after, latest)
	return nil
}
