package kassa

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// ServiceType is the product a price is for, as in the pricing paths.
type ServiceType string

// The service types of the outbound pricing API.
const (
	SMS        ServiceType = "sms"
	SMSTransit ServiceType = "sms-transit"
	Voice      ServiceType = "voice"
)

// ServiceTypes lists every service type in a stable order.
var ServiceTypes = []ServiceType{SMS, SMSTransit, Voice}

// Valid reports whether t is a known service type.
func (t ServiceType) Valid() bool { return t == SMS || t == SMSTransit || t == Voice }

// FormatServiceTypes joins service types with commas, the storage form of
// PriceBookVersion.DemoTypes ("" for none).
func FormatServiceTypes(types []ServiceType) string {
	parts := make([]string, len(types))
	for i, t := range types {
		parts[i] = string(t)
	}
	return strings.Join(parts, ",")
}

// ParseServiceTypes reads what FormatServiceTypes writes, keeping the known
// types only (nil for none).
func ParseServiceTypes(s string) []ServiceType {
	var out []ServiceType
	for _, part := range strings.Split(s, ",") {
		if t := ServiceType(strings.TrimSpace(part)); t.Valid() {
			out = append(out, t)
		}
	}
	return out
}

// ChunksChecksum is the checksum of a price-book version's data: the hex
// sha256 of its chunks back to back (for one chunk, of that chunk).
func ChunksChecksum(chunks [][]byte) string {
	h := sha256.New()
	for _, c := range chunks {
		h.Write(c)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// NetworkType is the kind of a network in the pricing answers.
type NetworkType string

// Network types seen on the wire.
const (
	Mobile           NetworkType = "mobile"
	Landline         NetworkType = "landline"
	LandlinePremium  NetworkType = "landline_premium"
	LandlineTollFree NetworkType = "landline_tollfree"
	Virtual          NetworkType = "virtual"
	Pager            NetworkType = "pager"
)

// Country is one ISO 3166-1 country as the pricing API names it.
type Country struct {
	Code          string // alpha-2, upper case
	Name          string
	DisplayName   string
	DialingPrefix string // country calling code without "+", e.g. "44"
}

// Network is a mobile network or a per-country pseudo-network (landline,
// toll-free, premium) that numbers can be priced to.
type Network struct {
	Code    string // "64502" (MCC+MNC) or "ZM-FIXED" style
	Name    string
	Type    NetworkType
	Country string
	MCC     string // mobile and pager networks only
	MNC     string // leading zeros kept
	Aliases []string
	Ranges  []string // number prefixes, country code included ("26096")
}

// Price is one line of a price book: the price of one unit (a message part
// or a billed minute) of a service to a country, or to one of its networks.
type Price struct {
	Type     ServiceType
	Country  string // alpha-2
	Network  string // network code; "" for the country's default price
	Currency Currency
	Price    Amount
}

// PriceBook is the content of one price-book version: prices, and networks
// that the rate deck defines beyond the reference data.
type PriceBook struct {
	Name string
	// Demo marks a book holding made-up demo prices, nobody's real ones.
	// DemoTypes says which service types hold them; empty with Demo set
	// means every type (the demo tariff itself).
	Demo      bool
	DemoTypes []ServiceType
	Prices    []Price
	Networks  []Network
}

// DemoPriceTypes returns the service types whose prices in b are demo
// prices, in the order of ServiceTypes: none unless b.Demo, every type
// when b.Demo and b.DemoTypes is empty.
func (b *PriceBook) DemoPriceTypes() []ServiceType {
	if !b.Demo {
		return nil
	}
	if len(b.DemoTypes) == 0 {
		return append([]ServiceType(nil), ServiceTypes...)
	}
	var out []ServiceType
	for _, t := range ServiceTypes {
		for _, d := range b.DemoTypes {
			if d == t {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// PriceBookVersion describes one stored version of the price book.
type PriceBookVersion struct {
	Version int64
	Plan    string // the price plan whose line of versions it belongs to (DefaultPlan)
	Name    string
	// Demo is set when some of the version's prices are made-up demo
	// prices; DemoTypes lists the service types holding them (an sms deck
	// merged over the demo tariff leaves voice and sms-transit demo).
	Demo        bool
	DemoTypes   []ServiceType
	Source      string // where it came from: "demo", "csv", "json"
	Checksum    string // sha256 of the stored data (its chunks back to back)
	Prices      int    // number of price lines
	CreatedAt   time.Time
	ActivatedAt time.Time // zero until activated
	EffectiveAt time.Time // when an activated version takes effect
}

// Active reports whether the version is activated and in effect at now.
func (v *PriceBookVersion) Active(now time.Time) bool {
	return !v.ActivatedAt.IsZero() && !v.EffectiveAt.After(now)
}

// PriceBookWatcher is implemented by stores that several kassa nodes share:
// WatchPriceBooks calls changed whenever any node activates a price-book
// version, until ctx ends. The pricing service also re-checks the active
// version periodically in case a notification is missed.
type PriceBookWatcher interface {
	WatchPriceBooks(ctx context.Context, changed func()) error
}
