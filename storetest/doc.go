// Package storetest is the conformance suite of kassa.Store: Run exercises
// every part of the interface against a fresh store, and both the SQLite and
// the PostgreSQL stores must pass it. It uses only the kassa interfaces. The
// package also offers helpers (Clock, MustCreateAccount, …) for other
// packages' tests that need a store with data in it.
package storetest
