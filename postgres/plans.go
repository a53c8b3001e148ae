package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kassa-dev/kassa"
)

const planColumns = `name, base, markup_percent, markup_fixed, markup_min, created_at`

func scanPlan(row pgx.Row) (*kassa.Plan, error) {
	var p kassa.Plan
	if err := row.Scan(&p.Name, &p.Base, &p.Markup.Percent, &p.Markup.Fixed, &p.Markup.Min, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return &p, nil
}

// planNotFound is the ENOTFOUND of a plan that does not exist (err is the
// failed read of it).
func planNotFound(plan string, err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return &kassa.Error{Code: kassa.ENOTFOUND, Field: "plan", Message: fmt.Sprintf("no plan %q", plan), Err: err}
	}
	return translate(fmt.Errorf("plan %q: %w", plan, err))
}

// errDerivedImport refuses a price book for a derived plan.
func errDerivedImport(plan, base string) error {
	return kassa.FieldError("plan", "plan %q is derived from %q: it has no price books of its own (import into %q)", plan, base, base)
}

// notifyPlans tells every node (on the price-book channel) that the plans
// changed, when tx commits.
func (db *DB) notifyPlans(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", db.channel(), "plan "+name)
	return err
}

// CreatePlan stores a new plan and fills p.CreatedAt, and notifies every
// node. ECONFLICT if the name is taken, ENOTFOUND if p.Base names no plan.
func (db *DB) CreatePlan(ctx context.Context, p *kassa.Plan) error {
	var created time.Time
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		created = now
		if p.Base != "" {
			var base string
			if err := tx.QueryRow(ctx, `SELECT base FROM plans WHERE name = $1 FOR SHARE`, p.Base).Scan(&base); err != nil {
				return planNotFound(p.Base, err)
			}
			if base != "" {
				return kassa.FieldError("base", "plan %q is itself derived (from %q): a derived plan's base has price books of its own", p.Base, base)
			}
		}
		tag, err := tx.Exec(ctx, `INSERT INTO plans (`+planColumns+`) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
			p.Name, p.Base, p.Markup.Percent, p.Markup.Fixed, p.Markup.Min, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &kassa.Error{Code: kassa.ECONFLICT, Field: "name", Message: fmt.Sprintf("plan %q exists", p.Name)}
		}
		return db.notifyPlans(ctx, tx, p.Name)
	})
	if err != nil {
		return fmt.Errorf("create plan %q: %w", p.Name, err)
	}
	p.CreatedAt = created
	return nil
}

// Plans lists every plan by name.
func (db *DB) Plans(ctx context.Context) ([]*kassa.Plan, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+planColumns+` FROM plans ORDER BY name`)
	if err != nil {
		return nil, translate(fmt.Errorf("list plans: %w", err))
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*kassa.Plan, error) { return scanPlan(row) })
	if err != nil {
		return nil, translate(fmt.Errorf("list plans: %w", err))
	}
	return list, nil
}

// DeletePlan removes a plan that nothing uses, with its price-book
// versions, and notifies every node. ECONFLICT for the default plan, a
// plan an account uses or a derived plan's base; ENOTFOUND when there is
// no such plan.
func (db *DB) DeletePlan(ctx context.Context, name string) error {
	err := db.inTx(ctx, func(tx pgx.Tx, _ time.Time) error {
		if name == kassa.DefaultPlan {
			return kassa.Errorf(kassa.ECONFLICT, "the default plan cannot be deleted")
		}
		// The row lock orders this with SetAccountPlan and CreatePlan,
		// which lock the plan they name FOR SHARE.
		var base string
		if err := tx.QueryRow(ctx, `SELECT base FROM plans WHERE name = $1 FOR UPDATE`, name).Scan(&base); err != nil {
			return planNotFound(name, err)
		}
		var accounts, derived int
		if err := tx.QueryRow(ctx, `SELECT (SELECT COUNT(*) FROM accounts WHERE plan = $1), (SELECT COUNT(*) FROM plans WHERE base = $1)`,
			name).Scan(&accounts, &derived); err != nil {
			return err
		}
		switch {
		case accounts > 0:
			return kassa.Errorf(kassa.ECONFLICT, "plan %q is in use by %d account(s): assign them another plan first", name, accounts)
		case derived > 0:
			return kassa.Errorf(kassa.ECONFLICT, "plan %q is the base of %d derived plan(s): delete them first", name, derived)
		}
		for _, q := range []string{
			`DELETE FROM price_book_chunks WHERE version IN (SELECT version FROM price_books WHERE plan = $1)`,
			`DELETE FROM price_books WHERE plan = $1`,
			`DELETE FROM plans WHERE name = $1`,
		} {
			if _, err := tx.Exec(ctx, q, name); err != nil {
				return err
			}
		}
		return db.notifyPlans(ctx, tx, name)
	})
	if err != nil {
		return fmt.Errorf("delete plan %q: %w", name, err)
	}
	return nil
}

// SetAccountPlan gives an account its own plan ("" for none).
// ENOTFOUND if the account or the plan does not exist.
func (db *DB) SetAccountPlan(ctx context.Context, apiKey, plan string) error {
	err := db.inTx(ctx, func(tx pgx.Tx, now time.Time) error {
		if plan != "" {
			var base string
			if err := tx.QueryRow(ctx, `SELECT base FROM plans WHERE name = $1 FOR SHARE`, plan).Scan(&base); err != nil {
				return planNotFound(plan, err)
			}
		}
		tag, err := tx.Exec(ctx, `UPDATE accounts SET plan = $2, updated_at = $3 WHERE api_key = $1`, apiKey, plan, now)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return kassa.Errorf(kassa.ENOTFOUND, "no account %s", apiKey)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set plan of %s: %w", apiKey, err)
	}
	return nil
}

// AccountPlan returns the plan an account uses (its own, else its
// primary's own, else the default plan) and its own, in one read.
func (db *DB) AccountPlan(ctx context.Context, apiKey string) (effective, own string, err error) {
	var primary string
	err = db.pool.QueryRow(ctx, `SELECT a.plan, COALESCE(p.plan, '') FROM accounts a
		LEFT JOIN accounts p ON p.api_key = a.primary_account AND a.primary_account <> ''
		WHERE a.api_key = $1`, apiKey).Scan(&own, &primary)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", kassa.Errorf(kassa.ENOTFOUND, "no account %s", apiKey)
	}
	if err != nil {
		return "", "", translate(fmt.Errorf("plan of %s: %w", apiKey, err))
	}
	return kassa.EffectivePlan(own, primary), own, nil
}
