// Package testkit holds the small helpers that the tests of several kassa
// packages share, so that each package's tests need not repeat them. It is
// a normal package, imported only by _test.go files; it never holds
// assertions of its own.
//
// The settable clock the tests share is storetest.Clock.
package testkit
