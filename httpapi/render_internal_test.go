package httpapi

import (
	"net/http/httptest"
	"testing"
)

// Ensure quality values decide between XML and JSON without floats.
func TestWantsXMLQualityValues(t *testing.T) {
	cases := map[string]bool{
		"":                 false,
		"application/json": false,
		"application/xml":  true,
		"text/xml":         true,
		"application/xml;q=0.5, application/json": false,
		"application/xml, application/json;q=0.9": true,
		"application/xml;q=0.901, */*;q=0.9":      true,
		"application/xml;q=0, */*":                false,
		"application/xml;q=1.0":                   true,
		"application/xml;q=2, application/json":   false,
		"application/xml;q=bogus":                 true,
		"application/json, application/xml":       false,
	}
	for accept, want := range cases {
		r := httptest.NewRequest("GET", "/account/get-balance", nil)
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		if got := wantsXML(r); got != want {
			t.Errorf("Accept %q: wantsXML = %v, want %v", accept, got, want)
		}
	}
}

func TestParseQValue(t *testing.T) {
	good := map[string]int{"1": 1000, "1.000": 1000, "0": 0, "0.8": 800, "0.125": 125, "0.05": 50}
	for v, want := range good {
		if got, ok := parseQValue(v); !ok || got != want {
			t.Errorf("parseQValue(%q) = %d, %v; want %d", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "2", "1.5", "0.1234", "-1", "0.a", "abc"} {
		if _, ok := parseQValue(v); ok {
			t.Errorf("parseQValue(%q) accepted", v)
		}
	}
}
