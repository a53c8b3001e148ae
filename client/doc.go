// Package client is the Go client of a kassa server: the public Account API
// (wire-compatible with the Vonage/Nexmo Developer Account API), the
// Subaccounts API (Subaccounts, CreateSubaccount, TransferBalance, … with a
// primary account's credentials), the admin API and the platform API.
//
// Every call takes a context first and returns typed results whose money
// fields are exact kassa.Amount values, never floats. Failures the server
// reports come back as *Error, which works with errors.As and maps onto the
// kassa error codes with (*Error).KassaCode.
//
// A Client retries a request that the server refused with 429 Too Many
// Requests (honouring Retry-After), and retries a request that failed to
// connect or got 502, 503 or 504 only when repeating it is safe: GET and PUT
// requests, and POST requests that carry an Idempotency-Key. Waits grow
// exponentially with full jitter, the number of retries is bounded
// (WithRetries), a Retry-After beyond DefaultMaxRetryAfter or beyond the
// context's deadline is not waited (the 429 is returned at once, with
// RetryAfter set), and cancelling the context ends any wait.
//
//	c := client.New("http://localhost:8080", client.WithCredentials(key, secret))
//	bal, err := c.Balance(ctx)
//
// Admin calls need WithAdminToken, platform calls WithServiceToken.
package client
