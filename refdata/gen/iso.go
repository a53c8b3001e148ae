package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// isoCountry is one entry of iso-codes' iso_3166-1.json.
type isoCountry struct {
	Alpha2     string `json:"alpha_2"`
	Name       string `json:"name"`
	CommonName string `json:"common_name"`
}

// displayNameOverrides are display names for entries whose iso-codes name
// is in the inverted "Name, qualifier" or parenthesised form and that have
// no common_name.
var displayNameOverrides = map[string]string{
	"BQ": "Bonaire, Sint Eustatius and Saba",
	"CC": "Cocos (Keeling) Islands",
	"CD": "Democratic Republic of the Congo",
	"FK": "Falkland Islands",
	"FM": "Micronesia",
	"MF": "Saint Martin",
	"PS": "Palestine",
	"SH": "Saint Helena",
	"SX": "Sint Maarten",
	"VA": "Vatican City",
	"VG": "British Virgin Islands",
	"VI": "U.S. Virgin Islands",
}

// readISOCountries reads every ISO 3166-1 entry.
func readISOCountries(path string) ([]isoCountry, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read iso-codes: %w%s", err, installHint("iso-codes"))
	}
	var doc struct {
		Countries []isoCountry `json:"3166-1"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	if len(doc.Countries) == 0 {
		return nil, fmt.Errorf("decode %s: no countries", path)
	}
	return doc.Countries, nil
}

// displayName is the short name people use: the override, else iso-codes'
// common_name, else its name.
func (c isoCountry) displayName() string {
	if n, ok := displayNameOverrides[c.Alpha2]; ok {
		return n
	}
	if c.CommonName != "" {
		return c.CommonName
	}
	return c.Name
}

// installHint tells how to install a missing Debian source package.
func installHint(pkg string) string {
	return fmt.Sprintf(" (install the Debian package: apt-get update && apt-get install -y %s)", pkg)
}
