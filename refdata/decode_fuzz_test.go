package refdata

import (
	"bytes"
	"compress/gzip"
	"testing"
)

// FuzzDecode feeds arbitrary country and network text to Decode: it must
// return data or an error, never panic, and decoded networks always carry
// a known type and the country they were listed under.
func FuzzDecode(f *testing.F) {
	f.Add("ZM\tZambia\tZambia\t260\n", "ZM\t64501\tmobile\tAirtel\t645\t01\t\t26097 26077\n")
	f.Add("# c\nGB\tUnited Kingdom\tUnited Kingdom\t44", "GB\tGB-FIXED\tlandline\tUnited Kingdom Landline\t\t\t\t441 442")
	f.Add("\n\n", "ZM\t64501\tmobile\n")
	f.Add("ZM\t\t\t\t\n", "\t\t\t\t\t\t\t\n")
	f.Fuzz(func(t *testing.T, countries, networks string) {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(networks))
		zw.Close()
		d, err := Decode([]byte(countries), b.Bytes())
		if err != nil {
			return
		}
		for _, n := range d.Networks {
			if _, ok := networkTypes[string(n.Type)]; !ok {
				t.Fatalf("decoded unknown type %q", n.Type)
			}
			found := false
			for _, m := range d.NetworksOf(n.Country) {
				if m.Code == n.Code {
					found = true
				}
			}
			if !found {
				t.Fatalf("network %s/%s not indexed under its country", n.Country, n.Code)
			}
		}
	})
}
