package pricing

import (
	"encoding/csv"
	"fmt"
	"io"

	"github.com/kassa-dev/kassa"
)

// csvExportHeader is the header ExportCSV writes; ParseCSV reads it back.
var csvExportHeader = []string{"type", "country", "network code", "network name", "mcc", "mnc", "prefix", "network type", "price", "currency"}

// ExportCSV writes the price lines of service type t in the snapshot's
// book as CSV that ParseCSV reads back into the same prices: one row per
// line, and for a network the book adds, one row per range of it.
func ExportCSV(w io.Writer, s *Snapshot, t kassa.ServiceType) error {
	if !t.Valid() {
		return errUnknownType
	}
	extra := map[string]kassa.Network{}
	for _, n := range s.book.Networks {
		extra[n.Country+"|"+n.Code] = n
	}
	names := s.networkNames()
	cw := csv.NewWriter(w)
	if err := cw.Write(csvExportHeader); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	for _, p := range s.book.Prices {
		if p.Type != t {
			continue
		}
		key := p.Country + "|" + p.Network
		rows := [][]string{{string(p.Type), p.Country, p.Network, names[key], "", "", "", "", p.Price.String(), string(p.Currency)}}
		if n, ok := extra[key]; ok {
			rows = rows[:0]
			for _, r := range n.Ranges {
				rows = append(rows, []string{string(p.Type), p.Country, n.Code, n.Name, "", "", r, string(n.Type), p.Price.String(), string(p.Currency)})
			}
		}
		for _, row := range rows {
			if err := cw.Write(row); err != nil {
				return fmt.Errorf("export csv: %w", err)
			}
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("export csv: %w", err)
	}
	return nil
}

// networkNames maps "country|code" of every network to its name.
func (s *Snapshot) networkNames() map[string]string {
	names := map[string]string{}
	for ci, list := range s.networks {
		for _, n := range list {
			names[s.countries[ci].Code+"|"+n.Code] = n.Name
		}
	}
	return names
}

// ExportJSON writes the get-full-pricing answer of service type t in cur:
// what ParseFullPricingJSON reads back.
func ExportJSON(w io.Writer, s *Snapshot, t kassa.ServiceType, cur kassa.Currency) error {
	d, err := s.FullPricing(t, cur, JSON)
	if err != nil {
		return err
	}
	if _, err := w.Write(d.Body); err != nil {
		return fmt.Errorf("export json: %w", err)
	}
	return nil
}
