// Package app is kassa's application layer: one method of Service per use
// case (create an account, create, revoke or rotate a secret, update
// settings, credit or debit, rate, charge, hold, capture, release, refund,
// top up, configure auto-reload, limits and the credit limit). Each method
// validates its request, runs the store transaction (directly or through
// the ledger), invalidates the credential cache and writes the audit
// record, once. The transports (httpapi, web) and the first-start setup of
// cmd/kassa only translate between their wire and these methods; nothing
// else writes to a store on behalf of a caller.
//
// Every method takes the caller as an Actor (who, from where, through which
// surface) for the audit log. Errors are *kassa.Error values naming the
// offending field with the public API's parameter names; each transport
// maps them to its own wire shape.
package app
