package httpapi

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzDeckProblems: any rejection message splits into parameters without
// a panic, every parameter has a reason, and each named one comes from
// the message.
func FuzzDeckProblems(f *testing.F) {
	f.Add(`rate deck rejected: line 3, column "price": bad number "x"; line 9: 2 fields where the header has 3 (truncated or misaligned row)`)
	f.Add(`price book rejected: line 1 (sms XX default EUR): unknown country "XX"; and 4 more problems`)
	f.Add(`rate deck rejected: line 4, column "network name": no network "a; b: c" in US`)
	f.Add(`price list rejected: not a get-full-pricing answer: unexpected EOF`)
	f.Add(`"unbalanced; "\`)
	f.Fuzz(func(t *testing.T, msg string) {
		params := deckProblems(msg)
		if len(params) == 0 {
			t.Fatalf("no parameters for %q", msg)
		}
		for _, p := range params {
			if p.Name != "body" && !strings.Contains(msg, p.Name+": "+p.Reason) {
				t.Fatalf("parameter %+v is not in %q", p, msg)
			}
		}
	})
}

// FuzzImportOptions: any query and Content-Type give valid options or a
// field error, never a panic.
func FuzzImportOptions(f *testing.F) {
	f.Add("type=sms&format=csv&currency=eur&name=Carrier+A", "text/csv")
	f.Add("type=voice&base=none", "application/json; charset=utf-8")
	f.Add("type=fax&name=%00", "")
	f.Add("format=JSON", "text/plain")
	f.Fuzz(func(t *testing.T, query, contentType string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		o, err := readImportOptions(q, contentType)
		if err != nil {
			return
		}
		if (o.format != "csv" && o.format != "json") || (o.typ != "" && !o.typ.Valid()) || (o.format == "json" && o.typ == "") ||
			(o.currency != "" && !o.currency.Valid()) || (o.base != "active" && o.base != "none") || len(o.name) > maxBookName {
			t.Fatalf("accepted options %+v from %q %q", o, query, contentType)
		}
	})
}
