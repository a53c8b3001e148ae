package refdata

import (
	"bytes"
	"compress/gzip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

func TestDefaultCountries(t *testing.T) {
	d := Default()
	if n := len(d.Countries); n < 240 {
		t.Fatalf("%d countries, want at least 240", n)
	}
	for code, want := range map[string]kassa.Country{
		"GB": {Code: "GB", Name: "United Kingdom", DisplayName: "United Kingdom", DialingPrefix: "44"},
		"VA": {Code: "VA", Name: "Holy See (Vatican City State)", DisplayName: "Vatican City", DialingPrefix: "39"},
		"ZM": {Code: "ZM", Name: "Zambia", DisplayName: "Zambia", DialingPrefix: "260"},
		"US": {Code: "US", Name: "United States", DisplayName: "United States", DialingPrefix: "1"},
	} {
		got, ok := d.Country(code)
		if !ok || got != want {
			t.Errorf("Country(%s) = %+v, %v; want %+v", code, got, ok, want)
		}
	}
	for _, c := range d.Countries {
		if len(c.Code) != 2 || c.Name == "" || c.DisplayName == "" {
			t.Errorf("incomplete country %+v", c)
		}
	}
}

func codesOf(cs []kassa.Country) map[string]bool {
	out := map[string]bool{}
	for _, c := range cs {
		out[c.Code] = true
	}
	return out
}

func TestDefaultSharedPrefixes(t *testing.T) {
	d := Default()
	nanp := codesOf(d.CountriesByPrefix("1"))
	if !nanp["US"] || !nanp["CA"] || !nanp["PR"] || len(nanp) < 17 {
		t.Errorf("prefix 1 countries = %v, want US, CA, PR and at least 15 others", nanp)
	}
	if c := codesOf(d.CountriesByPrefix("7")); !c["RU"] || !c["KZ"] {
		t.Errorf("prefix 7 countries = %v, want RU and KZ", c)
	}
	if c := codesOf(d.CountriesByPrefix("39")); !c["IT"] || !c["VA"] {
		t.Errorf("prefix 39 countries = %v, want IT and VA", c)
	}
}

func TestDefaultNetworksGB(t *testing.T) {
	mobile447 := 0
	for _, n := range Default().NetworksOf("GB") {
		if n.Type != kassa.Mobile || n.MCC != "234" {
			continue
		}
		for _, r := range n.Ranges {
			if strings.HasPrefix(r, "447") {
				mobile447++
			}
		}
	}
	if mobile447 < 100 {
		t.Errorf("GB MCC 234 networks have %d ranges starting 447, want at least 100", mobile447)
	}
}

func TestDefaultZambiaLikeFixture(t *testing.T) {
	byCode := map[string]kassa.Network{}
	for _, n := range Default().NetworksOf("ZM") {
		byCode[n.Code] = n
	}
	for code, want := range map[string]struct {
		typ   kassa.NetworkType
		mnc   string
		rng   string
		names string
	}{
		"64501":        {kassa.Mobile, "01", "26097", "Airtel"},
		"64502":        {kassa.Mobile, "02", "26096", "MTN Zambia"},
		"64503":        {kassa.Mobile, "03", "26095", "Zamtel"},
		"ZM-FIXED":     {kassa.Landline, "", "260211", "Zambia Landline"},
		"ZM-TOLL-FREE": {kassa.LandlineTollFree, "", "260800", "Zambia Toll Free"},
	} {
		n, ok := byCode[code]
		if !ok {
			t.Errorf("ZM has no network %s", code)
			continue
		}
		if n.Type != want.typ || n.MNC != want.mnc || n.Name != want.names || !contains(n.Ranges, want.rng) {
			t.Errorf("ZM network %s = %+v, want type %s mnc %q name %q with range %s", code, n, want.typ, want.mnc, want.names, want.rng)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestDefaultNetworkInvariants(t *testing.T) {
	d := Default()
	seen := map[string]bool{}
	for _, n := range d.Networks {
		key := n.Country + "/" + n.Code
		if seen[key] {
			t.Errorf("duplicate network %s", key)
		}
		seen[key] = true
		c, ok := d.Country(n.Country)
		if !ok {
			t.Errorf("network %s: unknown country", key)
			continue
		}
		if n.Name == "" {
			t.Errorf("network %s has no name", key)
		}
		for _, r := range n.Ranges {
			if c.DialingPrefix == "" || !strings.HasPrefix(r, c.DialingPrefix) || !isDigits(r) {
				t.Errorf("network %s: range %q does not start with dialling prefix %q", key, r, c.DialingPrefix)
			}
		}
		switch n.Type {
		case kassa.Mobile:
			if len(n.MCC) != 3 || !isDigits(n.MCC) || (len(n.MNC) != 2 && len(n.MNC) != 3) || !isDigits(n.MNC) || n.Code != n.MCC+n.MNC {
				t.Errorf("mobile network %s: mcc %q mnc %q", key, n.MCC, n.MNC)
			}
		case kassa.Landline, kassa.LandlineTollFree, kassa.LandlinePremium, kassa.Virtual, kassa.Pager:
			if !strings.HasPrefix(n.Code, n.Country+"-") || n.MCC != "" || n.MNC != "" || len(n.Ranges) == 0 {
				t.Errorf("pseudo-network %s: %+v", key, n)
			}
		default:
			t.Errorf("network %s: type %q", key, n.Type)
		}
		for _, a := range n.Aliases {
			if len(a) < 5 || len(a) > 6 || !isDigits(a) || a == n.Code {
				t.Errorf("network %s: bad alias %q", key, a)
			}
		}
	}
}

// TestDefaultRangesAreUnique checks that a number prefix names one
// network: shared calling codes (1, 7, 44) and fixed/mobile overlaps are
// resolved by the generator, not left to the order of a lookup.
func TestDefaultRangesAreUnique(t *testing.T) {
	owner := map[string]string{}
	for _, n := range Default().Networks {
		for _, r := range n.Ranges {
			if o, ok := owner[r]; ok {
				t.Errorf("range %s in both %s and %s/%s", r, o, n.Country, n.Code)
			}
			owner[r] = n.Country + "/" + n.Code
		}
	}
	for r, want := range map[string]string{"1800": "", "18002": "US/US-TOLL-FREE", "44800": "GB/GB-TOLL-FREE", "26096": "ZM/64502"} {
		if owner[r] != want {
			t.Errorf("range %s belongs to %q, want %q", r, owner[r], want)
		}
	}
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func TestDefaultIsShared(t *testing.T) {
	a, b := Default(), Default()
	if a != b {
		t.Fatal("Default returned two different values")
	}
	fresh, err := Decode(embeddedCountries, embeddedNetworks)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fresh.Countries, a.Countries) || !reflect.DeepEqual(fresh.Networks, a.Networks) {
		t.Fatal("decoding the embedded data twice gave different results")
	}
}

func TestDecodeRejectsBadInput(t *testing.T) {
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.Bytes()
	}
	good := "ZM\tZambia\tZambia\t260\n"
	for name, c := range map[string]struct {
		countries string
		networks  []byte
	}{
		"short country row": {"ZM\tZambia\n", gz("")},
		"long country code": {"ZMB\tZambia\tZambia\t260\n", gz("")},
		"not gzip":          {good, []byte("ZM\t64501")},
		"unknown type":      {good, gz("ZM\t64501\tsatellite\tAirtel\t645\t01\t\t26097\n")},
		"extra field":       {good, gz("ZM\t64501\tmobile\tAirtel\t645\t01\t\t26097\tx\n")},
	} {
		if _, err := Decode([]byte(c.countries), c.networks); err == nil {
			t.Errorf("%s: Decode accepted bad input", name)
		}
	}
	d, err := Decode([]byte("# comment\n"+good), gz("ZM\t64501\tmobile\tAirtel\t645\t01\t64504\t26097 26077\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := kassa.Network{Country: "ZM", Code: "64501", Type: kassa.Mobile, Name: "Airtel", MCC: "645", MNC: "01", Aliases: []string{"64504"}, Ranges: []string{"26097", "26077"}}
	if got := d.NetworksOf("ZM"); len(got) != 1 || !reflect.DeepEqual(got[0], want) {
		t.Errorf("NetworksOf(ZM) = %+v, want %+v", got, want)
	}
}

// TestGenerateIsReproducible regenerates the data into a temporary
// directory and compares it byte for byte with the embedded files. It needs
// the Debian source packages and skips without them.
func TestGenerateIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("regenerating takes a few seconds")
	}
	for _, p := range []string{"/usr/share/iso-codes/json/iso_3166-1.json", "/usr/share/mobile-broadband-provider-info/serviceproviders.xml"} {
		if _, err := os.Stat(p); err != nil {
			t.Skipf("source missing (%v): apt-get install -y iso-codes mobile-broadband-provider-info", err)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "run", "./gen", "-out", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run ./gen: %v\n%s", err, out)
	}
	for _, name := range []string{"countries.tsv", "networks.tsv.gz"} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from a fresh generation: run go generate ./refdata/...", name)
		}
	}
}

func BenchmarkDefaultDecode(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(embeddedCountries, embeddedNetworks); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGunzipOnly is the baseline for BenchmarkDefaultDecode: only the
// decompression of the embedded networks file.
func BenchmarkGunzipOnly(b *testing.B) {
	for b.Loop() {
		zr, err := gzip.NewReader(bytes.NewReader(embeddedNetworks))
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(zr); err != nil {
			b.Fatal(err)
		}
	}
}

func TestNetworkFindsCodesAndAliases(t *testing.T) {
	d := New([]kassa.Country{{Code: "AF", DialingPrefix: "93"}}, []kassa.Network{
		{Country: "AF", Code: "41288", Name: "Afghan Telecom", Type: kassa.Mobile, Aliases: []string{"41280", "41201"}},
		{Country: "AF", Code: "41201", Name: "AWCC", Type: kassa.Mobile},
	})
	for code, want := range map[string]string{"41288": "Afghan Telecom", "41280": "Afghan Telecom", "41201": "AWCC"} {
		n, ok := d.Network("AF", code)
		if !ok || n.Name != want {
			t.Errorf("Network(AF, %s) = %+v, %v; want %s", code, n, ok, want)
		}
	}
	if _, ok := d.Network("ZM", "41288"); ok {
		t.Error("Network found an AF code under ZM")
	}
	real := Default()
	if n, ok := real.Network("GB", "23410"); !ok || n.Code != "23402" {
		t.Errorf("Network(GB, 23410) = %+v, %v; want the O2 network 23402 (23410 is its alias)", n, ok)
	}
}
