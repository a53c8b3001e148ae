package kassa

import (
	"context"
	"math/big"
	"regexp"
	"time"
)

// DefaultPlan is the price plan of every account that has not been given
// another, and the plan that holds the price books imported without one.
const DefaultPlan = "default"

// planNamePattern is what a plan's name may look like.
var planNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`)

// ValidPlanName reports whether name is acceptable as a plan's name: 1 to
// 40 lower-case letters, digits, '_' and '-', starting with a letter or a
// digit.
func ValidPlanName(name string) bool { return planNamePattern.MatchString(name) }

// Plan is a price plan (docs/pricing.md, "Price plans"): either a line of
// price-book versions of its own (Base is ""), imported, scheduled and
// activated as the default plan's are, or a derived plan that prices
// everything at its base plan's prices with Markup applied, following the
// base's activations.
type Plan struct {
	Name      string
	Base      string // the base plan of a derived plan; "" for a plan with its own price books
	Markup    Markup // a derived plan's markup; zero otherwise
	CreatedAt time.Time
}

// Derived reports whether the plan prices by a markup over its base.
func (p *Plan) Derived() bool { return p.Base != "" }

// Markup turns a base price into a derived plan's price: base × (1 +
// Percent/100) + Fixed, rounded half-even at 8 decimals, and at least Min.
// Fixed and Min are amounts of the answer's currency.
type Markup struct {
	Percent Amount // percent, exactly: 10.5 is 10.50000000
	Fixed   Amount // added per unit, never negative
	Min     Amount // the lowest price of the plan, never negative
}

// PlanStore keeps the price plans and which plan each account uses.
type PlanStore interface {
	// CreatePlan stores a new plan and fills p.CreatedAt. ECONFLICT if the
	// name is taken, ENOTFOUND if p.Base names no plan.
	CreatePlan(ctx context.Context, p *Plan) error
	// Plans lists every plan by name (the default plan among them).
	Plans(ctx context.Context) ([]*Plan, error)
	// DeletePlan removes a plan and its price-book versions. ECONFLICT
	// when it is the default plan, an account uses it or a derived plan
	// is based on it; ENOTFOUND when there is no such plan.
	DeletePlan(ctx context.Context, name string) error
	// SetAccountPlan gives an account its own plan ("" takes it away: the
	// account then uses its primary's plan, or the default one).
	// ENOTFOUND if the account or the plan does not exist.
	SetAccountPlan(ctx context.Context, apiKey, plan string) error
	// AccountPlan returns the plan an account uses, read now: its own,
	// else its primary's own, else DefaultPlan; and its own ("" when it
	// has none). ENOTFOUND if the account does not exist.
	AccountPlan(ctx context.Context, apiKey string) (effective, own string, err error)
}

// EffectivePlan returns the plan of an account whose own plan is own and
// whose primary's own plan is primary ("" for none, and for an account
// that is not a subaccount).
func EffectivePlan(own, primary string) string {
	switch {
	case own != "":
		return own
	case primary != "":
		return primary
	}
	return DefaultPlan
}

// hundredPercent is 100 % in the units of Markup.Percent.
const hundredPercent = 100 * 100_000_000

// Bounds of a markup (Validate): a price at most a thousand times its
// base's plus a million, so that no price of a book overflows.
const (
	MaxMarkupPercent = 100_000 * 100_000_000   // 100,000 %
	MaxMarkupAmount  = 1_000_000 * 100_000_000 // fixed and min: 1,000,000
)

// Validate checks a markup: Percent above -100 and at most
// MaxMarkupPercent, Fixed and Min from 0 to MaxMarkupAmount. The error is
// EINVALID and names the field (percent, fixed, min).
func (m Markup) Validate() error {
	switch {
	case m.Percent <= -hundredPercent || m.Percent > MaxMarkupPercent:
		return FieldError("percent", "percent must be above -100 and at most 100000")
	case m.Fixed < 0 || m.Fixed > MaxMarkupAmount:
		return FieldError("fixed", "fixed must be from 0 to 1000000")
	case m.Min < 0 || m.Min > MaxMarkupAmount:
		return FieldError("min", "min must be from 0 to 1000000")
	}
	return nil
}

// Apply returns the marked-up price of a base price: base × (1 +
// Percent/100), rounded half-even to 8 decimals, plus Fixed, and at least
// Min; exact (no float). ErrAmountOverflow when it does not fit.
func (m Markup) Apply(base Amount) (Amount, error) {
	num := new(big.Int).Mul(big.NewInt(int64(base)), big.NewInt(hundredPercent+int64(m.Percent)))
	v := RoundHalfEven(new(big.Rat).SetFrac(num, big.NewInt(hundredPercent)))
	if !v.IsInt64() {
		return 0, ErrAmountOverflow
	}
	p, err := Amount(v.Int64()).Add(m.Fixed)
	if err != nil {
		return 0, err
	}
	return max(p, m.Min), nil
}
