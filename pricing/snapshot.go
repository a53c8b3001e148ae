package pricing

import (
	"strings"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// Snapshot is one compiled price-book version: immutable, safe for any
// number of concurrent readers, built by Compile.
type Snapshot struct {
	version int64
	book    *kassa.PriceBook
	ref     *refdata.Data

	countries  []kassa.Country   // every reference country, sorted by code
	countryIdx map[string]int    // alpha-2 → index in countries
	networks   [][]kassa.Network // per country: reference and book networks, by code

	views       [numTypes][numCurrencies]*view // nil where the currency is unavailable
	unavailable [numCurrencies]error           // why a currency has no view

	dests []dest     // rating destinations, indexed by the index values
	info  []destInfo // what Rate answers per destination, one cache line each
	index rateIndex  // longest-prefix index over ranges and dialling prefixes

	prefixCache *sync.Map // prefixKey → *Document, only for known dialling prefixes
	warnings    []string  // what CompileOptions.SkipStale dropped
}

// view is the compiled answer set of one (service type, currency).
type view struct {
	typ       kassa.ServiceType
	currency  kassa.Currency
	countries []CountryPrice   // indexed like Snapshot.countries
	rates     []kassa.Amount   // per dest: the unit price, or noPrice
	netPrice  [][]kassa.Amount // per country and network while compiling; noPrice if none
	country   [][2]*Document   // per country: JSON and XML answers
	full      [2]*Document     // JSON and XML full lists
}

// noPrice marks a destination without a price in view.rates.
const noPrice kassa.Amount = -1

// dest is one rating destination: a country's network, or the country's
// default price when network is -1.
type dest struct {
	country int32
	network int32
}

// destInfo is what a Rating names for a destination, kept together so that
// a lookup touches one cache line for it.
type destInfo struct {
	country string
	code    string
	name    string
	typ     kassa.NetworkType
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
// be changed.
func (s *Snapshot) Book() *kassa.PriceBook { return s.book }

// DemoPrices reports whether the prices of service type t are made-up
// demo prices (the demo tariff, or what a merged deck left of it), which
// every surface that shows them must say.
func (s *Snapshot) DemoPrices(t kassa.ServiceType) bool {
	for _, d := range s.book.DemoPriceTypes() {
		if d == t {
			return true
		}
	}
	return false
}

// Warnings lists the lines and book networks that compiling with
// CompileOptions.SkipStale dropped because the reference data no longer
// matches them; empty otherwise.
func (s *Snapshot) Warnings() []string { return s.warnings }

// Ref returns the reference data the snapshot was compiled with.
func (s *Snapshot) Ref() *refdata.Data { return s.ref }

// Countries returns every reference country's prices for a service type in
// a currency, sorted by country code; nil when the type is unknown or the
// currency cannot be answered (see Available). The slice and the networks
// in it belong to the snapshot and must not be changed.
func (s *Snapshot) Countries(t kassa.ServiceType, cur kassa.Currency) []CountryPrice {
	v, err := s.view(t, cur)
	if err != nil {
		return nil
	}
	return v.countries
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
	return v.countries[i], true
}

// Available reports whether prices can be answered in cur: nil, or an
// EUNAVAILABLE *kassa.Error saying why not (the book has no lines in cur
// and no exchange rate to it is configured).
func (s *Snapshot) Available(cur kassa.Currency) error {
	ci, ok := currencyIndex(cur)
	if !ok {
		return kassa.FieldError("currency", "unsupported currency %q: kassa prices in EUR or USD", cur)
	}
	return s.unavailable[ci]
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
	return nil, s.unavailable[ci]
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
