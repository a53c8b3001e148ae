package pricing

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

// FuzzParseCSV feeds arbitrary decks to ParseCSV: it must never panic,
// must fail only with an EINVALID *kassa.Error whose message is valid
// UTF-8, and every book it accepts must compile and survive a CSV export
// and re-import with the same answers.
func FuzzParseCSV(f *testing.F) {
	for _, seed := range []string{
		"prefix,country,price\n44,GB,0.03\n4477,GB,0.04\n",
		"Dial Code;Network Name;Rate;Currency\n447700900;Test;0.001;EUR\n",
		"mcc,mnc,price,type\n234,10,0.05,sms\n645,02,0.2,voice\n",
		"country,network code,price\nDE,26201,0.08\nZM,ZM-FIXED,0.3\n",
		"\xEF\xBB\xBFiso\tcost\nGB\t0.01\n",
		"prefix,price\n\"44,0.03\n",
		"country,price\nGB,-1\nXX,abc\n",
		// Cells beyond ASCII on the fast path (a batch checked whole
		// when it is ASCII): valid UTF-8, and not.
		"country,prefix,price\nGB,44,0.1\nGB,4477,0.2\u00e9\nGB,4478, 0.3\n",
		"country,prefix,price\nGB,44,0.1\nGB,4477\xff,0.2\nGB,44780,0.30000001\n",
	} {
		f.Add([]byte(seed))
	}
	ref := testRef()
	f.Fuzz(func(t *testing.T, deck []byte) {
		book, err := ParseCSV(bytes.NewReader(deck), CSVOptions{Type: kassa.SMS, Ref: ref})
		if err != nil {
			if kassa.ErrorCode(err) != kassa.EINVALID {
				t.Fatalf("error code %q: %v", kassa.ErrorCode(err), err)
			}
			if !utf8.ValidString(kassa.ErrorMessage(err)) {
				t.Fatalf("message is not UTF-8: %q", kassa.ErrorMessage(err))
			}
			return
		}
		s, err := Compile(book, ref, CompileOptions{FX: map[string]string{"EUR/USD": "1.1"}})
		if err != nil {
			t.Fatalf("accepted deck does not compile: %v\n%q", err, deck)
		}
		// The stored form compiles to the same answers as the book, in
		// either rendering.
		d, err := ReadCSV(bytes.NewReader(deck), CSVOptions{Type: kassa.SMS, Ref: ref})
		if err != nil {
			t.Fatalf("ReadCSV refused what ParseCSV took: %v", err)
		}
		s3, err := compileDeck(d, ref, CompileOptions{FX: map[string]string{"EUR/USD": "1.1"}, streamAbove: -1})
		if err != nil {
			t.Fatalf("the stored form does not compile: %v", err)
		}
		for _, typ := range kassa.ServiceTypes {
			want, _ := s.FullPricing(typ, kassa.EUR, JSON)
			got, _ := s3.FullPricing(typ, kassa.EUR, JSON)
			if want != nil && got != nil && !bytes.Equal(want.Body, documentBody(t, got)) {
				t.Fatalf("the stored form answers %s differently\n%q", typ, deck)
			}
		}
		hasSMS := false
		for _, p := range book.Prices {
			hasSMS = hasSMS || p.Type == kassa.SMS
		}
		if !hasSMS {
			return // the export of sms is a header only (a deck of another type column)
		}
		var out bytes.Buffer
		if err := ExportCSV(&out, s, kassa.SMS); err != nil {
			t.Fatal(err)
		}
		again, err := ParseCSV(bytes.NewReader(out.Bytes()), CSVOptions{Ref: ref})
		if err != nil {
			t.Fatalf("export does not re-import: %v\n%s", err, out.String())
		}
		s2, err := Compile(again, ref, CompileOptions{FX: map[string]string{"EUR/USD": "1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := s.FullPricing(kassa.SMS, kassa.EUR, JSON)
		b, _ := s2.FullPricing(kassa.SMS, kassa.EUR, JSON)
		if a != nil && b != nil && !bytes.Equal(a.Body, b.Body) {
			t.Fatalf("answers differ after export and import\n%s", out.String())
		}
	})
}

// FuzzDecodeChunk feeds arbitrary bytes to the stored form's decoders
// (the compiler's and the book builder's): an error or records, never a
// panic.
func FuzzDecodeChunk(f *testing.F) {
	d, err := ReadCSV(strings.NewReader("type,country,prefix,network code,price\nsms,GB,447700900,,0.01\nvoice,GB,447700901,GB-X,0.02\nsms,GB,447700902,GB-X,0.02\nsms,DE,49,,0.07\n"), CSVOptions{Ref: testRef()})
	if err != nil {
		f.Fatal(err)
	}
	for _, c := range d.storedChunks() {
		f.Add(c)
	}
	f.Add([]byte(chunkMagic + "\x00M\xff"))
	f.Add([]byte(chunkMagic + "\x01M\xd1\x00\x02GB\x00\x0eUnited Kingdom\x00\x0244\x00\x02"))
	ref := testRef()
	f.Fuzz(func(t *testing.T, chunk []byte) {
		c, err := newCompiler(ref, CompileOptions{SkipStale: true, contentID: "fuzz"})
		if err != nil {
			t.Fatal(err)
		}
		if eachChunkRecord(chunk, c.record) == nil {
			_, _ = c.finish()
		}
		_ = eachChunkRecord(chunk, newBookBuilder().add)
	})
}

// FuzzParseFullPricingJSON feeds arbitrary input to ParseFullPricingJSON:
// no panic, only EINVALID errors, and an accepted book that compiles
// answers the same after an export and re-import.
func FuzzParseFullPricingJSON(f *testing.F) {
	f.Add([]byte(`{"count":1,"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":"0.03330000","networks":[{"type":"mobile","price":"0.04000000","currency":"EUR","mcc":"234","mnc":"10","networkCode":"23410","networkName":"O2 UK"}]}]}`))
	f.Add([]byte(`{"count":"2","countries":[{"countryCode":"VA","currency":"EUR"},{"countryCode":"ZM","currency":"USD","networks":[{"type":"landline","price":"0.1","networkCode":"ZM-NEW","networkName":"New","ranges":[26021]}]}]}`))
	f.Add([]byte(`{"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":1}]}`))
	f.Add([]byte(`{"count":1,"countries":[`))
	ref := testRef()
	f.Fuzz(func(t *testing.T, in []byte) {
		book, err := ParseFullPricingJSON(bytes.NewReader(in), kassa.Voice, ref)
		if err != nil {
			if kassa.ErrorCode(err) != kassa.EINVALID {
				t.Fatalf("error code %q: %v", kassa.ErrorCode(err), err)
			}
			return
		}
		s, err := Compile(book, ref, CompileOptions{})
		if err != nil {
			if kassa.ErrorCode(err) != kassa.EINVALID || strings.TrimSpace(kassa.ErrorMessage(err)) == "" {
				t.Fatalf("compile error %v", err)
			}
			return
		}
		for _, cur := range []kassa.Currency{kassa.EUR, kassa.USD} {
			var out bytes.Buffer
			if err := ExportJSON(&out, s, kassa.Voice, cur); err != nil {
				continue // the currency is not available without a rate
			}
			back, err := ParseFullPricingJSON(bytes.NewReader(out.Bytes()), kassa.Voice, ref)
			if err != nil {
				t.Fatalf("export does not re-import: %v", err)
			}
			s2, err := Compile(back, ref, CompileOptions{})
			if err != nil {
				t.Fatalf("re-import does not compile: %v", err)
			}
			d, err := s2.FullPricing(kassa.Voice, cur, JSON)
			if err != nil || !bytes.Equal(d.Body, out.Bytes()) {
				t.Fatalf("answer differs after export and import: %v", err)
			}
		}
	})
}
