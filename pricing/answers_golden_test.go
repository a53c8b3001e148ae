package pricing

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// updateAnswers rewrites testdata/answers/*.txt from the current code:
// go test ./pricing -run TestAnswersUnchanged -update-answers
var updateAnswers = flag.Bool("update-answers", false, "rewrite the answer digests in testdata/answers")

// answerCase is one compiled book whose every answer is digested.
type answerCase struct {
	name string
	ref  *refdata.Data
	book func(ref *refdata.Data) *kassa.PriceBook
	fx   map[string]string
}

// answerCases are the books of TestAnswersUnchanged: the demo tariff over
// the embedded reference data (with and without an exchange rate), the
// hand-made test book with book networks, USD lines and names that need
// escaping, and a CSV deck of prefixes.
func answerCases() []answerCase {
	fx := map[string]string{"EUR/USD": "1.0825"}
	return []answerCase{
		{"demo", refdata.Default(), DemoBook, fx},
		{"demo-nofx", refdata.Default(), DemoBook, nil},
		{"testbook", testRef(), richTestBook, fx},
		{"testbook-nofx", testRef(), richTestBook, nil},
		{"csvdeck", refdata.Default(), csvDeckBook, fx},
	}
}

// richTestBook is testBook with book networks (several ranges, aliases,
// names that JSON and XML escape), USD lines and a USD-only country.
func richTestBook(*refdata.Data) *kassa.PriceBook {
	book := testBook()
	book.Networks = []kassa.Network{
		{Code: "GB-TEST", Name: `Test <range> & "quotes" é ` + "\u2028", Type: kassa.Mobile, Country: "GB", MCC: "234", MNC: "099", Aliases: []string{"GBT", "GBT2"}, Ranges: []string{"447700900", "447700901"}},
		{Code: "GB-447911", Name: "United Kingdom 447911", Type: kassa.Landline, Country: "GB", Ranges: []string{"447911"}},
		{Code: "AAA", Name: "first by code", Type: kassa.Pager, Country: "DE", MCC: "262", MNC: "42", Ranges: []string{"491700"}},
		{Code: "ZM-NEW", Name: "Zambia\tNew", Type: kassa.Virtual, Country: "ZM"},
	}
	usd := func(t kassa.ServiceType, country, network, price string) kassa.Price {
		return kassa.Price{Type: t, Country: country, Network: network, Currency: kassa.USD, Price: amt(price)}
	}
	eur := func(t kassa.ServiceType, country, network, price string) kassa.Price {
		return kassa.Price{Type: t, Country: country, Network: network, Currency: kassa.EUR, Price: amt(price)}
	}
	book.Prices = append(book.Prices,
		eur(kassa.SMS, "GB", "GB-TEST", "0.001"),
		usd(kassa.SMS, "GB", "GB-TEST", "0.0012"),
		eur(kassa.SMS, "GB", "GB-447911", "0"),
		usd(kassa.SMS, "DE", "AAA", "0.12345678"),
		usd(kassa.Voice, "US", "", "0.013"),
		usd(kassa.Voice, "US", "310004", "0.011"),
		eur(kassa.SMSTransit, "ZM", "ZM-NEW", "0.3"),
		usd(kassa.SMS, "UM", "", "0.33333333"),
	)
	return book
}

// csvDeckBook parses a deck of country,prefix,price rows over the real
// reference data: dialling prefixes, known ranges and new prefixes.
func csvDeckBook(ref *refdata.Data) *kassa.PriceBook {
	var b strings.Builder
	b.WriteString("country,prefix,price\n")
	n := 0
	for _, c := range ref.Countries {
		if c.DialingPrefix == "" || len(ref.CountriesByPrefix(c.DialingPrefix)) != 1 {
			continue
		}
		fmt.Fprintf(&b, "%s,%s,0.0%d\n", c.Code, c.DialingPrefix, 100+n%700)
		for i := 0; i < 3; i++ {
			fmt.Fprintf(&b, "%s,%s0%d%d,0.00%d\n", c.Code, c.DialingPrefix, 9, i, 1000+(n*7+i)%5000)
		}
		n++
	}
	book, err := ParseCSV(strings.NewReader(b.String()), CSVOptions{Type: kassa.Voice, Ref: ref, Name: "deck"})
	if err != nil {
		panic(err)
	}
	return book
}

// answerDigests compiles a case and digests every answer it gives, one
// line per (kind, type, currency, format).
func answerDigests(t testing.TB, c answerCase, opts CompileOptions) []string {
	t.Helper()
	opts.FX = c.fx
	book := c.book(c.ref)
	s, err := Compile(book, c.ref, opts)
	if err != nil {
		t.Fatalf("%s: %v", c.name, err)
	}
	var d digester
	shape := struct { // the fields of kassa.PriceBook when the digests were recorded
		Name     string
		Demo     bool
		Prices   []kassa.Price
		Networks []kassa.Network
	}{book.Name, book.Demo, book.Prices, book.Networks}
	d.add("book", []byte(fmt.Sprintf("%+v", shape)))
	return append(d.lines, digestSnapshot(t, s, c.ref, opts.streamAbove > 0)...)
}

// digester accumulates one line's digest.
type digester struct {
	lines      []string
	bodiesOnly bool // leave out ETags and whether a gzip copy is stored
}

func (d *digester) add(key string, parts ...[]byte) {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	d.lines = append(d.lines, key+" "+hex.EncodeToString(h.Sum(nil)[:12]))
}

// docBytes is everything a document shows a client: body (read through
// WriteBody when it is streamed), content type, ETags and the gzip body
// decompressed.
func (d *digester) docBytes(t testing.TB, doc *Document, err error) []byte {
	t.Helper()
	if err != nil {
		return []byte("error " + string(kassa.ErrorCode(err)) + " " + kassa.ErrorField(err) + " " + kassa.ErrorMessage(err))
	}
	var out bytes.Buffer
	if d.bodiesOnly {
		fmt.Fprintf(&out, "%s|", doc.ContentType)
		out.Write(documentBody(t, doc))
		return out.Bytes()
	}
	fmt.Fprintf(&out, "%s|%s|%s|", doc.ContentType, doc.ETag, doc.GzipETag)
	body := documentBody(t, doc)
	out.Write(body)
	if doc.Gzip != nil {
		zr, err := gzip.NewReader(bytes.NewReader(doc.Gzip))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(plain, body) {
			t.Errorf("gzip body differs from the plain body")
		}
		out.WriteString("|gzip")
	}
	return out.Bytes()
}

func digestSnapshot(t testing.TB, s *Snapshot, ref *refdata.Data, bodiesOnly bool) []string {
	d := digester{bodiesOnly: bodiesOnly}
	formats := []Format{JSON, XML}
	var prefixes []string
	seen := map[string]bool{}
	for _, c := range ref.Countries {
		if !seen[c.DialingPrefix] && c.DialingPrefix != "" {
			seen[c.DialingPrefix] = true
			prefixes = append(prefixes, c.DialingPrefix)
		}
	}
	prefixes = append(prefixes, "999", "4477", "+44", "abc", "")
	for _, typ := range append(slices.Clone(kassa.ServiceTypes), "fax") {
		for _, cur := range []kassa.Currency{kassa.EUR, kassa.USD} {
			for _, f := range formats {
				var parts [][]byte
				for _, c := range ref.Countries {
					doc, err := s.CountryPricing(typ, strings.ToLower(c.Code), cur, f)
					parts = append(parts, d.docBytes(t, doc, err))
				}
				doc, err := s.CountryPricing(typ, "XX", cur, f)
				parts = append(parts, d.docBytes(t, doc, err))
				d.add(fmt.Sprintf("country %s %s %d", typ, cur, f), parts...)
				doc, err = s.FullPricing(typ, cur, f)
				d.add(fmt.Sprintf("full %s %s %d", typ, cur, f), d.docBytes(t, doc, err))
				parts = nil
				for _, p := range prefixes {
					doc, err := s.PrefixPricing(typ, p, cur, f)
					parts = append(parts, d.docBytes(t, doc, err))
				}
				d.add(fmt.Sprintf("prefix %s %s %d", typ, cur, f), parts...)
			}
			cps := s.Countries(typ, cur)
			d.add(fmt.Sprintf("countries %s %s", typ, cur), []byte(fmt.Sprintf("%+v", cps)))
			var rates [][]byte
			for _, n := range rateNumbers(ref) {
				r, err := s.Rate(typ, n, cur)
				rates = append(rates, []byte(fmt.Sprintf("%s %+v %v", n, r, err)))
			}
			d.add(fmt.Sprintf("rate %s %s", typ, cur), rates...)
			var out bytes.Buffer
			err := ExportJSON(&out, s, typ, cur)
			d.add(fmt.Sprintf("exportjson %s %s", typ, cur), out.Bytes(), []byte(fmt.Sprint(err)))
		}
		var out bytes.Buffer
		err := ExportCSV(&out, s, typ)
		d.add(fmt.Sprintf("exportcsv %s", typ), out.Bytes(), []byte(fmt.Sprint(err)))
	}
	for _, cur := range []kassa.Currency{kassa.EUR, kassa.USD} {
		for _, f := range formats {
			var parts [][]byte
			for _, p := range prefixes {
				for _, page := range []int{0, 1, 2} {
					doc, err := s.LegacyPrefixPricing(p, cur, f, page)
					parts = append(parts, d.docBytes(t, doc, err))
				}
			}
			d.add(fmt.Sprintf("legacy %s %d", cur, f), parts...)
		}
		d.add(fmt.Sprintf("available %s", cur), []byte(fmt.Sprint(s.Available(kassa.SMS, cur))))
	}
	d.add("warnings", []byte(strings.Join(s.Warnings(), "\n")))
	return d.lines
}

// rateNumbers are numbers under every range and dialling prefix of ref,
// and some that match nothing or are malformed.
func rateNumbers(ref *refdata.Data) []string {
	var out []string
	for _, n := range ref.Networks {
		for _, r := range n.Ranges {
			out = append(out, (r + "123456789012345")[:max(len(r), 12)])
		}
	}
	for _, c := range ref.Countries {
		out = append(out, c.DialingPrefix+"987654321")
	}
	return append(out, "447700900123", "447700901000", "447911000000", "491700123456", "999999999", "12", "+44 (77) 00-900123", "0044770090012", "44x")
}

// TestAnswersUnchanged compares a digest of every answer (per-country,
// full and prefix answers in both formats and currencies, the typed views,
// ratings, exports) with the digests recorded in testdata/answers: the
// answers must stay byte for byte what they were, whatever the snapshot's
// inner layout.
func TestAnswersUnchanged(t *testing.T) {
	for _, c := range answerCases() {
		t.Run(c.name, func(t *testing.T) {
			got := answerDigests(t, c, CompileOptions{})
			path := filepath.Join("testdata", "answers", c.name+".txt")
			if *updateAnswers {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(strings.Join(got, "\n")+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
			compareDigests(t, got, want)
		})
	}
}

// compareDigests reports each differing line.
func compareDigests(t *testing.T, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d digests, want %d", len(got), len(want))
	}
	for i := 0; i < min(len(got), len(want)); i++ {
		if got[i] != want[i] {
			t.Errorf("answer changed:\n got %s\nwant %s", got[i], want[i])
		}
	}
}

// documentBody returns a document's plain body, rendering a streamed one.
func documentBody(t testing.TB, d *Document) []byte {
	t.Helper()
	if !d.Streamed() {
		return d.Body
	}
	var buf bytes.Buffer
	if err := d.WriteBody(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStreamedAnswersAreTheSame compiles every book of
// TestAnswersUnchanged as a large book would be (its answers rendered as
// they are written) and wants every body the same as pre-rendered.
func TestStreamedAnswersAreTheSame(t *testing.T) {
	for _, c := range answerCases() {
		t.Run(c.name, func(t *testing.T) {
			compareDigests(t, answerDigests(t, c, CompileOptions{streamAbove: 1}), answerDigests(t, c, CompileOptions{streamAbove: 1 << 62}))
		})
	}
}
