package httpapi

import "testing"

// TestAcceptsGzip pins the Accept-Encoding reading, with and without
// parameters (the fast path skips mime parsing for plain codings).
func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{
		"":                      false,
		"gzip":                  true,
		"GZIP":                  true,
		" gzip ":                true,
		"deflate, gzip":         true,
		"br,deflate":            false,
		"*":                     true,
		"x-gzip":                false,
		"identity":              false,
		"gzip;q=0":              false,
		"gzip; q=0.5":           true,
		"gzip;q=0.000":          false,
		"gzip;q=bad":            false,
		"br;q=1, gzip;q=0.001":  true,
		"*;q=0":                 false,
		"gz ip":                 false,
		",,":                    false,
		"deflate;q=1, *;q=0.1":  true,
		"gzip;level=1":          true,
		"identity, gzip;q=0, *": true,
	} {
		if got := acceptsGzip(header); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", header, got, want)
		}
	}
}
