package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// spendColumnsOfS are the spend_controls columns spendRow reads, qualified
// with the alias s (all NULL when the account has no row).
const spendColumnsOfS = `s.low_balance_threshold, s.daily_cap, s.monthly_cap, s.low_balance_alerted,
	s.spend_day, s.spent_day, s.spend_month, s.spent_month, s.cap_event_day, s.cap_event_month`

// spendRow scans the spend_controls columns of an outer join.
type spendRow struct {
	threshold, daily, monthly        *int64
	alerted                          *bool
	day, daySpent, month, monthSpent *int64
	dayNotified, monthNotified       *int64
}

func (r *spendRow) dest() []any {
	return []any{&r.threshold, &r.daily, &r.monthly, &r.alerted,
		&r.day, &r.daySpent, &r.month, &r.monthSpent, &r.dayNotified, &r.monthNotified}
}

// spend is the scanned row as a kassa.Spend (zero for NULLs).
func (r *spendRow) spend() kassa.Spend {
	var s kassa.Spend
	s.LowBalanceThreshold, s.DailyCap, s.MonthlyCap = amountOrNil(r.threshold), amountOrNil(r.daily), amountOrNil(r.monthly)
	s.LowBalanceAlerted = r.alerted != nil && *r.alerted
	s.Day, s.DaySpent = fromNanos(deref(r.day)), kassa.Amount(deref(r.daySpent))
	s.Month, s.MonthSpent = fromNanos(deref(r.month)), kassa.Amount(deref(r.monthSpent))
	s.DayCapNotified, s.MonthCapNotified = fromNanos(deref(r.dayNotified)), fromNanos(deref(r.monthNotified))
	return s
}

func amountOrNil(v *int64) *kassa.Amount {
	if v == nil {
		return nil
	}
	a := kassa.Amount(*v)
	return &a
}

func deref(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}

// nullable stores a nil amount as NULL.
func nullable(a *kassa.Amount) any {
	if a == nil {
		return nil
	}
	return int64(*a)
}

// SetSpend stores the account's spend controls and state in the ledger
// transaction.
func (lt *ledgerTx) SetSpend(key string, s kassa.Spend) error {
	_, err := lt.tx.ExecContext(lt.ctx, `INSERT INTO spend_controls (account, low_balance_threshold, daily_cap, monthly_cap,
			low_balance_alerted, spend_day, spent_day, spend_month, spent_month, cap_event_day, cap_event_month, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
		ON CONFLICT (account) DO UPDATE SET low_balance_threshold = ?2, daily_cap = ?3, monthly_cap = ?4,
			low_balance_alerted = ?5, spend_day = ?6, spent_day = ?7, spend_month = ?8, spent_month = ?9,
			cap_event_day = ?10, cap_event_month = ?11, updated_at = ?12`,
		key, nullable(s.LowBalanceThreshold), nullable(s.DailyCap), nullable(s.MonthlyCap), s.LowBalanceAlerted,
		toNanos(s.Day), int64(s.DaySpent), toNanos(s.Month), int64(s.MonthSpent),
		toNanos(s.DayCapNotified), toNanos(s.MonthCapNotified), toNanos(lt.now))
	if err != nil {
		err = translate(fmt.Errorf("set spend controls of %s: %w", key, err))
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			return &kassa.Error{Code: kassa.ENOTFOUND, Message: "no such account", Err: err}
		}
		return err
	}
	return nil
}

// spentSinceSQL sums the charges and holds of an account (or of one of its
// shared-balance subaccounts, ?2) written from ?3 on, less the capture
// remainders, releases and refunds written from ?3 on that give back one
// of them: the original of a refund of a capture is its hold.
const spentSinceSQL = `SELECT
	COALESCE((SELECT SUM(-amount) FROM entries
		WHERE account = ?1 AND (?2 = '' OR subaccount = ?2) AND kind IN ('charge', 'hold') AND created_at >= ?3), 0)
	- COALESCE((SELECT SUM(r.amount) FROM entries r
		JOIN entries o ON o.id = r.related_id
		LEFT JOIN entries h ON o.kind = 'capture' AND h.id = o.related_id
		WHERE r.account = ?1 AND (?2 = '' OR r.subaccount = ?2) AND r.kind IN ('capture', 'release', 'refund')
			AND r.created_at >= ?3 AND COALESCE(h.created_at, o.created_at) >= ?3), 0)`

// SpentSince returns what the account (or its shared-balance subaccount)
// spent from since on.
func (lt *ledgerTx) SpentSince(account, subaccount string, since time.Time) (kassa.Amount, error) {
	var spent int64
	if err := lt.tx.QueryRowContext(lt.ctx, spentSinceSQL, account, subaccount, toNanos(since)).Scan(&spent); err != nil {
		return 0, translate(fmt.Errorf("spent by %s since %v: %w", account, since, err))
	}
	return kassa.Amount(spent), nil
}

// Spend returns an account's spend controls and state; the zero Spend when
// it has none. ENOTFOUND if there is no such account.
func (db *DB) Spend(ctx context.Context, apiKey string) (kassa.Spend, error) {
	if err := db.usable(); err != nil {
		return kassa.Spend{}, err
	}
	var key string
	var sp spendRow
	err := db.read.QueryRowContext(ctx, `SELECT a.api_key, `+spendColumnsOfS+`
		FROM accounts a LEFT JOIN spend_controls s ON s.account = a.api_key WHERE a.api_key = ?`, apiKey).
		Scan(append([]any{&key}, sp.dest()...)...)
	if err != nil {
		return kassa.Spend{}, accountNotFound(apiKey, err)
	}
	return sp.spend(), nil
}
