package pricing

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// baseWithBookNetworks is a stored base for merges: testBook's lines of
// every type, book networks (one with a range added by a later record)
// and lines of several types on them.
const baseDeck = "type,country,prefix,network code,network name,price\n" +
	"voice,GB,44,,,0.01\n" +
	"voice,GB,447700900,,Old test range,0.002\n" +
	"sms,GB,447911,GB-X,Shared X,0.03\n" +
	"voice,GB,447912,GB-X,Shared X,0.04\n" +
	"sms-transit,ZM,26096,,,0.2\n" +
	"sms,DE,49,,,0.07\n"

// TestImportDeckMergesAsMergeDid imports an sms deck over a stored base
// with ImportDeck (the base read chunk by chunk) and over the same base
// decoded whole with Merge: both versions give every answer alike, and
// their CSV exports (streamed from the store) are the same bytes.
func TestImportDeckMergesAsMergeDid(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet, FX: map[string]string{"EUR/USD": "1.1"}})
	base, err := ReadCSV(strings.NewReader(baseDeck), CSVOptions{Ref: testRef(), Name: "base"})
	if err != nil {
		t.Fatal(err)
	}
	bv, err := svc.ImportDeck(ctx, base, ImportOptions{Source: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	const smsDeck = "country,prefix,network code,price\nGB,44,,0.05\nGB,447911,GB-X,0.06\nGB,447700901,,0.001\n"
	deck, err := ReadCSV(strings.NewReader(smsDeck), CSVOptions{Ref: testRef(), Type: kassa.SMS, Name: "sms deck"})
	if err != nil {
		t.Fatal(err)
	}
	streamed, err := svc.ImportDeck(ctx, deck, ImportOptions{Source: "csv", Base: bv.Version})
	if err != nil {
		t.Fatal(err)
	}
	baseBook, _ := ParseCSV(strings.NewReader(baseDeck), CSVOptions{Ref: testRef(), Name: "base"})
	deckBook, _ := ParseCSV(strings.NewReader(smsDeck), CSVOptions{Ref: testRef(), Type: kassa.SMS, Name: "sms deck"})
	merged := Merge(baseBook, deckBook)
	// Merge puts the copied lines first; an import stores the deck's first.
	n := len(merged.Prices) - len(deckBook.Prices)
	merged.Prices = append(append([]kassa.Price(nil), merged.Prices[n:]...), merged.Prices[:n]...)
	whole, err := svc.Import(ctx, merged, "csv")
	if err != nil {
		t.Fatal(err)
	}
	if streamed.Prices != whole.Prices || streamed.Name != "sms deck" {
		t.Errorf("streamed merge: %d prices %q; Merge: %d prices", streamed.Prices, streamed.Name, whole.Prices)
	}
	a, err := svc.VersionSnapshot(ctx, streamed.Version)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.VersionSnapshot(ctx, whole.Version)
	if err != nil {
		t.Fatal(err)
	}
	compareDigests(t, digestSnapshot(t, a, testRef(), true), digestSnapshot(t, b, testRef(), true))
	for _, typ := range kassa.ServiceTypes {
		var sa, sb, book bytes.Buffer
		if err := svc.ExportCSV(ctx, &sa, a, typ); err != nil {
			t.Fatal(err)
		}
		if err := svc.ExportCSV(ctx, &sb, b, typ); err != nil {
			t.Fatal(err)
		}
		if err := ExportCSV(&book, mustCompile(t, merged, CompileOptions{}), typ); err != nil {
			t.Fatal(err)
		}
		if sa.String() != sb.String() || sa.String() != book.String() {
			t.Errorf("%s export differs:\nstreamed merge:\n%s\nMerge:\n%s\nbook:\n%s", typ, sa.String(), sb.String(), book.String())
		}
	}
	// The deck's GB-X (a line for sms) shadows the base's: the base's
	// voice line is kept on it, the base's definition (with its second
	// range 447912) is not.
	r, err := a.Rate(kassa.Voice, "447911123456", kassa.EUR)
	if err != nil || r.NetworkCode != "GB-X" || r.UnitPrice != amt("0.04") {
		t.Errorf("voice on the shared network: %+v %v", r, err)
	}
	if r, err := a.Rate(kassa.Voice, "447912123456", kassa.EUR); err != nil || r.NetworkCode == "GB-X" {
		t.Errorf("the base's range of a shadowed network: %+v %v", r, err)
	}
}

// TestImportDeckChecksJSONDecks: a JSON price list names countries freely;
// ImportDeck compiles it before storing and refuses it whole.
func TestImportDeckChecksJSONDecks(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet})
	deck, err := ReadFullPricingJSON(strings.NewReader(`{"countries":[{"countryCode":"GB","currency":"EUR","defaultPrice":"0.1"},{"countryCode":"XX","currency":"EUR","defaultPrice":"0.1"}]}`), kassa.SMS, testRef())
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.ImportDeck(ctx, deck, ImportOptions{Source: "json"})
	if got := Problems(err); len(got) != 1 || got[0].Where != "line 2 (sms XX default EUR)" {
		t.Fatalf("ImportDeck = %v; want the XX line refused", err)
	}
	if list, _ := store.PriceBooks(ctx); len(list) != 0 {
		t.Errorf("a refused deck was stored: %+v", list)
	}
}

// TestOlderStoredFormat: a version stored as one gzip'd JSON blob (before
// chunks) still compiles, exports and serves as a merge base.
func TestOlderStoredFormat(t *testing.T) {
	ctx := context.Background()
	store := openSQLite(t, nil)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet, FX: map[string]string{"EUR/USD": "1.0825"}})
	book := richTestBook(nil)
	blob, err := Encode(book)
	if err != nil {
		t.Fatal(err)
	}
	v := &kassa.PriceBookVersion{Name: book.Name, Source: "csv", Prices: len(book.Prices)}
	if err := store.CreatePriceBook(ctx, v, [][]byte{blob}); err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, v.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	want := mustCompile(t, book, CompileOptions{FX: map[string]string{"EUR/USD": "1.0825"}})
	compareDigests(t, digestSnapshot(t, svc.Current(), testRef(), true), digestSnapshot(t, want, testRef(), true))
	var got, exp bytes.Buffer
	if err := svc.ExportCSV(ctx, &got, svc.Current(), kassa.SMS); err != nil {
		t.Fatal(err)
	}
	if err := ExportCSV(&exp, want, kassa.SMS); err != nil {
		t.Fatal(err)
	}
	if got.String() != exp.String() {
		t.Errorf("export of the older form:\n%s\nwant\n%s", got.String(), exp.String())
	}
	deck, err := ReadCSV(strings.NewReader("country,price\nGB,0.05\n"), CSVOptions{Ref: testRef(), Type: kassa.SMS})
	if err != nil {
		t.Fatal(err)
	}
	merged, err := svc.ImportDeck(ctx, deck, ImportOptions{Source: "csv", Base: v.Version})
	if err != nil {
		t.Fatal(err)
	}
	snap, err := svc.VersionSnapshot(ctx, merged.Version)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := snap.Rate(kassa.Voice, "447700800123", kassa.EUR); err != nil || r.UnitPrice != amt("0.01") {
		t.Errorf("voice copied from the older version: %+v %v", r, err)
	}
}

// TestCorruptChunks: stored data that does not decode is an error, never
// a panic, whatever the damage.
func TestCorruptChunks(t *testing.T) {
	deck, err := ReadCSV(strings.NewReader(baseDeck), CSVOptions{Ref: testRef()})
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range deck.storedChunks() {
		for cut := 0; cut < len(chunk); cut += max(1, len(chunk)/50) {
			for _, bad := range [][]byte{chunk[:cut], append(bytes.Clone(chunk[:cut]), 0xff, 0x00, 'M', 'P')} {
				c, err := newCompiler(testRef(), CompileOptions{SkipStale: true, contentID: "x"})
				if err != nil {
					t.Fatal(err)
				}
				_ = eachChunkRecord(bad, c.record) // an error or fewer records; no panic
				b := newBookBuilder()
				_ = eachChunkRecord(bad, b.add)
			}
		}
	}
}

// TestDeckBookRoundTrip: a deck decodes into the book ParseCSV gives, and
// a book stored through ImportDeck reads back the same (Snapshot.Book).
func TestDeckBookRoundTrip(t *testing.T) {
	ctx := context.Background()
	ref := refdata.Default()
	book := csvDeckBook(ref)
	store := openSQLite(t, nil)
	svc := NewService(store, ref, ServiceOptions{Logger: quiet})
	v, err := svc.Import(ctx, book, "csv")
	if err != nil {
		t.Fatal(err)
	}
	snap, err := svc.VersionSnapshot(ctx, v.Version)
	if err != nil {
		t.Fatal(err)
	}
	back := snap.Book()
	if back == nil || back.Name != book.Name || len(back.Prices) != len(book.Prices) || len(back.Networks) != len(book.Networks) {
		t.Fatalf("read back %d prices %d networks, want %d and %d", len(back.Prices), len(back.Networks), len(book.Prices), len(book.Networks))
	}
	for i := range book.Prices {
		if back.Prices[i] != book.Prices[i] {
			t.Fatalf("line %d: %+v, want %+v", i+1, back.Prices[i], book.Prices[i])
		}
	}
}

// TestSummariesAndCountryUpTo: the cheap per-country summaries and the
// capped country view agree with the full typed views.
func TestSummariesAndCountryUpTo(t *testing.T) {
	for _, s := range []*Snapshot{mustCompile(t, richTestBook(nil), CompileOptions{FX: map[string]string{"EUR/USD": "1.1"}}), demoSnapshot(t)} {
		for _, typ := range kassa.ServiceTypes {
			full := s.Countries(typ, kassa.EUR)
			sums := s.Summaries(typ, kassa.EUR)
			for i, cp := range full {
				sum := sums[i]
				lowest, found := cp.DefaultPrice, cp.HasDefault
				for _, n := range cp.Networks {
					if !found || n.Price < lowest {
						lowest, found = n.Price, true
					}
				}
				if !found {
					lowest = 0
				}
				if sum.Country != cp.Country || sum.Priced != cp.Priced || sum.HasDefault != cp.HasDefault || sum.DefaultPrice != cp.DefaultPrice || sum.Networks != len(cp.Networks) || sum.Lowest != lowest {
					t.Fatalf("%s %s: summary %+v, view %+v", typ, cp.Country.Code, sum, cp)
				}
				upTo, total, ok := s.CountryUpTo(typ, cp.Country.Code, kassa.EUR, 2)
				if !ok || total != len(cp.Networks) || len(upTo.Networks) != min(2, total) {
					t.Fatalf("%s %s: CountryUpTo %d of %d (%v), want %d of %d", typ, cp.Country.Code, len(upTo.Networks), total, ok, min(2, len(cp.Networks)), len(cp.Networks))
				}
				for j := range upTo.Networks {
					if upTo.Networks[j].Network.Code != cp.Networks[j].Network.Code || upTo.Networks[j].Price != cp.Networks[j].Price {
						t.Fatalf("%s %s network %d differs", typ, cp.Country.Code, j)
					}
				}
			}
		}
	}
}

// TestStreamedAnswersConcurrently: many goroutines write a streamed
// book's answers at once (plain and gzip) and every one gets the same
// bytes; rating goes on meanwhile.
func TestStreamedAnswersConcurrently(t *testing.T) {
	s := mustCompile(t, richTestBook(nil), CompileOptions{FX: map[string]string{"EUR/USD": "1.1"}, streamAbove: 1})
	if !s.Streamed() {
		t.Fatal("not streamed")
	}
	want := map[Format][]byte{}
	for _, f := range []Format{JSON, XML} {
		d, _ := s.FullPricing(kassa.SMS, kassa.EUR, f)
		want[f] = documentBody(t, d)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := range 8 {
		wg.Go(func() {
			for i := range 20 {
				f := Format((g + i) % 2)
				d, _ := s.FullPricing(kassa.SMS, kassa.EUR, f)
				var plain, zipped bytes.Buffer
				if err := d.WriteBody(&plain); err != nil {
					errs <- err.Error()
					return
				}
				if err := d.WriteGzip(&zipped); err != nil {
					errs <- err.Error()
					return
				}
				zr, err := gzip.NewReader(&zipped)
				if err != nil {
					errs <- err.Error()
					return
				}
				unzipped, _ := io.ReadAll(zr)
				if !bytes.Equal(plain.Bytes(), want[f]) || !bytes.Equal(unzipped, want[f]) {
					errs <- "a concurrent answer differs"
					return
				}
				if _, err := s.Rate(kassa.SMS, "447700900123", kassa.EUR); err != nil {
					errs <- err.Error()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
