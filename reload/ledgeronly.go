package reload

import "context"

// LedgerOnly grants reloads and top-ups without taking a payment: for demo
// servers, tests and operators who bill their customers elsewhere. Its
// references start with "ledger-only" and the entries' reason says that no
// payment was taken.
type LedgerOnly struct{}

// Charge implements Gateway by approving every request.
func (LedgerOnly) Charge(_ context.Context, req PaymentRequest) (PaymentResult, error) {
	return PaymentResult{
		Reference: "ledger-only:" + req.IdempotencyKey,
		Note:      "ledger-only, no payment taken",
	}, nil
}
