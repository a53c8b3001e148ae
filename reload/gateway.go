package reload

import (
	"context"
	"errors"

	"github.com/kassa-dev/kassa"
)

// PaymentRequest is one payment a Gateway is asked to take.
type PaymentRequest struct {
	Account        string         // api key of the account credited
	Trx            string         // the payment reference given when auto-reload was set up
	Amount         kassa.Amount   // positive, in Currency
	Currency       kassa.Currency // the account's billing currency
	IdempotencyKey string         // the same for every attempt at this payment
}

// PaymentResult is a payment the Gateway took.
type PaymentResult struct {
	Reference string // the payment's reference at the gateway, stored on the ledger entry
	Note      string // how it was paid, for the entry's reason ("paid via webhook gateway")
}

// Gateway takes payments. Charge returns:
//   - a PaymentResult when the payment was taken;
//   - a *kassa.Error with code EPAYMENTDECLINED when it was refused, or when
//     no gateway is configured (nothing was paid);
//   - an error for which UnknownOutcome is true when it cannot tell (a
//     timeout, a 5xx, a broken connection): the payment may or may not have
//     been taken, and retrying with the same IdempotencyKey is safe.
//
// A gateway must treat two requests with one IdempotencyKey as one payment.
type Gateway interface {
	Charge(ctx context.Context, req PaymentRequest) (PaymentResult, error)
}

// NotConfiguredMessage is the error message of every top-up and reload when
// kassa runs without a gateway.
const NotConfiguredMessage = "auto-reload gateway not configured: start kassa with --reload-gateway webhook|ledger-only"

// NotConfigured is the Gateway used when none is configured: it declines
// every payment, so that no credit is ever granted for free.
type NotConfigured struct{}

// Charge implements Gateway by declining.
func (NotConfigured) Charge(context.Context, PaymentRequest) (PaymentResult, error) {
	return PaymentResult{}, kassa.Errorf(kassa.EPAYMENTDECLINED, "%s", NotConfiguredMessage)
}

// Declined returns the error of a refused payment.
func Declined(reason string) error {
	return kassa.Errorf(kassa.EPAYMENTDECLINED, "payment declined: %s", reason)
}

// unknownOutcomeError marks an error after which the payment may or may not
// have been taken.
type unknownOutcomeError struct{ err error }

func (e *unknownOutcomeError) Error() string { return "payment outcome unknown: " + e.err.Error() }
func (e *unknownOutcomeError) Unwrap() error { return e.err }

// UnknownOutcomeError wraps err to say that the payment's outcome is
// unknown and a retry with the same idempotency key is needed.
func UnknownOutcomeError(err error) error { return &unknownOutcomeError{err: err} }

// UnknownOutcome reports whether err leaves the payment's outcome unknown.
// Context cancellations and deadlines count: the request may have reached
// the gateway.
func UnknownOutcome(err error) bool {
	var u *unknownOutcomeError
	return errors.As(err, &u) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
