// Package ratelimit enforces per-key request rates (an account's API calls,
// pricing calls or outbound messages per second) with the generic cell rate
// algorithm: a token bucket of capacity equal to the rate, refilled
// continuously, kept as one "theoretical arrival time" per key. Keys live in
// a sync.Map and each bucket has its own mutex, so requests of different
// accounts never contend. The clock is injected. The counters live in this
// process: on several nodes each node enforces the limit on its own.
package ratelimit
