package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa/server"
	"github.com/kassa-dev/kassa/sqlite"
)

// postgresBackupHint is what backup and restore say about PostgreSQL.
const postgresBackupHint = `kassa backup and restore work on the SQLite store only. For PostgreSQL use its own tools,
while kassa runs, with a consistent snapshot:
  pg_dump --format=custom --no-owner --file=kassa.dump "$KASSA_STORE"
and to restore into an empty database with every kassa node stopped:
  pg_restore --no-owner --exit-on-error --single-transaction --dbname=URL kassa.dump
then run 'kassa verify --store URL'. See docs/storage-postgres.md.`

// newBackupCmd builds `kassa backup FILE`.
func newBackupCmd(e *env) *cobra.Command {
	var o storeOpen
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write an online, consistent copy of the SQLite store to FILE",
		Long: `Write a transactionally consistent copy of the SQLite store in --data to FILE, while
kassa serve keeps running (SQLite's VACUUM INTO: one compact file, no -wal; the store
is opened read-only). FILE must
not exist. Copy the pepper file (DATA/pepper or --pepper-file) along with the backup:
without it no stored secret verifies. For PostgreSQL, use pg_dump (the command says how).
--data and --store also come from the environment and from kassa serve's config file
(--config FILE or KASSA_CONFIG).`,
		Example: `  kassa backup --data /var/lib/kassa /backups/kassa-$(date +%F).db
  cp /var/lib/kassa/pepper /backups/`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.url != "" {
				fmt.Fprintln(e.stdout, postgresBackupHint)
				return usageError("--store is PostgreSQL: use pg_dump")
			}
			return backup(cmd.Context(), e, o.data, args[0])
		},
	}
	addStoreFlags(cmd, e, &o)
	return cmd
}

// backup copies the store in data to dst.
func backup(ctx context.Context, e *env, data, dst string) error {
	if _, err := os.Lstat(dst); err == nil {
		return usageError("backup: %s already exists; kassa never overwrites a backup", dst)
	}
	path := filepath.Join(data, dbFile)
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("no kassa database in %s: %w", data, err)
	}
	db, err := sqlite.Open(ctx, path, sqlite.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	if err := db.Backup(ctx, dst); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(e.stdout, "backup written to %s; keep the pepper file with it\n", dst)
	return nil
}

// newRestoreCmd builds `kassa restore FILE`.
func newRestoreCmd(e *env) *cobra.Command {
	var o storeOpen
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Restore a SQLite backup into an empty data directory and verify its ledger",
		Long: `Restore a backup made by 'kassa backup' into --data, which must hold no kassa database
yet (a new or empty directory), then check the ledger as 'kassa verify' does.

The backup remembers a fingerprint of the pepper its secrets were hashed with. When the
pepper file (DATA/pepper or --pepper-file) is already in place, restore checks it and
refuses a pepper that does not match (nothing is left behind); otherwise put the pepper
that belongs to the backup there before starting kassa serve, which refuses any other.
For PostgreSQL, use pg_restore.`,
		Example: `  kassa restore --data /var/lib/kassa.new /backups/kassa-2026-11-26.db
  cp /backups/pepper /var/lib/kassa.new/pepper
  kassa serve --data /var/lib/kassa.new

  # or, with the pepper in place first: checked before anything is kept
  kassa restore --data /var/lib/kassa.other --pepper-file /backups/pepper /backups/kassa-2026-11-26.db`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.url != "" {
				fmt.Fprintln(e.stdout, postgresBackupHint)
				return usageError("--store is PostgreSQL: use pg_restore")
			}
			return restore(cmd.Context(), e, args[0], o)
		},
	}
	addStoreFlags(cmd, e, &o, "pepper-file")
	cmd.Flags().Lookup("pepper-file").Usage = "the pepper file to check the backup against, when it is in place (never created here; default DATA/pepper) (env KASSA_PEPPER_FILE)"
	return cmd
}

// restore copies the backup src into o.data, verifies the result and
// checks the pepper when one is in place. A failure leaves no database
// behind.
func restore(ctx context.Context, e *env, src string, o storeOpen) (err error) {
	data := o.data
	if err := os.MkdirAll(data, 0o700); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	dst := filepath.Join(data, dbFile)
	for _, p := range []string{dst, dst + "-wal", dst + "-shm"} {
		if _, err := os.Lstat(p); err == nil {
			return usageError("restore: %s already exists; restore into a new or empty --data directory", p)
		}
	}
	pepper, err := server.ReadPepper(server.PepperPath(data, o.pepperFile))
	if err != nil {
		return err
	}
	if err := copyNewFile(src, dst); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			for _, p := range []string{dst, dst + "-wal", dst + "-shm"} {
				os.Remove(p)
			}
		}
	}()
	db, err := sqlite.Open(ctx, dst, sqlite.Options{})
	if err != nil {
		return fmt.Errorf("restore: the backup does not open as a kassa database: %w", err)
	}
	defer db.Close()
	if err := verifyLedger(ctx, db, e.stdout, false); err != nil {
		return err
	}
	if pepper == nil {
		fmt.Fprintf(e.stdout, "no pepper at %s yet: put the pepper that belongs to this backup there before starting kassa serve (it refuses any other)\n", server.PepperPath(data, o.pepperFile))
	} else if err := server.CheckPepper(ctx, db, pepper); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(e.stdout, "restored %s into %s\n", src, data)
	return nil
}

// copyNewFile copies src to dst (mode 0600), which must not exist, and
// syncs it.
func copyNewFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return err
	}
	if err := out.Sync(); err != nil {
		return err
	}
	return nil
}
