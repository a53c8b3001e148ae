package refdata

import (
	"bytes"
	"compress/gzip"
	_ "embed" // the generated data files
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/kassa-dev/kassa"
)

// The generated data (see generate.go and gen/).
var (
	//go:embed countries.tsv
	embeddedCountries []byte
	//go:embed networks.tsv.gz
	embeddedNetworks []byte
)

var (
	defaultOnce sync.Once
	defaultData *Data
)

// Default returns the embedded reference data, decoded on first use. The
// result is shared: callers must not change it.
func Default() *Data {
	defaultOnce.Do(func() {
		d, err := Decode(embeddedCountries, embeddedNetworks)
		if err != nil {
			// The embedded files are generated and checked by the tests.
			panic(fmt.Sprintf("refdata: embedded data: %v", err))
		}
		defaultData = d
	})
	return defaultData
}

// Decode parses data in the generated formats: countries.tsv (code, name,
// display name, dialling prefix) and gzip-compressed networks.tsv (country,
// code, type, name, mcc, mnc, space-separated aliases, space-separated
// ranges). Lines starting with '#' are comments.
func Decode(countriesTSV, networksTSVGz []byte) (*Data, error) {
	countries, err := decodeCountries(string(countriesTSV))
	if err != nil {
		return nil, fmt.Errorf("decode countries: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(networksTSVGz))
	if err != nil {
		return nil, fmt.Errorf("decode networks: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("decode networks: %w", err)
	}
	networks, err := decodeNetworks(string(raw))
	if err != nil {
		return nil, fmt.Errorf("decode networks: %w", err)
	}
	return New(countries, networks), nil
}

func decodeCountries(text string) ([]kassa.Country, error) {
	var out []kassa.Country
	err := eachRecord(text, 4, func(line int, f []string) error {
		if len(f[0]) != 2 {
			return fmt.Errorf("line %d: bad country code %q", line, f[0])
		}
		out = append(out, kassa.Country{Code: f[0], Name: f[1], DisplayName: f[2], DialingPrefix: f[3]})
		return nil
	})
	return out, err
}

var networkTypes = map[string]kassa.NetworkType{
	string(kassa.Mobile): kassa.Mobile, string(kassa.Landline): kassa.Landline,
	string(kassa.LandlinePremium): kassa.LandlinePremium, string(kassa.LandlineTollFree): kassa.LandlineTollFree,
	string(kassa.Virtual): kassa.Virtual, string(kassa.Pager): kassa.Pager,
}

func decodeNetworks(text string) ([]kassa.Network, error) {
	out := make([]kassa.Network, 0, strings.Count(text, "\n"))
	err := eachRecord(text, 8, func(line int, f []string) error {
		typ, ok := networkTypes[f[2]]
		if !ok {
			return fmt.Errorf("line %d: unknown network type %q", line, f[2])
		}
		out = append(out, kassa.Network{
			Country: f[0], Code: f[1], Type: typ, Name: f[3], MCC: f[4], MNC: f[5],
			Aliases: splitList(f[6]), Ranges: splitList(f[7]),
		})
		return nil
	})
	return out, err
}

// eachRecord calls fn with the tab-separated fields of every non-comment
// line; every line must have exactly n fields. The field strings share
// text's memory.
func eachRecord(text string, n int, fn func(line int, fields []string) error) error {
	fields := make([]string, n)
	for line := 1; text != ""; line++ {
		var row string
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			row, text = text[:i], text[i+1:]
		} else {
			row, text = text, ""
		}
		if row == "" || row[0] == '#' {
			continue
		}
		for k := 0; k < n; k++ {
			i := strings.IndexByte(row, '\t')
			if k == n-1 {
				if i >= 0 {
					return fmt.Errorf("line %d: more than %d fields", line, n)
				}
				fields[k] = row
				break
			}
			if i < 0 {
				return fmt.Errorf("line %d: %d fields, want %d", line, k+1, n)
			}
			fields[k], row = row[:i], row[i+1:]
		}
		if err := fn(line, fields); err != nil {
			return err
		}
	}
	return nil
}

// splitList splits a space-separated list; "" gives nil.
func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}
