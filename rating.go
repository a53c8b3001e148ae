package kassa

import "context"

// Rating is the price of one unit (a message part or a billed minute) of a
// service to one number, as the active price book has it.
type Rating struct {
	Country     string      // alpha-2
	NetworkCode string      // "" when the country's default price applies
	NetworkName string      // "" when the country's default price applies
	NetworkType NetworkType // "" when the country's default price applies
	UnitPrice   Amount
	Currency    Currency
}

// Rater prices numbers (the pricing service implements it).
type Rater interface {
	// RatePlan returns the unit price of service t to number in currency
	// cur in price plan plan (DefaultPlan when ""). EINVALID (naming
	// "to") for a malformed number, ENOTFOUND when no price covers it,
	// EUNAVAILABLE when the plan has no active price book or cur cannot
	// be answered.
	RatePlan(ctx context.Context, plan string, t ServiceType, number string, cur Currency) (Rating, error)
}
