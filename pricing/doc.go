// Package pricing turns price books into immutable, pre-rendered snapshots
// and keeps the current one available to every request without locks.
//
// A kassa.PriceBook (prices per service type, country and network, in EUR
// or USD) is compiled together with the reference data (refdata) into a
// Snapshot: the outbound pricing answers of the Account API pre-rendered as
// JSON and XML (the full lists also gzip-compressed, with a strong ETag),
// a typed view for the dashboard, and a longest-prefix index that rates a
// phone number without allocating. A Service loads the active price-book
// version from a kassa.PriceBookStore, imports and activates new versions,
// and swaps the snapshot atomically when the active version changes.
//
// Rate decks are imported from CSV (ParseCSV) or from the API's own
// get-full-pricing JSON (ParseFullPricingJSON), and exported the same ways.
// DemoBook builds the labelled demo tariff that a fresh installation starts
// with. docs/pricing.md describes the model, the CSV columns, FX rates and
// activation.
package pricing
