package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
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

The store: --store postgres://… (env KASSA_STORE or KASSA_STORE_FILE), or the SQLite
file in --data (env KASSA_DATA) when --store is empty.`,
		Example: `  kassa migrate --store postgres://kassa_owner@db/kassa
  KASSA_STORE_FILE=/run/secrets/kassa-store kassa migrate
  kassa migrate --data /var/lib/kassa`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return migrate(cmd.Context(), e, o)
		},
	}
	addStoreFlags(cmd, e, &o)
	return cmd
}

// addStoreFlags adds --store and --data to a command that works on the store
// directly (migrate, verify, backup, restore).
func addStoreFlags(cmd *cobra.Command, e *env, o *storeOpen) {
	f := cmd.Flags()
	f.StringVar(&o.data, "data", envOr(e, "KASSA_DATA", "./kassa-data"), "data directory of the SQLite store (env KASSA_DATA)")
	f.StringVar(&o.url, "store", "", "PostgreSQL URL (postgres://…); empty means the SQLite file in --data (env KASSA_STORE or KASSA_STORE_FILE)")
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if cmd.Flags().Changed("store") {
			return nil
		}
		v, err := envSecret(e, "KASSA_STORE")
		o.url = v
		return err
	}
}

// migrate applies the pending migrations and reports the versions.
func migrate(ctx context.Context, e *env, o storeOpen) error {
	kind, err := parseStoreURL(o.url)
	if err != nil {
		return usageError("%s", err)
	}
	before, err := schemaVersionBefore(ctx, kind, o)
	if err != nil {
		return err
	}
	o.log = slog.New(slog.NewTextHandler(e.stderr, nil))
	db, err := openStore(ctx, o)
	if err != nil {
		return err
	}
	defer db.Close()
	after, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: schema version %d before, %d now (this kassa knows up to %d)\n",
		o.describe(), before, after, latestSchema(kind))
	return nil
}

// schemaVersionBefore reads the store's schema version without migrating.
func schemaVersionBefore(ctx context.Context, kind storeKind, o storeOpen) (int, error) {
	if kind == storeSQLite {
		return sqliteSchemaVersion(ctx, filepath.Join(o.data, dbFile))
	}
	// pgxpool's parser knows the pool parameters (pool_max_conns) that
	// pgx.Connect would send to the server as settings.
	cfg, err := pgxpool.ParseConfig(o.url)
	if err != nil {
		return 0, usageError("--store (KASSA_STORE): the PostgreSQL connection URL cannot be parsed")
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return 0, fmt.Errorf("connect to %s: the database cannot be reached or the URL is wrong", redactURL(o.url))
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('schema_migrations') IS NOT NULL").Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := conn.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}
