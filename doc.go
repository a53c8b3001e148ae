// Package kassa holds the domain of the kassa account service: accounts and
// their settings, exact money amounts, the ledger, price books, secrets and
// the store interfaces that every backend implements.
//
// It imports nothing but the standard library. Every other package of the
// module depends on it and it depends on none of them: httpapi, sqlite,
// postgres, pricing, charging and the rest speak to each other only in the
// terms defined here.
package kassa
