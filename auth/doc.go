// Package auth hashes and verifies API secrets. A secret is stored as
// HMAC-SHA256(pepper, salt || secret): the pepper is a server-side key that
// never reaches the database, the salt is random per secret. Verification is
// constant-time, and an Authenticator caches verified (key, secret) pairs for
// a short time so that hot endpoints such as get-balance skip the store's
// secret lookup. Its brute-force limiter (limiter.go) slows down and then
// locks out repeated failures per client and key, per client and per key.
package auth
