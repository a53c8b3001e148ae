package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/kassa-dev/kassa"
)

// Page sizes of the list methods.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// page checks and defaults a limit and offset: Limit 0 is DefaultPageSize,
// larger limits than MaxPageSize are cut to it, negative ones are EINVALID.
func page(limit, offset int) (int, int, error) {
	switch {
	case limit < 0:
		return 0, 0, kassa.FieldError("limit", "must not be negative")
	case offset < 0:
		return 0, 0, kassa.FieldError("offset", "must not be negative")
	case limit == 0:
		limit = DefaultPageSize
	case limit > MaxPageSize:
		limit = MaxPageSize
	}
	return limit, offset, nil
}

// listPage counts the rows of table matching where and reads one page of
// them in the given order, both in one read transaction so that the total
// and the page agree.
func listPage[T any](ctx context.Context, db *DB, what, columns, table, where, order string, args []any,
	limit, offset int, scan func(scanner) (*T, error)) ([]*T, int, error) {
	return listPageCounted(ctx, db, what, columns, table, where, order, args, where, args, limit, offset, scan)
}

// listPageCounted is listPage with the total counted under its own
// condition (countWhere, countArgs): a keyset cursor narrows the page, not
// the total.
func listPageCounted[T any](ctx context.Context, db *DB, what, columns, table, where, order string, args []any,
	countWhere string, countArgs []any, limit, offset int, scan func(scanner) (*T, error)) ([]*T, int, error) {
	count := func(tx *sql.Tx) (int, error) {
		var total int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+countWhere, countArgs...).Scan(&total)
		return total, err
	}
	return listPageTotal(ctx, db, what, columns, table, where, order, args, count, limit, offset, scan)
}

// listPageTotal is listPage with the total from count, which runs in the
// page's read transaction.
func listPageTotal[T any](ctx context.Context, db *DB, what, columns, table, where, order string, args []any,
	count func(*sql.Tx) (int, error), limit, offset int, scan func(scanner) (*T, error)) ([]*T, int, error) {
	if err := db.usable(); err != nil {
		return nil, 0, err
	}
	limit, offset, err := page(limit, offset)
	if err != nil {
		return nil, 0, err
	}
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, translate(fmt.Errorf("list %s: %w", what, err))
	}
	defer tx.Rollback()
	total, err := count(tx)
	if err != nil {
		return nil, 0, translate(fmt.Errorf("count %s: %w", what, err))
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM `+table+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, translate(fmt.Errorf("list %s: %w", what, err))
	}
	list, err := collect(rows, scan)
	if err != nil {
		return nil, 0, translate(fmt.Errorf("list %s: %w", what, err))
	}
	return list, total, nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (*T, error)) ([]*T, error) {
	defer rows.Close()
	list := []*T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}
