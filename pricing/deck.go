package pricing

import (
	"fmt"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// Deck is a checked price book in its stored form (chunks of records, see
// records.go): what ReadCSV and ReadFullPricingJSON produce from a rate
// deck as it streams in, and what Service.ImportDeck stores as a new
// version, merged over a base version without decoding either whole. A
// Deck of a million lines holds a few tens of MiB.
type Deck struct {
	// Name is the name the version gets.
	Name string
	// DemoTypes are the service types whose prices are made-up demo
	// prices (see kassa.PriceBook.DemoTypes).
	DemoTypes []kassa.ServiceType

	chunks [][]byte
	lines  int
	types  [numTypes]bool
	// defines reports whether the deck defines the book network (country,
	// code), so that a merge leaves out a base's network of the same key.
	defines func(country, code []byte) bool
	// freeTables, when set, frees the tables defines looks networks up
	// in (a CSV reader's, see offHeap).
	freeTables func()
	// checked is set when every line and network was checked against the
	// reference data as it was read (CSV decks); ImportDeck compiles the
	// others before storing them.
	checked bool
}

// Lines returns the number of price lines.
func (d *Deck) Lines() int { return d.lines }

// Types returns the service types the deck has lines for, in the order of
// kassa.ServiceTypes.
func (d *Deck) Types() []kassa.ServiceType {
	out := []kassa.ServiceType{}
	for ti, t := range kassa.ServiceTypes {
		if d.types[ti] {
			out = append(out, t)
		}
	}
	return out
}

// Size returns the bytes of its stored form.
func (d *Deck) Size() int64 {
	var n int64
	for _, c := range d.chunks {
		n += int64(len(c))
	}
	return n
}

// Book decodes the deck into a kassa.PriceBook (all of it in memory).
func (d *Deck) Book() (*kassa.PriceBook, error) {
	b := newBookBuilder()
	b.book.Name = d.Name
	b.book.Demo = len(d.DemoTypes) > 0
	b.book.DemoTypes = d.DemoTypes
	for _, c := range d.chunks {
		if err := eachChunkRecord(c, b.add); err != nil {
			return nil, err
		}
	}
	return b.book, nil
}

// release drops defines and frees its tables, once the deck is stored.
func (d *Deck) release() {
	d.defines = nil
	if d.freeTables != nil {
		d.freeTables()
		d.freeTables = nil
	}
}

// storedChunks returns the chunks to store: a header chunk (name, demo
// types) and the records.
func (d *Deck) storedChunks() [][]byte {
	h := newRecordEncoder()
	h.header(d.Name, d.DemoTypes)
	return append(h.finish(), d.chunks...)
}

// encodeBook returns a book (checked by the caller) in its stored form.
func encodeBook(book *kassa.PriceBook) *Deck {
	enc := newRecordEncoder()
	d := &Deck{Name: book.Name, DemoTypes: book.DemoPriceTypes()}
	keys := map[string]bool{}
	for i := range book.Networks {
		n := &book.Networks[i]
		enc.network(n)
		keys[n.Country+"|"+n.Code] = true
	}
	for _, p := range book.Prices {
		ti, _ := typeIndex(p.Type)
		ci, _ := currencyIndex(p.Currency)
		priceRecord(enc, ti, ci, p.Country, p.Network, p.Price)
		d.types[ti] = true
		d.lines++
	}
	d.chunks = enc.finish()
	d.defines = func(country, code []byte) bool { return keys[string(country)+"|"+string(code)] }
	d.checked = true // Service.Import compiled the book
	return d
}

// eachChunkRecord decodes one stored chunk and calls fn with each record.
func eachChunkRecord(chunk []byte, fn func(*record) error) error {
	var dec recordDecoder
	if err := dec.reset(chunk); err != nil {
		return err
	}
	for {
		r, ok, err := dec.next()
		if err != nil || !ok {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// bookBuilder rebuilds a kassa.PriceBook from records.
type bookBuilder struct {
	book *kassa.PriceBook
	nets map[string]int // "country|code" → index in book.Networks
}

func newBookBuilder() *bookBuilder {
	return &bookBuilder{book: &kassa.PriceBook{}, nets: map[string]int{}}
}

// add adds one record to the book.
func (b *bookBuilder) add(r *record) error {
	switch r.kind {
	case recHeader:
		b.book.Name = string(r.name)
		b.book.Demo = r.flags&1 != 0
		b.book.DemoTypes = append([]kassa.ServiceType(nil), r.demo...)
		if len(b.book.DemoTypes) == len(kassa.ServiceTypes) {
			b.book.DemoTypes = nil // every type: the demo tariff
		}
	case recNetwork:
		n := kassa.Network{Code: string(r.code), Name: string(r.name), Type: kassa.NetworkType(r.ntype), Country: string(r.country), MCC: string(r.mcc), MNC: string(r.mnc)}
		for _, a := range r.aliases {
			n.Aliases = append(n.Aliases, string(a))
		}
		for _, rg := range r.ranges {
			n.Ranges = append(n.Ranges, string(rg))
		}
		b.nets[n.Country+"|"+n.Code] = len(b.book.Networks)
		b.book.Networks = append(b.book.Networks, n)
	case recRange:
		i, ok := b.nets[string(r.country)+"|"+string(r.code)]
		if !ok {
			return fmt.Errorf("%w: a range of network %s %s before its definition", errCorruptChunk, r.country, r.code)
		}
		b.book.Networks[i].Ranges = append(b.book.Networks[i].Ranges, string(r.ranges[0]))
	case recPrice:
		b.book.Prices = append(b.book.Prices, kassa.Price{
			Type: kassa.ServiceTypes[r.typ], Country: string(r.country), Network: string(r.code),
			Currency: currencies[r.cur], Price: r.amount,
		})
	}
	return nil
}

// compileDeck compiles a deck as a stored version of it would compile.
func compileDeck(d *Deck, ref *refdata.Data, opts CompileOptions) (*Snapshot, error) {
	if opts.contentID == "" {
		opts.contentID = "deck"
	}
	c, err := newCompiler(ref, opts)
	if err != nil {
		return nil, err
	}
	for _, chunk := range d.storedChunks() {
		if err := eachChunkRecord(chunk, c.record); err != nil {
			return nil, err
		}
	}
	return c.finish()
}
