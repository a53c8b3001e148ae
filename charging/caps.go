package charging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kassa-dev/kassa"
)

// Spend caps (docs/ledger.md#spend-controls). A charge or a hold counts
// against the caps of the account it is for and, when a primary pays for
// a shared-balance subaccount, against the primary's too (it is the
// primary's money). What gives one of them back (a capture's remainder, a
// release, a refund) gives the room back to the period the charge or hold
// was made in, if that period is still running. The counters live with
// the controls (kassa.SpendState), are kept only while a cap is set, and
// change only in ledger transactions that hold the account's lock, so a
// cap is exact under any concurrency: the last charge that fits is taken,
// the next one refused.

// capAccounts are the keys of the accounts whose caps a charge or hold of
// sp counts against: the account it is for and, when different, the payer.
func (sp *spending) capAccounts() []string {
	if sp.payer.APIKey == sp.account.APIKey {
		return []string{sp.account.APIKey}
	}
	return []string{sp.account.APIKey, sp.payer.APIKey}
}

// roll moves the counters of s to the day and the month of now: a new
// period starts from 0.
func roll(s *kassa.Spend, now time.Time) {
	if day := kassa.DayStart(now); !s.Day.Equal(day) {
		s.Day, s.DaySpent = day, 0
	}
	if month := kassa.MonthStart(now); !s.Month.Equal(month) {
		s.Month, s.MonthSpent = month, 0
	}
}

// checkCaps refuses (ESPENDCAP) a charge or hold of amount that would take
// what one of sp's accounts spent in the current day or month beyond its
// cap; the monthly cap is named first, since the daily reset would not
// help.
func checkCaps(tx kassa.LedgerTx, sp *spending, amount kassa.Amount) error {
	now := tx.Now()
	for _, key := range sp.capAccounts() {
		b, err := balance(tx, key)
		if err != nil {
			return err
		}
		s := b.Spend
		if !s.HasCaps() {
			continue
		}
		roll(&s, now)
		if over(s.MonthSpent, amount, s.MonthlyCap) {
			return capRefused(b, sp, kassa.CapMonthly, *s.MonthlyCap, s.MonthSpent, amount, s.Month, s.Month.AddDate(0, 1, 0), s.MonthCapNotified)
		}
		if over(s.DaySpent, amount, s.DailyCap) {
			return capRefused(b, sp, kassa.CapDaily, *s.DailyCap, s.DaySpent, amount, s.Day, s.Day.AddDate(0, 0, 1), s.DayCapNotified)
		}
	}
	return nil
}

// over reports whether spent + amount exceeds limit (never when there is
// no limit).
func over(spent, amount kassa.Amount, limit *kassa.Amount) bool {
	if limit == nil {
		return false
	}
	total, err := spent.Add(amount)
	return err != nil || total > *limit
}

// capRefusal is the cause of an ESPENDCAP refusal: the cap, and whether
// spend_cap.reached is still to be written for its period (with the
// accounts to lock to write it).
type capRefusal struct {
	*kassa.CapError
	notify bool
	locks  []string
}

// Unwrap gives the kassa.CapError to errors.As.
func (r *capRefusal) Unwrap() error { return r.CapError }

// capRefused builds the refusal of a charge or hold by b's cap.
func capRefused(b *kassa.AccountBalance, sp *spending, capName string, limit, spent, amount kassa.Amount, period, resets, notified time.Time) error {
	ce := &kassa.CapError{Account: b.APIKey, Cap: capName, Limit: limit, Spent: spent, Amount: amount,
		Currency: b.Currency, Period: period, ResetsAt: resets}
	unit := "today"
	if capName == kassa.CapMonthly {
		unit = "this month"
	}
	return &kassa.Error{
		Code: kassa.ESPENDCAP,
		Message: fmt.Sprintf("the %s spend cap of %s (%s %s) is reached: %s %s spent %s, %s %s more would exceed it; it resets at %s",
			capName, b.APIKey, limit, b.Currency, spent, b.Currency, unit, amount, b.Currency, resets.UTC().Format(time.RFC3339)),
		Err: &capRefusal{CapError: ce, notify: !notified.Equal(period), locks: sp.capAccounts()},
	}
}

// addSpend counts amount, just taken by a charge or hold of sp, in the
// counters of sp's capped accounts.
func addSpend(tx kassa.LedgerTx, sp *spending, amount kassa.Amount) error {
	now := tx.Now()
	for _, key := range sp.capAccounts() {
		b, err := balance(tx, key)
		if err != nil {
			return err
		}
		s := b.Spend
		if !s.HasCaps() {
			continue
		}
		roll(&s, now)
		var err1, err2 error
		s.DaySpent, err1 = s.DaySpent.Add(amount)
		s.MonthSpent, err2 = s.MonthSpent.Add(amount)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("count spending of %s: %w", key, err)
		}
		if err := tx.SetSpend(key, s); err != nil {
			return err
		}
	}
	return nil
}

// giveBack returns amount, given back of a charge or hold made at orig on
// payer's balance (for subaccount, when not ""), to the counters of the
// period orig is in, if that period is still the current one.
func giveBack(tx kassa.LedgerTx, payer, subaccount string, amount kassa.Amount, orig time.Time) error {
	if amount <= 0 {
		return nil
	}
	now := tx.Now()
	keys := []string{payer}
	if subaccount != "" {
		keys = append(keys, subaccount)
	}
	for _, key := range keys {
		b, err := balance(tx, key)
		if err != nil {
			return err
		}
		s := b.Spend
		if !s.HasCaps() {
			continue
		}
		roll(&s, now)
		changed := false
		if kassa.DayStart(orig).Equal(s.Day) {
			s.DaySpent, changed = max(s.DaySpent-amount, 0), true
		}
		if kassa.MonthStart(orig).Equal(s.Month) {
			s.MonthSpent, changed = max(s.MonthSpent-amount, 0), true
		}
		if !changed {
			continue
		}
		if err := tx.SetSpend(key, s); err != nil {
			return err
		}
	}
	return nil
}

// refundOrigin is when the spending a refund gives back was made: the
// charge, or, for a capture, its hold.
func refundOrigin(tx kassa.LedgerTx, c *kassa.Entry) (time.Time, error) {
	if c.Kind == kassa.KindCharge {
		return c.CreatedAt, nil
	}
	h, err := readHold(tx, c.HoldID)
	if err != nil {
		return time.Time{}, err
	}
	return h.CreatedAt, nil
}

// capNote is a spend_cap.reached event to write after a refusal.
type capNote struct {
	*kassa.CapError
	locks []string
}

// capNotes returns the spend_cap.reached events the results' refusals
// call for.
func capNotes(results []result) []capNote {
	var notes []capNote
	for _, r := range results {
		var ref *capRefusal
		if r.err != nil && errors.As(r.err, &ref) && ref.notify {
			notes = append(notes, capNote{CapError: ref.CapError, locks: ref.locks})
		}
	}
	return notes
}

// writeCapEvents writes spend_cap.reached for each note whose account has
// not had it for the note's cap and period, marking that it has (in the
// account's spend state), in one transaction after the refusals'. A
// failure is logged: the next refusal tries again.
func (l *Ledger) writeCapEvents(results []result) {
	notes := capNotes(results)
	if len(notes) == 0 {
		return
	}
	err := l.inTx(func(tx kassa.LedgerTx) error {
		var keys []string
		for _, n := range notes {
			keys = append(keys, n.locks...)
		}
		if keys = sortedKeys(keys); len(keys) > 0 {
			if err := tx.LockAccounts(keys...); err != nil {
				return fmt.Errorf("lock accounts: %w", err)
			}
		}
		for _, n := range notes {
			if err := writeCapEvent(tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		l.log.Error("write spend_cap.reached", "err", err)
	}
}

// writeCapEvent writes one spend_cap.reached unless its account already
// has it for the cap and period.
func writeCapEvent(tx kassa.LedgerTx, n capNote) error {
	b, err := balance(tx, n.Account)
	if err != nil {
		return err
	}
	s := b.Spend
	flag := &s.DayCapNotified
	if n.Cap == kassa.CapMonthly {
		flag = &s.MonthCapNotified
	}
	if flag.Equal(n.Period) {
		return nil
	}
	*flag = n.Period
	ev, err := kassa.NewEvent(kassa.EventSpendCapReached, n.Account, kassa.SpendCapReachedData{
		Cap: n.Cap, Limit: n.Limit.String(), Spent: n.Spent.String(), Amount: n.Amount.String(), Currency: string(n.Currency),
		PeriodStart: n.Period.UTC().Format(time.RFC3339), ResetsAt: n.ResetsAt.UTC().Format(time.RFC3339),
	})
	if err != nil {
		return err
	}
	if err := tx.AppendEvent(ev); err != nil {
		return err
	}
	return tx.SetSpend(n.Account, s)
}

// SpendControlsRequest changes an account's spend controls: each control
// whose Setting is not nil is set to its Value (removed when Value is nil);
// the others keep their value (read in the transaction, so two changes of
// different controls never undo each other).
type SpendControlsRequest struct {
	Account string
	Primary string // the account's primary when it is a subaccount (locked too); "" otherwise
	// Replace sets the controls to Controls whole, ignoring the Settings.
	Replace  bool
	Controls kassa.SpendControls
	// LowBalanceThreshold, DailyCap and MonthlyCap change one control each.
	LowBalanceThreshold, DailyCap, MonthlyCap *Setting
}

// Setting is the new value of one control: Value, or none (nil).
type Setting struct {
	Value *kassa.Amount
}

// apply returns c with the request's changes.
func (req *SpendControlsRequest) apply(c kassa.SpendControls) kassa.SpendControls {
	if req.Replace {
		return req.Controls
	}
	for _, ch := range []struct {
		s   *Setting
		dst **kassa.Amount
	}{{req.LowBalanceThreshold, &c.LowBalanceThreshold}, {req.DailyCap, &c.DailyCap}, {req.MonthlyCap, &c.MonthlyCap}} {
		if ch.s != nil {
			*ch.dst = ch.s.Value
		}
	}
	return c
}

// SetSpendControls changes an account's spend controls in one ledger
// transaction holding its lock (and its primary's), so that it is exact
// against concurrent charges: with a cap, the counters start from what
// the account spent in the current day and month (kassa.LedgerTx.SpentSince);
// with a threshold, the alert state follows the balance at once (a
// threshold above the balance writes balance.low now; one below a balance
// that was alerted writes balance.recovered). A shared-balance subaccount
// has no balance of its own: a threshold on it is EINVALID (its primary's
// threshold covers the balance it spends). It returns the controls with
// their state.
func (l *Ledger) SetSpendControls(ctx context.Context, req SpendControlsRequest) (kassa.Spend, error) {
	if req.Account == "" {
		return kassa.Spend{}, kassa.FieldError("account", "is required")
	}
	v, _, err := l.submit(ctx, &op{
		name:    "set spend controls",
		account: req.Account,
		also:    withSubaccount(req.Primary),
		apply: func(tx kassa.LedgerTx) (any, bool, error) {
			s, err := applySpendControls(tx, req)
			return s, false, err
		},
	})
	if err != nil {
		return kassa.Spend{}, err
	}
	return v.(kassa.Spend), nil
}

// applySpendControls writes the controls, their counters and the alert
// state.
func applySpendControls(tx kassa.LedgerTx, req SpendControlsRequest) (kassa.Spend, error) {
	b, err := balance(tx, req.Account)
	if err != nil {
		return kassa.Spend{}, err
	}
	if b.Primary != req.Primary {
		return kassa.Spend{}, &kassa.Error{Code: kassa.EINTERNAL, Message: "internal error",
			Err: fmt.Errorf("account %s has primary %q, the operation locked %q", req.Account, b.Primary, req.Primary)}
	}
	s := b.Spend
	s.SpendControls = req.apply(s.SpendControls)
	if b.SharedBalance && s.LowBalanceThreshold != nil {
		return kassa.Spend{}, kassa.FieldError("low_balance_threshold",
			"%s spends the balance of its primary %s: set the low-balance threshold on the primary", b.APIKey, b.Primary)
	}
	if s.HasCaps() {
		now := tx.Now()
		payer, sub := b.APIKey, ""
		if b.SharedBalance {
			payer, sub = b.Primary, b.APIKey
		}
		s.Day, s.Month = kassa.DayStart(now), kassa.MonthStart(now)
		if s.DaySpent, err = tx.SpentSince(payer, sub, s.Day); err != nil {
			return kassa.Spend{}, err
		}
		if s.MonthSpent, err = tx.SpentSince(payer, sub, s.Month); err != nil {
			return kassa.Spend{}, err
		}
	}
	if s.LowBalanceThreshold == nil {
		s.LowBalanceAlerted = false
	}
	if err := tx.SetSpend(b.APIKey, s); err != nil {
		return kassa.Spend{}, err
	}
	if s.LowBalanceThreshold != nil {
		nb := *b
		nb.Spend = s
		if err := writeAlert(tx, &nb, 0); err != nil {
			return kassa.Spend{}, err
		}
	}
	after, err := balance(tx, b.APIKey)
	if err != nil {
		return kassa.Spend{}, err
	}
	return after.Spend, nil
}
