package pricing

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestRate(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	tests := []struct {
		typ     kassa.ServiceType
		number  string
		country string
		network string
		price   string
	}{
		{kassa.SMS, "+260 96 1234567", "ZM", "64502", "0.28725"},
		{kassa.SMS, "260971234567", "ZM", "64501", "0.28725"},
		{kassa.SMS, "260-90-123456", "ZM", "ZM-PREMIUM", "0.28725"},
		{kassa.SMS, "260 51 234567", "ZM", "", "0.28725"}, // no range: the country default
		{kassa.SMS, "+1 (201) 555-0100", "US", "310004", "0.0057"},
		{kassa.SMS, "1 416 555 0100", "CA", "302320", "0.0057"},
		{kassa.SMS, "0044 7700 900123", "GB", "23410", "0.04"},
		{kassa.SMS, "+447400123456", "GB", "23415", "0.0333"}, // 447400 is longer than 4477/4479
		{kassa.SMS, "442079460000", "GB", "GB-FIXED", "0.0333"},
		{kassa.SMS, "4915112345678", "DE", "26201", "0.08"},
		{kassa.SMS, "393201234567", "IT", "22207", "0.0827"},
		{kassa.Voice, "447700900123", "GB", "23410", "0.01"}, // no own voice price: the default
		// 26077 (Airtel) has no sms-transit price and ZM no default: the
		// longest priced prefix is MTN's 2607.
		{kassa.SMSTransit, "260771234567", "ZM", "64502", "0.2"},
	}
	for _, tt := range tests {
		r, err := s.Rate(tt.typ, tt.number, kassa.EUR)
		if err != nil {
			t.Errorf("Rate(%s, %q): %v", tt.typ, tt.number, err)
			continue
		}
		if r.Country != tt.country || r.NetworkCode != tt.network || r.UnitPrice != amt(tt.price) || r.Currency != kassa.EUR {
			t.Errorf("Rate(%s, %q) = %+v, want %s %s %s EUR", tt.typ, tt.number, r, tt.country, tt.network, tt.price)
		}
	}
}

func TestRateNetworkDetails(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	r, err := s.Rate(kassa.SMS, "260961234567", kassa.EUR)
	if err != nil {
		t.Fatal(err)
	}
	if r.NetworkName != "MTN Zambia" || r.NetworkType != kassa.Mobile {
		t.Errorf("got %+v, want MTN Zambia mobile", r)
	}
	r, err = s.Rate(kassa.SMS, "260511234567", kassa.EUR)
	if err != nil {
		t.Fatal(err)
	}
	if r.NetworkCode != "" || r.NetworkName != "" || r.NetworkType != "" {
		t.Errorf("default price rating names a network: %+v", r)
	}
}

func TestRateErrors(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	tests := []struct {
		typ    kassa.ServiceType
		number string
		cur    kassa.Currency
		code   string
	}{
		{kassa.SMS, "1 999 555 0100", kassa.EUR, kassa.ENOTFOUND},  // shared +1, no range
		{kassa.SMS, "39 06 6988 1234", kassa.EUR, kassa.ENOTFOUND}, // shared +39 (IT, VA), no range
		{kassa.SMS, "81312345678", kassa.EUR, kassa.ENOTFOUND},     // a country not in the data
		{kassa.Voice, "4915112345678", kassa.EUR, kassa.ENOTFOUND}, // DE has no voice price
		{kassa.SMS, "44770090012a", kassa.EUR, kassa.EINVALID},     // a letter
		{kassa.SMS, "++447700900123", kassa.EUR, kassa.EINVALID},   // two plus signs
		{kassa.SMS, "44", kassa.EUR, kassa.EINVALID},               // too short
		{kassa.SMS, "", kassa.EUR, kassa.EINVALID},                 // empty
		{kassa.SMS, "0044", kassa.EUR, kassa.EINVALID},             // only the international prefix
		{kassa.SMS, "4477009001234567", kassa.EUR, kassa.EINVALID}, // 16 digits
		{kassa.SMS, "44 7700 900123 4567 89", kassa.EUR, kassa.EINVALID},
		{"fax", "447700900123", kassa.EUR, kassa.EINVALID},
		{kassa.SMS, "447700900123", "GBP", kassa.EINVALID},
		{kassa.SMS, "447700900123", kassa.USD, kassa.EUNAVAILABLE}, // EUR book, no FX
	}
	for _, tt := range tests {
		_, err := s.Rate(tt.typ, tt.number, tt.cur)
		if got := kassa.ErrorCode(err); got != tt.code {
			t.Errorf("Rate(%s, %q, %s) error %v, want code %s", tt.typ, tt.number, tt.cur, err, tt.code)
		}
	}
}

func TestRateDoesNotAllocate(t *testing.T) {
	s := mustCompile(t, testBook(), CompileOptions{})
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := s.Rate(kassa.SMS, "+44 7700 900123", kassa.EUR); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Rate allocates %.1f times per call, want 0", allocs)
	}
}

func TestNormalizeNumber(t *testing.T) {
	tests := map[string]string{
		"+44 7700 900123":   "447700900123",
		"0044 (7700) 900-1": "447700900" + "1",
		"001-201-555-0100":  "12015550100",
		"123":               "123",
	}
	for in, want := range tests {
		got, err := NormalizeNumber(in)
		if err != nil || got != want {
			t.Errorf("NormalizeNumber(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := NormalizeNumber("44 abc"); kassa.ErrorField(err) != "to" {
		t.Errorf("NormalizeNumber(letters) = %v", err)
	}
}

// TestRateMatchesBruteForce rates random numbers against 5,000 synthetic
// prefixes and compares with a scan of every range: the longest priced
// range wins, else the country default by its unshared dialling prefix.
func TestRateMatchesBruteForce(t *testing.T) {
	s, _, _ := syntheticRates(t, 5000)
	prices := s.Countries(kassa.SMS, kassa.EUR)
	type hit struct {
		country, network string
		price            kassa.Amount
	}
	oracle := func(digits string) (hit, bool) {
		best, bestLen := hit{}, 0
		for _, cp := range prices {
			for _, np := range cp.Networks {
				for _, r := range np.Network.Ranges {
					if len(r) > bestLen && strings.HasPrefix(digits, r) {
						best, bestLen = hit{cp.Country.Code, np.Network.Code, np.Price}, len(r)
					}
				}
			}
		}
		if bestLen > 0 {
			return best, true
		}
		for _, cp := range prices {
			p := cp.Country.DialingPrefix
			if p != "" && cp.HasDefault && strings.HasPrefix(digits, p) && len(s.ref.CountriesByPrefix(p)) == 1 {
				return hit{cp.Country.Code, "", cp.DefaultPrice}, true
			}
		}
		return hit{}, false
	}
	rng := rand.New(rand.NewPCG(3, 4))
	prefixes := []string{"44", "1", "49", "260", "39", "4477", "2609"}
	for range 3000 {
		digits := prefixes[rng.IntN(len(prefixes))] + strconv.Itoa(rng.IntN(1_000_000_000))
		want, ok := oracle(digits)
		got, err := s.Rate(kassa.SMS, "+"+digits, kassa.EUR)
		if !ok {
			if kassa.ErrorCode(err) != kassa.ENOTFOUND {
				t.Fatalf("Rate(%s) = %+v, %v; want not found", digits, got, err)
			}
			continue
		}
		if err != nil || got.Country != want.country || got.NetworkCode != want.network || got.UnitPrice != want.price {
			t.Fatalf("Rate(%s) = %+v, %v; want %+v", digits, got, err, want)
		}
	}
}
