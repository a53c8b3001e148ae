// Package reload tops up prepaid balances from the account holder's payment
// instrument: the public top-up (POST /account/top-up) and the auto-reload
// scheduler that credits accounts whose balance has fallen to their
// threshold.
//
// A payment goes through a Gateway (a signed webhook to the operator's
// billing service, or ledger-only grants for demos and tests); the credit
// goes through the charging ledger. Both use one idempotency key per
// reload, so a retry, a crash between payment and credit, or a second
// kassa node never charges twice for one credit nor credits twice for one
// payment. docs/auto-reload.md describes the settings, the webhook protocol
// and its signature, the scheduler and the daily cap.
package reload
