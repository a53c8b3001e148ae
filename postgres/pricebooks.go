package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

// PriceBookChannel is the LISTEN/NOTIFY channel on which ActivatePriceBook
// announces an activated version (the payload is the version number). A
// store opened with Options.Schema uses PriceBookChannel + "_" + schema, so
// that deployments in several schemas of one database (and tests running in
// parallel) do not hear each other's activations: notifications are
// database-wide.
const PriceBookChannel = "kassa_pricebooks"

// channel is this store's price-book notification channel.
func (db *DB) channel() string {
	if db.schema == "" {
		return PriceBookChannel
	}
	ch := PriceBookChannel + "_" + db.schema
	if len(ch) > maxIdentifier {
		sum := sha256.Sum256([]byte(db.schema))
		ch = PriceBookChannel + "_" + hex.EncodeToString(sum[:8])
	}
	return ch
}

// maxIdentifier is PostgreSQL's limit on identifier (and channel) length.
const maxIdentifier = 63

// priceBookColumns are the columns scanPriceBook reads.
const priceBookColumns = "version, plan, name, demo, demo_types, source, checksum, prices, created_at, activated_at, effective_at"

func scanPriceBook(row pgx.Row) (*kassa.PriceBookVersion, error) {
	var v kassa.PriceBookVersion
	var activated, effective *time.Time
	var demoTypes string
	err := row.Scan(&v.Version, &v.Plan, &v.Name, &v.Demo, &demoTypes, &v.Source, &v.Checksum, &v.Prices, &v.CreatedAt, &activated, &effective)
	if err != nil {
		return nil, err
	}
	v.DemoTypes = kassa.ParseServiceTypes(demoTypes)
	v.CreatedAt = v.CreatedAt.UTC()
	if activated != nil {
		v.ActivatedAt = activated.UTC()
	}
	if effective != nil {
		v.EffectiveAt = effective.UTC()
	}
	return &v, nil
}

// CreatePriceBook stores a version's description and its data chunks in
// one transaction and fills v.Version, v.CreatedAt and v.Checksum (the hex
// sha256 of the chunks back to back).
func (db *DB) CreatePriceBook(ctx context.Context, v *kassa.PriceBookVersion, chunks [][]byte) error {
	checksum := kassa.ChunksChecksum(chunks)
	var version int64
	var created time.Time
	plan := v.Plan
	if plan == "" {
		plan = kassa.DefaultPlan
	}
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		created = now
		var base string
		if err := tx.QueryRow(ctx, `SELECT base FROM plans WHERE name = $1 FOR SHARE`, plan).Scan(&base); err != nil {
			return planNotFound(plan, err)
		}
		if base != "" {
			return errDerivedImport(plan, base)
		}
		const insert = `INSERT INTO price_books (plan, name, demo, demo_types, source, checksum, prices, created_at)
			VALUES ($8, $1, $2, $3, $4, $5, $6, $7) RETURNING version`
		if err := tx.QueryRow(ctx, insert, v.Name, v.Demo, kassa.FormatServiceTypes(v.DemoTypes), v.Source, checksum, v.Prices, now, plan).Scan(&version); err != nil {
			return err
		}
		rows := make([][]any, len(chunks))
		for seq, c := range chunks {
			if c == nil {
				c = []byte{}
			}
			rows[seq] = []any{version, int32(seq), c}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"price_book_chunks"}, []string{"version", "seq", "data"}, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("create price book %q: %w", v.Name, err)
	}
	v.Version, v.Plan, v.CreatedAt, v.Checksum = version, plan, created, checksum
	v.ActivatedAt, v.EffectiveAt = time.Time{}, time.Time{}
	return nil
}

// PriceBook returns one version's description. ENOTFOUND if there is none.
func (db *DB) PriceBook(ctx context.Context, version int64) (*kassa.PriceBookVersion, error) {
	v, err := scanPriceBook(db.pool.QueryRow(ctx, "SELECT "+priceBookColumns+" FROM price_books WHERE version = $1", version))
	if err == pgx.ErrNoRows {
		return nil, noPriceBook(version)
	}
	if err != nil {
		return nil, translate(fmt.Errorf("price book %d: %w", version, err))
	}
	return v, nil
}

func noPriceBook(version int64) error {
	return kassa.Errorf(kassa.ENOTFOUND, "price book version %d not found", version)
}

// ReadPriceBook calls fn with each data chunk of a version, in order, as
// the rows arrive. ENOTFOUND if there is no such version.
func (db *DB) ReadPriceBook(ctx context.Context, version int64, fn func(chunk []byte) error) error {
	if _, err := db.PriceBook(ctx, version); err != nil {
		return err
	}
	rows, err := db.pool.Query(ctx, "SELECT data FROM price_book_chunks WHERE version = $1 ORDER BY seq", version)
	if err != nil {
		return translate(fmt.Errorf("read price book %d: %w", version, err))
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		if len(raw) != 1 {
			return fmt.Errorf("read price book %d: %d columns", version, len(raw))
		}
		if err := fn(raw[0]); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return translate(fmt.Errorf("read price book %d: %w", version, err))
	}
	return nil
}

// PriceBooks lists every version, newest first.
func (db *DB) PriceBooks(ctx context.Context) ([]*kassa.PriceBookVersion, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+priceBookColumns+" FROM price_books ORDER BY version DESC")
	if err != nil {
		return nil, translate(fmt.Errorf("list price books: %w", err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.PriceBookVersion, error) { return scanPriceBook(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("list price books: %w", err))
	}
	return out, nil
}

// ActivatePriceBook marks a version activated now, to take effect at
// effectiveAt (now when zero), and notifies every node listening on
// PriceBookChannel in the same transaction, so that the notification is
// sent exactly when the activation commits; events are written in it too.
// ENOTFOUND if there is no such version.
func (db *DB) ActivatePriceBook(ctx context.Context, version int64, effectiveAt time.Time, events ...*kassa.Event) error {
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		effective := effectiveAt.Truncate(time.Microsecond).UTC()
		if effectiveAt.IsZero() {
			effective = now
		}
		const activate = `UPDATE price_books
			SET activated_at = $2, effective_at = $3, activation_seq = nextval('price_book_activations')
			WHERE version = $1`
		tag, err := tx.Exec(ctx, activate, version, now, effective)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noPriceBook(version)
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, e, now); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, "SELECT pg_notify($1, $2)", db.channel(), strconv.FormatInt(version, 10))
		return err
	})
	if err != nil {
		return fmt.Errorf("activate price book %d: %w", version, err)
	}
	return nil
}

// ActivePriceBook returns plan's activated version in effect at now: the one
// with the latest effective time not after now, the latest activation
// breaking ties. ENOTFOUND if none is.
func (db *DB) ActivePriceBook(ctx context.Context, plan string, now time.Time) (*kassa.PriceBookVersion, error) {
	row := db.pool.QueryRow(ctx, "SELECT "+priceBookColumns+` FROM price_books
		WHERE plan = $2 AND activated_at IS NOT NULL AND effective_at <= $1
		ORDER BY effective_at DESC, activation_seq DESC LIMIT 1`, now.Truncate(time.Microsecond), plan)
	v, err := scanPriceBook(row)
	if err == pgx.ErrNoRows {
		return nil, kassa.Errorf(kassa.ENOTFOUND, "no price book is active")
	}
	if err != nil {
		return nil, translate(fmt.Errorf("active price book: %w", err))
	}
	return v, nil
}
