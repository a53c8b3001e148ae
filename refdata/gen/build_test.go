package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func testMeta(t *testing.T) *phoneMeta {
	t.Helper()
	pm, err := loadPhoneMeta()
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

func isoFor(codes ...string) []isoCountry {
	var out []isoCountry
	for _, c := range codes {
		out = append(out, isoCountry{Alpha2: c, Name: "Name " + c})
	}
	return out
}

func mobileByCode(res *result, country string) map[string]network {
	out := map[string]network{}
	for _, n := range res.Networks {
		if n.Country == country && n.Type == "mobile" {
			out[n.Code] = n
		}
	}
	return out
}

func TestBuildJoinsCarriers(t *testing.T) {
	src := sources{
		iso: isoFor("GB", "ZM", "DE"),
		providers: []mbpiProvider{
			{Country: "GB", Name: "Superdrug", Codes: []string{"23420"}, Order: 0},
			{Country: "GB", Name: "3", Codes: []string{"23420"}, Order: 1},
			{Country: "GB", Name: "Vodafone", Codes: []string{"23415"}, Order: 2},
			{Country: "DE", Name: "MTN-ish", Codes: []string{"26230", "26260"}, Order: 3},
		},
		carriers: []carrierPrefix{
			{"447400", "Three"}, {"447401", "Three"}, {"447700", "Vodafone"}, {"447999", "Nobody"},
			{"26096", "MTN"}, {"26076", "MTN"}, {"26097", "Airtel"},
			{"4915100", "Split Co"},
		},
		aliases: []alias{
			{Country: "GB", Carrier: "Three", Code: "23420"},
			{Country: "ZM", Carrier: "MTN", Code: "64502", Name: "MTN Zambia"},
			{Country: "ZM", Carrier: "Airtel", Code: "64501"},
			{Country: "DE", Carrier: "Split Co", Code: "26260", Name: "Split Co"},
		},
		phone: testMeta(t),
	}
	res, err := build(src)
	if err != nil {
		t.Fatal(err)
	}
	gb := mobileByCode(res, "GB")
	if n := gb["23420"]; n.Name != "Three" || !reflect.DeepEqual(n.Ranges, []string{"447400", "447401"}) {
		t.Errorf("GB 23420 = %+v, want Three (shared code named after the carrier) with its two ranges", n)
	}
	if n := gb["23415"]; n.Name != "Vodafone" || !reflect.DeepEqual(n.Ranges, []string{"447700"}) {
		t.Errorf("GB 23415 = %+v, want Vodafone joined by name", n)
	}
	zm := mobileByCode(res, "ZM")
	if n := zm["64502"]; n.Name != "MTN Zambia" || n.MCC != "645" || n.MNC != "02" || !reflect.DeepEqual(n.Ranges, []string{"26076", "26096"}) {
		t.Errorf("ZM 64502 = %+v", n)
	}
	if n := zm["64501"]; n.Name != "Airtel" || !reflect.DeepEqual(n.Ranges, []string{"26097"}) {
		t.Errorf("ZM 64501 = %+v", n)
	}
	de := mobileByCode(res, "DE")
	if n := de["26230"]; len(n.Aliases) != 0 {
		t.Errorf("DE 26230 keeps alias %v after the alias table split it off", n.Aliases)
	}
	if n := de["26260"]; n.Name != "Split Co" || !reflect.DeepEqual(n.Ranges, []string{"4915100"}) {
		t.Errorf("DE 26260 = %+v, want its own network", n)
	}
	if len(res.Unmatched) != 1 || res.Unmatched[0].Carrier != "Nobody" {
		t.Errorf("unmatched = %+v, want only Nobody", res.Unmatched)
	}
	var fixed *network
	for i, n := range res.Networks {
		if n.Code == "ZM-FIXED" {
			fixed = &res.Networks[i]
		}
	}
	if fixed == nil || fixed.Type != "landline" || fixed.Name != "Name ZM Landline" || len(fixed.Ranges) == 0 {
		t.Fatalf("ZM-FIXED = %+v", fixed)
	}
	for _, r := range fixed.Ranges {
		if !strings.HasPrefix(r, "2602") {
			t.Errorf("ZM-FIXED range %s does not start 2602", r)
		}
	}
}

func TestBuildRejectsAliasWithForeignMCC(t *testing.T) {
	src := sources{
		iso:       isoFor("GB"),
		providers: []mbpiProvider{{Country: "GB", Name: "Vodafone", Codes: []string{"23415"}}},
		aliases:   []alias{{Country: "GB", Carrier: "Typo", Code: "26201"}},
		phone:     testMeta(t),
	}
	if _, err := build(src); err == nil || !strings.Contains(err.Error(), "MCC") {
		t.Fatalf("build = %v, want an MCC error", err)
	}
}

func TestRegionOfMobilePrefix(t *testing.T) {
	pm := testMeta(t)
	for prefix, want := range map[string]string{
		"7701": "KZ", "7912": "RU", "1242357": "BS", "26096": "ZM", "447400": "GB", "39347": "IT",
	} {
		r, ok := pm.regionOfMobilePrefix(prefix)
		if !ok || r.Code != want {
			t.Errorf("regionOfMobilePrefix(%s) = %v, %v; want %s", prefix, r, ok, want)
		}
	}
	if _, ok := pm.regionOfMobilePrefix("999"); ok {
		t.Error("prefix 999 got a region")
	}
}

func TestReadAliases(t *testing.T) {
	dir := t.TempDir()
	write := func(text string) string {
		p := filepath.Join(dir, "a.tsv")
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	got, err := readAliases(write("# c\n\nZM\tMTN\t64502\tMTN Zambia\nGB\tThree\t23420\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []alias{{"ZM", "MTN", "64502", "MTN Zambia"}, {"GB", "Three", "23420", ""}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("readAliases = %+v, want %+v", got, want)
	}
	for name, text := range map[string]string{
		"two columns":  "ZM\tMTN\n",
		"lower case":   "zm\tMTN\t64502\n",
		"bad code":     "ZM\tMTN\t6450\n",
		"letters":      "ZM\tMTN\t645ab\n",
		"duplicate":    "ZM\tMTN\t64502\nZM\tMTN\t64503\n",
		"five columns": "ZM\tMTN\t64502\tx\ty\n",
	} {
		if _, err := readAliases(write(text)); err == nil {
			t.Errorf("%s: readAliases accepted %q", name, text)
		}
	}
}

func TestCheckedInAliasesParse(t *testing.T) {
	as, err := readAliases("aliases.tsv")
	if err != nil {
		t.Fatal(err)
	}
	if len(as) < 40 {
		t.Errorf("aliases.tsv has %d rows, want at least 40", len(as))
	}
}

func TestBuildFirstWordAndNoNetwork(t *testing.T) {
	src := sources{
		iso: isoFor("HK", "NG"),
		providers: []mbpiProvider{
			{Country: "HK", Name: "China Mobile", Codes: []string{"45412"}},
			{Country: "NG", Name: "Airtel NG", Codes: []string{"62120"}, Order: 1},
			{Country: "NG", Name: "Glo Mobile", Codes: []string{"62150"}, Order: 2},
		},
		carriers: []carrierPrefix{
			{"85251", "China Mobile"}, {"85252", "China Unicom"},
			{"234802", "Airtel"}, {"234805", "Glo"},
		},
		aliases: []alias{{Country: "NG", Carrier: "Glo", Code: noNetwork}},
		phone:   testMeta(t),
	}
	res, err := build(src)
	if err != nil {
		t.Fatal(err)
	}
	hk := mobileByCode(res, "HK")
	if got := hk["45412"].Ranges; !reflect.DeepEqual(got, []string{"85251"}) {
		t.Errorf("HK 45412 ranges = %v: China Unicom must not join China Mobile by the shared first word", got)
	}
	ng := mobileByCode(res, "NG")
	if got := ng["62120"].Ranges; !reflect.DeepEqual(got, []string{"234802"}) {
		t.Errorf("NG 62120 ranges = %v, want Airtel by first word", got)
	}
	if got := ng["62150"].Ranges; len(got) != 0 {
		t.Errorf("NG 62150 ranges = %v, want none (alias table says -)", got)
	}
}

func TestDropForeignCodes(t *testing.T) {
	in := []mbpiProvider{
		{Country: "UG", Name: "MTN", Codes: []string{"64110"}},
		{Country: "UG", Name: "Orange", Codes: []string{"64114"}},
		{Country: "UG", Name: "Krymtelekom", Codes: []string{"25034"}},
		{Country: "RU", Name: "MTS", Codes: []string{"25001"}},
		{Country: "RU", Name: "Megafon", Codes: []string{"25002"}},
		{Country: "GB", Name: "O2", Codes: []string{"23402"}},
		{Country: "GB", Name: "EE", Codes: []string{"23430"}},
		{Country: "GG", Name: "Sure", Codes: []string{"23455"}},
		{Country: "IN", Name: "Airtel", Codes: []string{"40402", "40403", "40551"}},
	}
	out, dropped := dropForeignCodes(in)
	if !reflect.DeepEqual(dropped, []string{"UG 25034"}) {
		t.Errorf("dropped = %v, want [UG 25034]", dropped)
	}
	if len(out) != len(in)-1 {
		t.Errorf("kept %d providers, want %d", len(out), len(in)-1)
	}
	for _, p := range out {
		if p.Name == "Airtel" && len(p.Codes) != 3 {
			t.Errorf("IN Airtel lost a code of its own second MCC: %v", p.Codes)
		}
	}
}
