package pricing

import (
	"strings"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// Snapshot is one compiled price-book version: immutable, safe for any
// number of concurrent readers, built by Compile (or by a Service from its
// store).
//
// Its layout is compact (docs/pricing.md, "Memory"): every network in one
// string arena (netTable, with per network and service type the index of
// its own price), each distinct price once (entries), and a packed
// longest-prefix index. The prefix structure (networks, ranges,
// index) does not depend on the prices, so that price plans derived from
// a book can share it. Answers are pre-rendered when they are small
// enough in all; a large book renders each answer as it is written.
type Snapshot struct {
	version int64
	ref     *refdata.Data

	countries  []kassa.Country // every reference country, sorted by code
	countryIdx map[string]int  // alpha-2 → index in countries
	nets       netTable
	index      rateIndex

	entries []priceEntry       // each distinct price of the book
	def     [numTypes][]uint32 // per type and country: its default's entry index + 1
	demo    [numTypes]bool     // the type's prices are demo prices
	views   [numTypes][numCurrencies]*view
	// unavailable says why a (type, currency) has no view.
	unavailable [numTypes][numCurrencies]error

	streamed    bool     // answers are rendered as they are written
	fingerprint [32]byte // identifies the answers (streamed answers' ETags)
	prefixCache *sync.Map
	warnings    []string // what CompileOptions.SkipStale dropped

	// A derived plan's snapshot (Derive) shares base's networks, index and
	// price entries and brings its own views (marked-up amounts, answers).
	plan   string       // the derived plan's name; "" for a compiled book
	base   *Snapshot    // the snapshot derived from; nil for a compiled book
	markup kassa.Markup // what Derive applied

	book     *kassa.PriceBook                 // the book compiled, when Compile was given one
	loadBook func() (*kassa.PriceBook, error) // reads the book back from a store
}

// CountryPrice is the typed view of one country's prices in one service
// type and currency, as the dashboard shows them.
type CountryPrice struct {
	Country      kassa.Country
	Currency     kassa.Currency
	Priced       bool // the book prices the country (a default or any network)
	HasDefault   bool // DefaultPrice is set
	DefaultPrice kassa.Amount
	Networks     []NetworkPrice // empty when the country is not priced
}

// NetworkPrice is the price of one network: its own line, or the country
// default when the book has no line for it.
type NetworkPrice struct {
	Network kassa.Network
	Price   kassa.Amount
	Own     bool // the book has a line for this network
}

// Version returns the price-book version the snapshot was compiled from (0
// when compiled outside a Service).
func (s *Snapshot) Version() int64 { return s.version }

// Book returns the price book the snapshot was compiled from. It must not
// be changed. A small book (its answers pre-rendered) is kept decoded; a
// large one that a Service compiled is read back from that Service's store,
// all of it in memory (nil when that fails, as when the store was closed
// since): Service.ExportCSV and ImportDeck stream instead.
func (s *Snapshot) Book() *kassa.PriceBook {
	if s.book != nil || s.loadBook == nil {
		return s.book
	}
	b, err := s.loadBook()
	if err != nil {
		return nil
	}
	return b
}

// DemoPrices reports whether the prices of service type t are made-up
// demo prices (the demo tariff, or what a merged deck left of it), which
// every surface that shows them must say.
func (s *Snapshot) DemoPrices(t kassa.ServiceType) bool {
	ti, ok := typeIndex(t)
	return ok && s.demo[ti]
}

// Warnings lists the lines and book networks that compiling with
// CompileOptions.SkipStale dropped because the reference data no longer
// matches them; empty otherwise.
func (s *Snapshot) Warnings() []string { return s.warnings }

// Ref returns the reference data the snapshot was compiled with.
func (s *Snapshot) Ref() *refdata.Data { return s.ref }

// Streamed reports whether the snapshot renders its answers as they are
// written (a large book) rather than keeping them pre-rendered.
func (s *Snapshot) Streamed() bool { return s.streamed }

// Networks returns the number of networks (reference and book).
func (s *Snapshot) Networks() int { return s.nets.numNets() }

// Countries returns every reference country's prices for a service type in
// a currency, sorted by country code; nil when the type is unknown or the
// currency cannot be answered (see Available). The slice and the networks
// in it belong to the snapshot and must not be changed. A large (streamed)
// book builds them on every call: use Summaries and Country there.
func (s *Snapshot) Countries(t kassa.ServiceType, cur kassa.Currency) []CountryPrice {
	v, err := s.view(t, cur)
	if err != nil {
		return nil
	}
	return v.typedCountries()
}

// Country returns one country's prices (code is alpha-2, any case).
func (s *Snapshot) Country(t kassa.ServiceType, code string, cur kassa.Currency) (CountryPrice, bool) {
	v, err := s.view(t, cur)
	if err != nil {
		return CountryPrice{}, false
	}
	i, ok := s.countryIdx[strings.ToUpper(code)]
	if !ok {
		return CountryPrice{}, false
	}
	if !s.streamed {
		return v.typedCountries()[i], true
	}
	return v.countryPrice(i), true
}

// CountryUpTo returns one country's prices as Country does, with at most
// limit of its networks (the first by code), and how many it lists in
// all: a page can show a country of a large book without building every
// network.
func (s *Snapshot) CountryUpTo(t kassa.ServiceType, code string, cur kassa.Currency, limit int) (CountryPrice, int, bool) {
	v, err := s.view(t, cur)
	if err != nil {
		return CountryPrice{}, 0, false
	}
	i, ok := s.countryIdx[strings.ToUpper(code)]
	if !ok {
		return CountryPrice{}, 0, false
	}
	cp, total := v.countryPriceUpTo(i, limit)
	return cp, total, true
}

// CountrySummary is what a map of one country's prices needs, without the
// networks: whether it is priced, its default price, its lowest price and
// how many networks it lists.
type CountrySummary struct {
	Country      kassa.Country
	Currency     kassa.Currency
	Priced       bool
	HasDefault   bool
	DefaultPrice kassa.Amount
	Lowest       kassa.Amount // the lowest price of the default and the networks; 0 when not priced
	Networks     int          // networks listed with a price
}

// Summaries returns every reference country's summary for a service type
// in a currency, sorted by country code; nil when the type is unknown or
// the currency cannot be answered. It is cheap for any size of book.
func (s *Snapshot) Summaries(t kassa.ServiceType, cur kassa.Currency) []CountrySummary {
	v, err := s.view(t, cur)
	if err != nil {
		return nil
	}
	v.summaryOnce.Do(v.buildSummaries)
	return v.summaries
}

// Available reports whether prices of type t can be answered in cur: nil,
// or an EUNAVAILABLE *kassa.Error saying why not (some of the book's t
// prices are in the other currency and no exchange rate to cur is
// configured).
func (s *Snapshot) Available(t kassa.ServiceType, cur kassa.Currency) error {
	_, err := s.view(t, cur)
	return err
}

// view returns the compiled view of (t, cur) or the domain error explaining
// why there is none.
func (s *Snapshot) view(t kassa.ServiceType, cur kassa.Currency) (*view, error) {
	ti, ok := typeIndex(t)
	if !ok {
		return nil, errUnknownType
	}
	ci, ok := currencyIndex(cur)
	if !ok {
		return nil, kassa.FieldError("currency", "unsupported currency %q: kassa prices in EUR or USD", cur)
	}
	if v := s.views[ti][ci]; v != nil {
		return v, nil
	}
	return nil, s.unavailable[ti][ci]
}

// MemoryBytes estimates the bytes the snapshot holds beyond the reference
// data: the network table, the index, the prices and the pre-rendered
// answers. A derived plan's counts only what is its own: its prices and
// answers.
func (s *Snapshot) MemoryBytes() int64 {
	var n int64
	if s.base == nil {
		n = int64(len(s.nets.arena) + 4*len(s.nets.off) + s.index.size())
		n += int64(len(s.entries)) * 24
	}
	for ti := range s.def {
		if s.base == nil {
			n += int64(4 * len(s.def[ti]))
		}
		for ci := range s.views[ti] {
			if v := s.views[ti][ci]; v != nil {
				n += v.documentBytes() + int64(8*len(v.amounts))
			}
		}
	}
	return n
}

const (
	numTypes      = 3
	numCurrencies = 2
)

var currencies = [numCurrencies]kassa.Currency{kassa.EUR, kassa.USD}

var errUnknownType = kassa.FieldError("type", "unknown service type: use sms, sms-transit or voice")

// typeIndex maps a service type to its index in the views.
func typeIndex(t kassa.ServiceType) (int, bool) {
	switch t {
	case kassa.SMS:
		return 0, true
	case kassa.SMSTransit:
		return 1, true
	case kassa.Voice:
		return 2, true
	}
	return 0, false
}

// currencyIndex maps a currency to its index in the views.
func currencyIndex(c kassa.Currency) (int, bool) {
	switch c {
	case kassa.EUR:
		return 0, true
	case kassa.USD:
		return 1, true
	}
	return 0, false
}
