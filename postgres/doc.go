// Package postgres is kassa's PostgreSQL store: several stateless kassa nodes
// share one database through it.
//
// Open connects a pgx pool, applies the embedded numbered migrations (the
// same numbering as the SQLite store) unless told not to, and returns a *DB
// that implements kassa.Store and kassa.PriceBookWatcher. Every ledger write
// runs in one transaction that locks the accounts it touches with SELECT …
// FOR UPDATE and is retried as a whole on a serialization failure or a
// deadlock; commits are durable (synchronous_commit is forced on for every
// session). Leases live in a table and expire by the store's clock, and price
// book activations are announced with NOTIFY so that every node reloads.
package postgres
