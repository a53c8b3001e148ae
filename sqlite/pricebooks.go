package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

const priceBookColumns = `version, plan, name, demo, demo_types, source, checksum, prices, created_at, activated_at, effective_at`

func scanPriceBook(s scanner) (*kassa.PriceBookVersion, error) {
	var v kassa.PriceBookVersion
	var created, activated, effective int64
	var demoTypes string
	err := s.Scan(&v.Version, &v.Plan, &v.Name, &v.Demo, &demoTypes, &v.Source, &v.Checksum, &v.Prices, &created, &activated, &effective)
	if err != nil {
		return nil, err
	}
	v.DemoTypes = kassa.ParseServiceTypes(demoTypes)
	v.CreatedAt, v.ActivatedAt, v.EffectiveAt = fromNanos(created), fromNanos(activated), fromNanos(effective)
	return &v, nil
}

// CreatePriceBook stores a version's description and its data chunks in
// one transaction and fills v.Version, v.CreatedAt and v.Checksum (the
// sha256 of the chunks back to back, computed here). The new version is
// not activated.
func (db *DB) CreatePriceBook(ctx context.Context, v *kassa.PriceBookVersion, chunks [][]byte) error {
	checksum := kassa.ChunksChecksum(chunks)
	var version int64
	var created time.Time
	plan := v.Plan
	if plan == "" {
		plan = kassa.DefaultPlan
	}
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		created = now
		var base string
		if err := tx.QueryRowContext(ctx, `SELECT base FROM plans WHERE name = ?`, plan).Scan(&base); err != nil {
			return planNotFound(plan, err)
		}
		if base != "" {
			return errDerivedImport(plan, base)
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO price_books (plan, name, demo, demo_types, source, checksum, prices, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING version`,
			plan, v.Name, v.Demo, kassa.FormatServiceTypes(v.DemoTypes), v.Source, checksum, v.Prices, toNanos(now)).Scan(&version)
		if err != nil {
			return err
		}
		insert, err := tx.PrepareContext(ctx, `INSERT INTO price_book_chunks (version, seq, data) VALUES (?, ?, ?)`)
		if err != nil {
			return err
		}
		defer insert.Close()
		for seq, c := range chunks {
			if _, err := insert.ExecContext(ctx, version, seq, nonNil(c)); err != nil {
				return err
			}
		}
		return nil
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
	if err := db.usable(); err != nil {
		return nil, err
	}
	v, err := scanPriceBook(db.read.QueryRowContext(ctx, `SELECT `+priceBookColumns+` FROM price_books WHERE version = ?`, version))
	if err != nil {
		return nil, priceBookNotFound(version, err)
	}
	return v, nil
}

func priceBookNotFound(version int64, err error) error {
	err = translate(fmt.Errorf("price book %d: %w", version, err))
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Message: fmt.Sprintf("no price book version %d", version), Err: err}
	}
	return err
}

// ReadPriceBook calls fn with each data chunk of a version, in order, one
// row at a time. ENOTFOUND if there is no such version.
func (db *DB) ReadPriceBook(ctx context.Context, version int64, fn func(chunk []byte) error) error {
	if _, err := db.PriceBook(ctx, version); err != nil {
		return err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT data FROM price_book_chunks WHERE version = ? ORDER BY seq`, version)
	if err != nil {
		return translate(fmt.Errorf("read price book %d: %w", version, err))
	}
	defer rows.Close()
	var chunk sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&chunk); err != nil {
			return translate(fmt.Errorf("read price book %d: %w", version, err))
		}
		if err := fn(chunk); err != nil {
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
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+priceBookColumns+` FROM price_books ORDER BY version DESC`)
	if err != nil {
		return nil, translate(fmt.Errorf("list price books: %w", err))
	}
	list, err := collect(rows, scanPriceBook)
	if err != nil {
		return nil, translate(fmt.Errorf("list price books: %w", err))
	}
	return list, nil
}

// ActivatePriceBook marks a version activated now, to take effect at
// effectiveAt (now when zero). Activating a version again moves its times.
// Each activation gets a sequence number, so that among versions with the
// same effective time the latest activation wins. ENOTFOUND if there is no
// such version. events are written in the same transaction.
func (db *DB) ActivatePriceBook(ctx context.Context, version int64, effectiveAt time.Time, events ...*kassa.Event) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		effective := effectiveAt
		if effective.IsZero() {
			effective = now
		}
		res, err := tx.ExecContext(ctx, `UPDATE price_books SET activated_at = ?, effective_at = ?,
			activation_seq = (SELECT COALESCE(MAX(activation_seq), 0) + 1 FROM price_books)
			WHERE version = ?`, toNanos(now), toNanos(effective), version)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return kassa.Errorf(kassa.ENOTFOUND, "no price book version %d", version)
		}
		for _, e := range events {
			if err := insertEvent(ctx, tx, e, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("activate price book %d: %w", version, err)
	}
	return nil
}

// ActivePriceBook returns plan's activated version in effect at now: the
// one with the latest effective time not after now, the latest activation
// breaking ties. ENOTFOUND if none is.
func (db *DB) ActivePriceBook(ctx context.Context, plan string, now time.Time) (*kassa.PriceBookVersion, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	row := db.read.QueryRowContext(ctx, `SELECT `+priceBookColumns+` FROM price_books
		WHERE plan = ? AND activated_at <> 0 AND effective_at <= ?
		ORDER BY effective_at DESC, activation_seq DESC LIMIT 1`, plan, toNanos(now))
	v, err := scanPriceBook(row)
	if err != nil {
		err = translate(fmt.Errorf("active price book: %w", err))
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return nil, &kassa.Error{Code: kassa.ENOTFOUND, Message: "no price book is active", Err: err}
		}
		return nil, err
	}
	return v, nil
}
