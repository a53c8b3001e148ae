package pricing

import (
	"encoding/csv"
	"fmt"
	"io"
	"sort"

	"github.com/kassa-dev/kassa"
)

// csvExportHeader is the header ExportCSV writes; ParseCSV reads it back.
var csvExportHeader = []string{"type", "country", "network code", "network name", "mcc", "mnc", "prefix", "network type", "price", "currency"}

// ExportCSV writes the price lines of service type t in the snapshot's
// book as CSV that ParseCSV reads back into the same prices: one row per
// line, and for a network the book adds, one row per range of it. It reads
// the whole book (Snapshot.Book); Service.ExportCSV streams a stored
// version.
func ExportCSV(w io.Writer, s *Snapshot, t kassa.ServiceType) error {
	if !t.Valid() {
		return errUnknownType
	}
	book := s.Book()
	if book == nil {
		return fmt.Errorf("export csv: the price book of version %d could not be read", s.version)
	}
	x := newCSVExporter(w, s, t)
	for i := range book.Networks {
		x.network(&book.Networks[i])
	}
	for _, p := range book.Prices {
		x.line(p.Type, p.Country, p.Network, p.Currency, p.Price)
	}
	return x.finish()
}

// csvExporter writes a book's lines of one service type as CSV.
type csvExporter struct {
	cw    *csv.Writer
	s     *Snapshot
	t     kassa.ServiceType
	extra map[string][]string // "country|code" of a book network → its ranges
	names map[string]string   // "country|code" of a book network → its name and type
	types map[string]kassa.NetworkType
	row   []string
	err   error
}

func newCSVExporter(w io.Writer, s *Snapshot, t kassa.ServiceType) *csvExporter {
	x := &csvExporter{cw: csv.NewWriter(w), s: s, t: t, extra: map[string][]string{}, names: map[string]string{}, types: map[string]kassa.NetworkType{}, row: make([]string, len(csvExportHeader))}
	x.err = x.cw.Write(csvExportHeader)
	return x
}

// network records a book network (its ranges become rows).
func (x *csvExporter) network(n *kassa.Network) {
	key := n.Country + "|" + n.Code
	x.extra[key] = append(x.extra[key], n.Ranges...)
	x.names[key], x.types[key] = n.Name, n.Type
}

// addRange records one more range of a book network.
func (x *csvExporter) addRange(country, code, rng string) {
	key := country + "|" + code
	x.extra[key] = append(x.extra[key], rng)
}

// line writes a price line's rows.
func (x *csvExporter) line(t kassa.ServiceType, country, network string, cur kassa.Currency, price kassa.Amount) {
	if t != x.t || x.err != nil {
		return
	}
	key := country + "|" + network
	if ranges, ok := x.extra[key]; ok {
		for _, r := range ranges {
			x.write(string(t), country, network, x.names[key], "", "", r, string(x.types[key]), price.String(), string(cur))
		}
		return
	}
	x.write(string(t), country, network, x.s.networkName(country, network), "", "", "", "", price.String(), string(cur))
}

// storedLine writes a stored line's rows: a network of the book is found
// in the snapshot, with all its ranges.
func (x *csvExporter) storedLine(country, network string, cur kassa.Currency, price kassa.Amount) {
	t := string(x.t)
	n, ok := x.s.findNetwork(country, network)
	if !ok {
		x.write(t, country, network, "", "", "", "", "", price.String(), string(cur))
		return
	}
	e := x.s.nets.entry(n)
	if !x.s.nets.isBook(n) {
		x.write(t, country, network, e.name, "", "", "", "", price.String(), string(cur))
		return
	}
	var ranges []string
	for _, r := range e.appendRanges(ranges) {
		x.write(t, country, e.code, e.name, "", "", r, string(e.typ), price.String(), string(cur))
	}
}

func (x *csvExporter) write(fields ...string) {
	copy(x.row, fields)
	if err := x.cw.Write(x.row); err != nil && x.err == nil {
		x.err = err
	}
}

// finish flushes the writer.
func (x *csvExporter) finish() error {
	x.cw.Flush()
	if x.err == nil {
		x.err = x.cw.Error()
	}
	if x.err != nil {
		return fmt.Errorf("export csv: %w", x.err)
	}
	return nil
}

// networkName returns the name of a country's network ("" for none).
func (s *Snapshot) networkName(country, code string) string {
	if n, ok := s.findNetwork(country, code); ok {
		_, _, name := s.nets.head(n)
		return name
	}
	return ""
}

// findNetwork returns the index of a country's network with a code.
func (s *Snapshot) findNetwork(country, code string) (int, bool) {
	ci, ok := s.countryIdx[country]
	if !ok || code == "" {
		return 0, false
	}
	t := &s.nets
	lo, hi := int(t.start[ci]), int(t.start[ci+1])
	i := lo + sort.Search(hi-lo, func(i int) bool {
		_, c, _ := t.head(lo + i)
		return c >= code
	})
	if i < hi {
		if _, c, _ := t.head(i); c == code {
			return i, true
		}
	}
	return 0, false
}

// ExportJSON writes the get-full-pricing answer of service type t in cur:
// what ParseFullPricingJSON reads back. A large book's answer is rendered
// as it is written.
func ExportJSON(w io.Writer, s *Snapshot, t kassa.ServiceType, cur kassa.Currency) error {
	d, err := s.FullPricing(t, cur, JSON)
	if err != nil {
		return err
	}
	if err := d.WriteBody(w); err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	return nil
}
