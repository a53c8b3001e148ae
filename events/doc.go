// Package events delivers kassa's events: what happened to accounts
// (balance.low, spend_cap.reached, reload.succeeded, …), which every change
// writes to the store's outbox in its own transaction (kassa.EventStore).
//
// Wire is the one JSON shape of an event, the same on the admin feed
// (GET /admin/v1/events) and in every webhook delivery. The Dispatcher
// runs on one node of a cluster at a time (a store lease): it fans new
// events out to the registered webhook endpoints and delivers them, signed
// like the auto-reload webhooks (X-Kassa-Timestamp, X-Kassa-Signature),
// through the outbound guard, in order per endpoint and account, at least
// once, retrying with exponential back-off for RetryFor (three days by
// default). docs/events.md describes the event types, their payloads, the
// signature, retries, ordering and the feed.
package events
