package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
)

const planColumns = `name, base, markup_percent, markup_fixed, markup_min, created_at`

func scanPlan(s scanner) (*kassa.Plan, error) {
	var p kassa.Plan
	var created int64
	if err := s.Scan(&p.Name, &p.Base, &p.Markup.Percent, &p.Markup.Fixed, &p.Markup.Min, &created); err != nil {
		return nil, err
	}
	p.CreatedAt = fromNanos(created)
	return &p, nil
}

// planNotFound is the ENOTFOUND of a plan that does not exist (err is the
// failed read of it).
func planNotFound(plan string, err error) error {
	err = translate(fmt.Errorf("plan %q: %w", plan, err))
	if kassa.ErrorCode(err) == kassa.ENOTFOUND {
		return &kassa.Error{Code: kassa.ENOTFOUND, Field: "plan", Message: fmt.Sprintf("no plan %q", plan), Err: err}
	}
	return err
}

// errDerivedImport refuses a price book for a derived plan.
func errDerivedImport(plan, base string) error {
	return kassa.FieldError("plan", "plan %q is derived from %q: it has no price books of its own (import into %q)", plan, base, base)
}

// CreatePlan stores a new plan and fills p.CreatedAt. ECONFLICT if the
// name is taken, ENOTFOUND if p.Base names no plan.
func (db *DB) CreatePlan(ctx context.Context, p *kassa.Plan) error {
	var created time.Time
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		created = now
		if p.Base != "" {
			var base string
			if err := tx.QueryRowContext(ctx, `SELECT base FROM plans WHERE name = ?`, p.Base).Scan(&base); err != nil {
				return planNotFound(p.Base, err)
			}
			if base != "" {
				return kassa.FieldError("base", "plan %q is itself derived (from %q): a derived plan's base has price books of its own", p.Base, base)
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO plans (`+planColumns+`) VALUES (?, ?, ?, ?, ?, ?)`,
			p.Name, p.Base, p.Markup.Percent, p.Markup.Fixed, p.Markup.Min, toNanos(now))
		if kassa.ErrorCode(translate(err)) == kassa.ECONFLICT {
			return &kassa.Error{Code: kassa.ECONFLICT, Field: "name", Message: fmt.Sprintf("plan %q exists", p.Name), Err: err}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create plan %q: %w", p.Name, err)
	}
	p.CreatedAt = created
	return nil
}

// Plans lists every plan by name.
func (db *DB) Plans(ctx context.Context) ([]*kassa.Plan, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+planColumns+` FROM plans ORDER BY name`)
	if err != nil {
		return nil, translate(fmt.Errorf("list plans: %w", err))
	}
	list, err := collect(rows, scanPlan)
	if err != nil {
		return nil, translate(fmt.Errorf("list plans: %w", err))
	}
	return list, nil
}

// DeletePlan removes a plan that nothing uses, with its price-book
// versions. ECONFLICT for the default plan, a plan an account uses or a
// derived plan's base; ENOTFOUND when there is no such plan.
func (db *DB) DeletePlan(ctx context.Context, name string) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, _ time.Time) error {
		if name == kassa.DefaultPlan {
			return kassa.Errorf(kassa.ECONFLICT, "the default plan cannot be deleted")
		}
		var base string
		if err := tx.QueryRowContext(ctx, `SELECT base FROM plans WHERE name = ?`, name).Scan(&base); err != nil {
			return planNotFound(name, err)
		}
		var accounts, derived int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM accounts WHERE plan = ?), (SELECT COUNT(*) FROM plans WHERE base = ?)`,
			name, name).Scan(&accounts, &derived); err != nil {
			return err
		}
		if err := planInUse(name, accounts, derived); err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM price_book_chunks WHERE version IN (SELECT version FROM price_books WHERE plan = ?)`,
			`DELETE FROM price_books WHERE plan = ?`,
			`DELETE FROM plans WHERE name = ?`,
		} {
			if _, err := tx.ExecContext(ctx, q, name); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete plan %q: %w", name, err)
	}
	return nil
}

// planInUse is the ECONFLICT of deleting a plan that accounts or derived
// plans use; nil when none does.
func planInUse(name string, accounts, derived int) error {
	switch {
	case accounts > 0:
		return kassa.Errorf(kassa.ECONFLICT, "plan %q is in use by %d account(s): assign them another plan first", name, accounts)
	case derived > 0:
		return kassa.Errorf(kassa.ECONFLICT, "plan %q is the base of %d derived plan(s): delete them first", name, derived)
	}
	return nil
}

// SetAccountPlan gives an account its own plan ("" for none).
// ENOTFOUND if the account or the plan does not exist.
func (db *DB) SetAccountPlan(ctx context.Context, apiKey, plan string) error {
	err := db.inWriteTx(ctx, func(tx *sql.Tx, now time.Time) error {
		if plan != "" {
			var base string
			if err := tx.QueryRowContext(ctx, `SELECT base FROM plans WHERE name = ?`, plan).Scan(&base); err != nil {
				return planNotFound(plan, err)
			}
		}
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET plan = ?, updated_at = ? WHERE api_key = ?`, plan, toNanos(now), apiKey)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
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
// primary's own, else the default plan) and its own: from memory when it
// was read since the last write that may have changed it (planCache),
// else in one read.
func (db *DB) AccountPlan(ctx context.Context, apiKey string) (effective, own string, err error) {
	if err := db.usable(); err != nil {
		return "", "", err
	}
	if v, ok, _ := db.plans.get(apiKey); ok {
		return kassa.EffectivePlan(v[0], v[1]), v[0], nil
	}
	return db.readAccountPlan(ctx, apiKey)
}

// readAccountPlan is AccountPlan's read of the database when the cache
// misses (on its own, so that the cached path allocates nothing).
func (db *DB) readAccountPlan(ctx context.Context, apiKey string) (effective, own string, err error) {
	_, _, seq := db.plans.get(apiKey)
	var primary string
	err = db.read.QueryRowContext(ctx, `SELECT a.plan, COALESCE(p.plan, '') FROM accounts a
		LEFT JOIN accounts p ON p.api_key = a.primary_account AND a.primary_account <> ''
		WHERE a.api_key = ?`, apiKey).Scan(&own, &primary)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", kassa.Errorf(kassa.ENOTFOUND, "no account %s", apiKey)
	}
	if err != nil {
		return "", "", translate(fmt.Errorf("plan of %s: %w", apiKey, err))
	}
	db.plans.fill(apiKey, [2]string{own, primary}, seq)
	return kassa.EffectivePlan(own, primary), own, nil
}

// planCache holds the plans that AccountPlan read, as committed: per
// account its own plan and its primary's own. It is correct for the reason
// the balance cache is (balances.go): the DB is the database's one writer,
// and every write that may change an account's plan (any write transaction
// but a ledger one, a restore) empties it after it commits and before it
// returns, so a request that follows an acknowledged plan change reads the
// new plan. A read that misses fills it only when no such commit happened
// since the read started.
type planCache struct {
	// m maps an api key to its *[2]string: own plan, primary's own plan.
	// Reads take no lock (a sync.Map's loads write no shared memory, where
	// an RWMutex's read lock makes both cores update one counter on every
	// request); mu orders fill and reset, and seq changes under it.
	m     sync.Map
	mu    sync.Mutex
	seq   atomic.Uint64
	count int // keys filled since the map was last emptied (under mu)
}

// newPlanCache returns an empty cache.
func newPlanCache() *planCache { return &planCache{} }

// get returns the cached plans of key and, on a miss, the sequence to
// hand to fill. A nil cache always misses.
func (c *planCache) get(key string) (v [2]string, ok bool, seq uint64) {
	if c == nil {
		return v, false, 0
	}
	seq = c.seq.Load() // before the map: a reset after this makes fill drop what the caller reads
	if p, ok := c.m.Load(key); ok {
		return *p.(*[2]string), true, seq
	}
	return v, false, seq
}

// fill keeps v, read after get returned seq, unless a write committed
// since.
func (c *planCache) fill(key string, v [2]string, seq uint64) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq.Load() != seq {
		return
	}
	if c.count >= maxCachedBalances {
		c.m.Clear()
		c.count = 0
	}
	if _, loaded := c.m.Swap(key, &v); !loaded {
		c.count++
	}
}

// reset empties the cache after a write that may have changed any plan.
func (c *planCache) reset() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq.Add(1)
	c.m.Clear()
	c.count = 0
}
