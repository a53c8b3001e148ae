package app

import "github.com/kassa-dev/kassa"

// LimitsChange sets some of an account's limits; nil fields keep their
// value. Each given limit is 1 to MaxLimit per second.
type LimitsChange struct {
	MaxOutboundRequest *int
	MaxInboundRequest  *int
	MaxCallsPerSecond  *int
	PricingPerSecond   *int
}

// MaxLimit bounds every per-second limit.
const MaxLimit = 1_000_000

// AllLimits is the change that sets every limit to l.
func AllLimits(l kassa.Limits) LimitsChange {
	return LimitsChange{&l.MaxOutboundRequest, &l.MaxInboundRequest, &l.MaxCallsPerSecond, &l.PricingPerSecond}
}

// apply returns base with the change's fields set, each checked.
func (c LimitsChange) apply(base kassa.Limits) (kassa.Limits, error) {
	fields := []struct {
		name string
		v    *int
		dst  *int
	}{
		{"max_outbound_request", c.MaxOutboundRequest, &base.MaxOutboundRequest},
		{"max_inbound_request", c.MaxInboundRequest, &base.MaxInboundRequest},
		{"max_calls_per_second", c.MaxCallsPerSecond, &base.MaxCallsPerSecond},
		{"pricing_per_second", c.PricingPerSecond, &base.PricingPerSecond},
	}
	for _, f := range fields {
		if f.v == nil {
			continue
		}
		if *f.v < 1 || *f.v > MaxLimit {
			return base, kassa.FieldError(f.name, "%s must be between 1 and %d", f.name, MaxLimit)
		}
		*f.dst = *f.v
	}
	return base, nil
}

// checkCreditLimit refuses a positive floor.
func checkCreditLimit(floor kassa.Amount) error {
	if floor > 0 {
		return kassa.FieldError("credit_limit", "credit_limit must be zero or negative")
	}
	return nil
}

// Bounds of an auto-reload configuration.
const (
	MaxTrxLen   = 255
	MaxDailyCap = 1000
)

// checkAutoReload checks an auto-reload configuration.
func checkAutoReload(ar kassa.AutoReload) error {
	if len(ar.Trx) > MaxTrxLen {
		return kassa.FieldError("trx", "trx must be at most %d characters", MaxTrxLen)
	}
	if err := checkText("trx", ar.Trx, MaxTrxLen); err != nil {
		return err
	}
	if ar.Enabled && ar.Trx == "" {
		return kassa.FieldError("trx", "trx is required when auto-reload is enabled")
	}
	if ar.Amount <= 0 {
		return kassa.FieldError("amount", "amount must be positive")
	}
	if ar.Threshold < 0 {
		return kassa.FieldError("threshold", "threshold must not be negative")
	}
	if ar.DailyCap < 0 || ar.DailyCap > MaxDailyCap {
		return kassa.FieldError("daily_cap", "daily_cap must be from 0 to %d", MaxDailyCap)
	}
	return nil
}
