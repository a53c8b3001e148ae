package pricing

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestRecordsRoundTrip writes random sequences of every record kind, derived
// M records among them (whose code and name the encoder settles only when
// another kind follows), over several chunks, and checks that the decoder
// gives back each record as written.
func TestRecordsRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 15))
	countries := []string{"GB", "DE", "FR"}
	stems := []string{"United Kingdom", "Germany", "France", "United Kingdom of Great Britain"}
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	digits := func() string { return fmt.Sprintf("%d", 44_000+rng.IntN(2_000)*rng.IntN(1_000)) }
	for round := range 40 {
		enc := newRecordEncoder()
		var want []string
		for range 2_000 + rng.IntN(30_000) {
			country, rg := pick(countries), digits()
			amount := kassa.Amount(rng.Int64N(1e8))
			ntype := []kassa.NetworkType{kassa.Mobile, kassa.Landline}[rng.IntN(2)]
			withPrice := rng.IntN(3) > 0
			price := ""
			if withPrice {
				price = fmt.Sprintf(" | P 0 %s %s-%s %d", country, country, rg, amount)
			}
			switch rng.IntN(6) {
			case 0:
				stem := pick(stems)
				// The from key stands for the fields, as the reader's does;
				// half the records have none.
				from := uint64(0)
				if rng.IntN(2) == 0 {
					from = uint64(len(country)+len(stem)*7+len(ntype)*131) | uint64(country[0])<<40 | uint64(stem[0])<<48
				}
				enc.derivedNetwork(from, country, stem, ntype, "234", "10", rg, withPrice, 0, amount)
				want = append(want, fmt.Sprintf("N %s %s-%s %s %s %s 234 10 [%s]", country, country, rg, stem+" "+rg, ntype, "", rg)+price)
			case 1:
				// Half the names are what a derived record would give, so
				// that front coding against a derived name is exercised.
				code, name := country+"-"+rg, pick(stems)+" x"+rg
				switch rng.IntN(3) {
				case 0:
					name = pick(stems) + " " + rg
				case 1:
					name = pick(stems) + rg
				}
				enc.compactNetwork(country, code, []byte(name), ntype, "", "", rg, withPrice, 0, amount)
				want = append(want, fmt.Sprintf("N %s %s %s %s %s   [%s]", country, code, name, ntype, "", rg)+price)
			case 2:
				n := kassa.Network{Country: country, Code: country + "-" + rg, Name: pick(stems) + " " + rg, Type: ntype, MCC: "208", MNC: "01", Ranges: []string{rg, rg + "1"}}
				enc.network(&n)
				want = append(want, fmt.Sprintf("N %s %s %s %s %s 208 01 [%s %s]", country, n.Code, n.Name, ntype, "", rg, rg+"1"))
			case 3:
				addRangeRecord(enc, country, country+"-"+rg, rg+"9")
				want = append(want, fmt.Sprintf("R %s %s-%s [%s]", country, country, rg, rg+"9"))
			case 4:
				priceRecord(enc, 1, 1, country, country+"-"+rg, amount)
				want = append(want, fmt.Sprintf("P 3 %s %s-%s %d", country, country, rg, amount))
			case 5:
				enc.networkBytes(country, country+"-"+rg, []byte(pick(stems)), ntype, "", "", rg)
				want = append(want, "") // checked by kind only below
				want[len(want)-1] = fmt.Sprintf("N %s %s-%s ? %s   [%s]", country, country, rg, ntype, rg)
			}
		}
		var got []string
		for _, chunk := range enc.finish() {
			var pending string
			err := eachChunkRecord(chunk, func(r *record) error {
				switch r.kind {
				case recNetwork:
					if pending != "" {
						got = append(got, pending)
					}
					pending = fmt.Sprintf("N %s %s %s %s %s %s %s [%s]", r.country, r.code, r.name, r.ntype, "", r.mcc, r.mnc, joinBytes(r.ranges))
				case recRange:
					if pending != "" {
						got = append(got, pending)
					}
					pending = fmt.Sprintf("R %s %s [%s]", r.country, r.code, joinBytes(r.ranges))
				case recPrice:
					line := fmt.Sprintf("P %d %s %s %d", r.typ<<1|r.cur, r.country, r.code, r.amount)
					if strings.HasPrefix(pending, "N ") && r.typ == 0 {
						got = append(got, pending+" | "+line) // an M record's price line
						pending = ""
						return nil
					}
					if pending != "" {
						got = append(got, pending)
						pending = ""
					}
					got = append(got, line)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
			if pending != "" {
				got = append(got, pending)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("round %d: %d records decoded, %d written", round, len(got), len(want))
		}
		for i := range want {
			if strings.Contains(want[i], " ? ") {
				// networkBytes: the name was picked at random; compare the rest.
				g := strings.Fields(got[i])
				w := strings.Fields(want[i])
				if g[0] != w[0] || g[1] != w[1] || g[2] != w[2] || g[len(g)-1] != w[len(w)-1] {
					t.Fatalf("round %d, record %d:\n got %s\nwant %s", round, i, got[i], want[i])
				}
				continue
			}
			if got[i] != want[i] {
				t.Fatalf("round %d, record %d:\n got %s\nwant %s", round, i, got[i], want[i])
			}
		}
	}
}

// joinBytes joins byte strings with spaces, for messages.
func joinBytes(list [][]byte) string {
	s := make([]string, len(list))
	for i, b := range list {
		s[i] = string(b)
	}
	return strings.Join(s, " ")
}

// TestDerivedChunkRefusedAsRaw checks that a derived M record in a chunk
// marked chunkRaw (as an older kassa wrote, or a damaged one) is refused
// rather than decoded.
func TestDerivedChunkRefusedAsRaw(t *testing.T) {
	enc := newRecordEncoder()
	enc.derivedNetwork(0, "GB", "United Kingdom", kassa.Mobile, "", "", "447700", true, 0, 1)
	chunk := enc.finish()[0]
	if chunk[len(chunkMagic)] != chunkDerived {
		t.Fatalf("a chunk with a derived record is marked %d, want %d", chunk[len(chunkMagic)], chunkDerived)
	}
	n := 0
	if err := eachChunkRecord(chunk, func(*record) error { n++; return nil }); err != nil || n != 2 {
		t.Fatalf("derived chunk: %d records, %v", n, err)
	}
	raw := append([]byte(nil), chunk...)
	raw[len(chunkMagic)] = chunkRaw
	if err := eachChunkRecord(raw, func(*record) error { return nil }); err == nil {
		t.Fatal("a derived record in a raw chunk decoded")
	}
	plain := newRecordEncoder()
	priceRecord(plain, 0, 0, "GB", "", 1)
	if c := plain.finish()[0]; c[len(chunkMagic)] != chunkRaw {
		t.Fatalf("a chunk without derived records is marked %d, want %d (readable by older versions)", c[len(chunkMagic)], chunkRaw)
	}
}

// TestDerivedNetworksKeepTheirRowsType: rows under one range whose
// network type column changes from row to row each get their own type
// (the reader's shortcut for a row extending the previous one's range
// must not carry a type over), and an empty cell gives the range's.
func TestDerivedNetworksKeepTheirRowsType(t *testing.T) {
	deck := "country,prefix,network type,price\n" +
		"GB,447701,mobile,0.01\nGB,447702,landline,0.02\nGB,447703,,0.03\nGB,447704,landline,0.04\nGB,447705,,0.05\n"
	book, err := ParseCSV(strings.NewReader(deck), CSVOptions{Ref: testRef(), Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]kassa.NetworkType{"GB-447701": kassa.Mobile, "GB-447702": kassa.Landline, "GB-447703": kassa.Mobile, "GB-447704": kassa.Landline, "GB-447705": kassa.Mobile}
	if len(book.Networks) != len(want) {
		t.Fatalf("%d networks, want %d: %+v", len(book.Networks), len(want), book.Networks)
	}
	for _, n := range book.Networks {
		if n.Type != want[n.Code] || n.Name != "United Kingdom "+n.Code[3:] || n.MCC != "234" || n.MNC != "10" {
			t.Errorf("%s: %+v, want type %s, the derived name and O2's MCC/MNC", n.Code, n, want[n.Code])
		}
	}
}
