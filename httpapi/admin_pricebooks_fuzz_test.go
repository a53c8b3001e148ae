package httpapi

import (
	"net/url"
	"testing"
)

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
