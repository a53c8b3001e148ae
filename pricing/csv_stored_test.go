package pricing

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/deckgen"
	"github.com/kassa-dev/kassa/refdata"
)

// storedDeckCases are decks whose stored form (or rejection) is pinned by
// TestReadCSVStoredForm: a generated deck on the fast path, the same
// rows with CRLF, semicolons, padding and a quoted cell part way (the
// rest read by encoding/csv), a deck naming networks, and decks with
// problems of every kind.
func storedDeckCases(t *testing.T) map[string]storedDeckCase {
	t.Helper()
	var gen bytes.Buffer
	if err := deckgen.Write(&gen, refdata.Default(), 120_000); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(gen.String(), "\n"), "\n")
	var mixed strings.Builder
	for i, l := range lines {
		f := strings.Split(l, ",")
		switch {
		case i == 60_000:
			fmt.Fprintf(&mixed, "\"%s\";%s;%s\r\n", f[0], f[1], f[2])
		case i%997 == 5:
			fmt.Fprintf(&mixed, " %s ; +%s ;%s\r\n\r\n", f[0], f[1], f[2])
		default:
			fmt.Fprintf(&mixed, "%s;%s;%s\r\n", f[0], f[1], f[2])
		}
	}
	var bad strings.Builder
	for i, l := range lines[:30_000] {
		switch i % 4001 {
		case 101:
			l += ",extra"
		case 202:
			l = strings.Replace(l, ",0.", ",x0.", 1)
		case 303:
			l = lines[i-1] // a duplicate prefix
		case 404:
			l = strings.Replace(l, ",", ",4a", 1)
		case 505:
			l += "\xff"
		case 606:
			l = strings.Replace(l, ",0.", ",-0.", 1)
		}
		bad.WriteString(l + "\n")
	}
	bad.WriteString("GB,44,\"0.1\n")
	def, small := refdata.Default(), testRef()
	return map[string]storedDeckCase{
		"generated": {gen.Bytes(), def},
		"mixed":     {[]byte(mixed.String()), def},
		"networks": {[]byte("SERVICE,ISO,MCC,MNC,Network Code,Operator,Cost,Currency\n" +
			"sms,GB,234,10,,,0.05,EUR\nsms,DE,,,26201,,0.08,USD\nvoice,ZM,,,ZM-FIXED,Zamtel fixed,0.3,EUR\n" +
			"sms,ZM,,,ZM-FIXED,,0.31,EUR\n"), small},
		"prefixes": {[]byte("Dial Code;Country;Network Name;Rate;Currency;Effective Date\n" +
			"44;GB;;0.0333;EUR;2026-12-01\n4477;GB;;0.04;EUR;2026-12-01\n4478;GB;;0.04;EUR;2026-12-01\n" +
			"447700900;GB;Test Numbers;0.001;EUR;2026-12-01\n2609;;;0.3;USD;2026-12-01\n\"4479\";+44;\"Quoted, name\";0.5;USD;\n"), small},
		"bad":   {[]byte(bad.String()), def},
		"quote": {[]byte("country,prefix,price\nGB,44,0.1\n\nGB,4477,0.2,\nGB,4478,\"0.3\nGB,4479,0.3\n"), small},
	}
}

type storedDeckCase struct {
	deck []byte
	ref  *refdata.Data
}

// TestReadCSVStoredForm pins what ReadCSV makes of each storedDeckCases
// deck: the sha256 of the stored chunks of an accepted deck, of the
// message of a rejected one. A faster reader must store the same bytes
// and say the same things.
func TestReadCSVStoredForm(t *testing.T) {
	want := map[string]string{
		// Derived M records (records.go) changed these two and
		// "prefixes"; the books they decode to did not change.
		"generated": "5a4e8c3e192c33181c1fc664709c2e89f35e0953cc1eda320765d0c9160c4f25",
		"mixed":     "5a4e8c3e192c33181c1fc664709c2e89f35e0953cc1eda320765d0c9160c4f25",
		"networks":  "9844eb1a7b626f14ea022d025a2be92ff3009611bc06568dba51edd90dc00537",
		"prefixes":  "92620af50e16310fa630b7131a573ac9e69608d2712bd8d9ebcd10dd87efac92",
		"bad":       "error 86b8160138964f8497bf97037d8eff8c50d2cce17091b3d1ccb4555fe5eb9963",
		"quote":     "error ddb1655cf0be51478f4a7e9db0024b9768c3fe31c17c324cff946de24b4b2653",
	}
	for name, c := range storedDeckCases(t) {
		// Sized up front, and grown from the smallest table (through the
		// mapped tables of offheap.go).
		for _, rows := range []int{ExpectedRows(int64(len(c.deck))), 0} {
			d, err := ReadCSV(bytes.NewReader(c.deck), CSVOptions{Type: kassa.SMS, Ref: c.ref, ExpectedRows: rows})
			var got string
			if err != nil {
				sum := sha256.Sum256([]byte(err.Error()))
				got = "error " + hex.EncodeToString(sum[:])
				if testing.Verbose() {
					t.Logf("%s: %v", name, err)
				}
			} else {
				got = kassa.ChunksChecksum(d.storedChunks())
				d.release()
			}
			if got != want[name] {
				t.Errorf("%s (expected rows %d): got %s, want %s", name, rows, got, want[name])
			}
		}
	}
}
