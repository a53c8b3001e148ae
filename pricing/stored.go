package pricing

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strconv"

	"github.com/kassa-dev/kassa"
)

// ImportOptions tune Service.ImportDeck.
type ImportOptions struct {
	// Source says where the version came from: "csv", "json", "demo".
	Source string
	// Base is the version whose lines of the service types the deck does
	// not price are copied into the new version (with its book networks
	// the deck does not define), read from the store chunk by chunk; 0
	// for none.
	Base int64
	// Plan is the price plan the version belongs to (kassa.DefaultPlan
	// when ""); a derived plan has no versions of its own.
	Plan string
}

// ImportDeck stores a deck as a new, inactive version (a Deck is imported
// once: its data is released once stored), merged over
// opts.Base when it is set: the deck's lines and networks first, then the
// base's networks (those the deck does not define) and its lines of the
// types the deck has no lines for. The base's demo prices of those types
// stay labelled demo. Neither the deck nor the base is decoded whole: the
// base is read one chunk at a time and the deck's chunks are stored as
// they are. Lines of the base that the reference data no longer knows are
// carried and skipped when the version is compiled (Snapshot.Warnings).
func (s *Service) ImportDeck(ctx context.Context, deck *Deck, opts ImportOptions) (*kassa.PriceBookVersion, error) {
	if !deck.checked {
		if err := s.checkDeck(deck); err != nil {
			return nil, err
		}
	}
	chunks := deck.chunks
	lines := deck.lines
	demo := map[kassa.ServiceType]bool{}
	for _, t := range deck.DemoTypes {
		demo[t] = true
	}
	if opts.Base != 0 {
		base, err := s.store.PriceBook(ctx, opts.Base)
		if err != nil {
			return nil, fmt.Errorf("import price book over version %d: %w", opts.Base, err)
		}
		for _, t := range base.DemoTypes {
			if ti, _ := typeIndex(t); !deck.types[ti] {
				demo[t] = true
			}
		}
		copied, n, err := s.copyBase(ctx, deck, opts.Base)
		if err != nil {
			return nil, err
		}
		chunks = append(chunks[:len(chunks):len(chunks)], copied...)
		lines += n
	}
	var demoTypes []kassa.ServiceType
	for _, t := range kassa.ServiceTypes {
		if demo[t] {
			demoTypes = append(demoTypes, t)
		}
	}
	stored := &Deck{Name: deck.Name, DemoTypes: demoTypes, chunks: chunks}
	v := &kassa.PriceBookVersion{
		Plan:      opts.Plan,
		Name:      deck.Name,
		Demo:      len(demoTypes) > 0,
		DemoTypes: demoTypes,
		Source:    opts.Source,
		Prices:    lines,
	}
	if err := s.store.CreatePriceBook(ctx, v, stored.storedChunks()); err != nil {
		return nil, fmt.Errorf("store price book: %w", err)
	}
	size := stored.Size()
	s.opts.Logger.Info("price book imported", "version", v.Version, "plan", v.Plan, "name", v.Name, "source", opts.Source, "prices", v.Prices, "base", opts.Base, "bytes", size)
	deck.chunks = nil
	deck.release()
	releaseMemory(size)
	return v, nil
}

// releaseAbove is the size of what an import or a swap leaves behind from
// which the memory is handed back to the system at once.
const releaseAbove = 8 << 20

// releaseMemory returns freed memory to the operating system when an
// import or a compile of size bytes just left it behind: a stored version
// that is not in use costs no resident memory, and the transient memory
// of a large compile does not stay resident until the runtime's
// background scavenger gets to it.
func releaseMemory(size int64) {
	if size >= releaseAbove {
		go debug.FreeOSMemory() // off the caller's path: a full GC
	}
}

// checkDeck compiles a deck that was not checked as it was read (a JSON
// price list names countries and networks freely): a deck with any problem
// is rejected whole, its lines numbered as in the deck.
func (s *Service) checkDeck(deck *Deck) error {
	c, err := newCompiler(s.ref, CompileOptions{FX: s.opts.FX, contentID: "check", checkOnly: true})
	if err != nil {
		return err
	}
	for _, chunk := range deck.chunks {
		if err := eachChunkRecord(chunk, c.record); err != nil {
			return fmt.Errorf("check price book: %w", err)
		}
	}
	_, err = c.finish()
	return err
}

// copyBase encodes what a merge keeps of version base: its networks that
// the deck does not define (and their later ranges) and its lines of the
// types the deck has no lines for. It returns the chunks and the number of
// lines.
func (s *Service) copyBase(ctx context.Context, deck *Deck, base int64) ([][]byte, int, error) {
	enc := newRecordEncoder()
	lines := 0
	err := s.eachRecord(ctx, base, func(r *record) error {
		switch r.kind {
		case recNetwork:
			if deck.defines == nil || !deck.defines(r.country, r.code) {
				enc.networkRecord(r)
			}
		case recRange:
			if deck.defines == nil || !deck.defines(r.country, r.code) {
				addRangeRecord(enc, r.country, r.code, r.ranges[0])
			}
		case recPrice:
			if !deck.types[r.typ] {
				priceRecord(enc, int(r.typ), int(r.cur), r.country, r.code, r.amount)
				lines++
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("import price book: read version %d: %w", base, err)
	}
	return enc.finish(), lines, nil
}

// eachRecord calls fn with every record of a stored version, reading it
// one chunk at a time. A version in the older storage form (one gzip'd
// JSON blob) is decoded whole and given as records.
func (s *Service) eachRecord(ctx context.Context, version int64, fn func(*record) error) error {
	var legacy []byte
	isLegacy, first := false, true
	var dec recordDecoder
	err := s.store.ReadPriceBook(ctx, version, func(chunk []byte) error {
		if first {
			first, isLegacy = false, isLegacyChunk(chunk)
		}
		if isLegacy {
			legacy = append(legacy, chunk...)
			return nil
		}
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
	})
	if err != nil || !isLegacy {
		return err
	}
	book, err := Decode(legacy)
	if err != nil {
		return err
	}
	return bookRecords(book, fn)
}

// bookRecords gives a book's content as records: a header, the networks,
// then the lines.
func bookRecords(book *kassa.PriceBook, fn func(*record) error) error {
	r := &record{kind: recHeader, name: []byte(book.Name), demo: book.DemoPriceTypes()}
	if len(r.demo) > 0 {
		r.flags = 1
	}
	if err := fn(r); err != nil {
		return err
	}
	for _, n := range book.Networks {
		r := &record{kind: recNetwork, country: []byte(n.Country), code: []byte(n.Code), name: []byte(n.Name),
			ntype: []byte(n.Type), mcc: []byte(n.MCC), mnc: []byte(n.MNC)}
		for _, a := range n.Aliases {
			r.aliases = append(r.aliases, []byte(a))
		}
		for _, rg := range n.Ranges {
			r.ranges = append(r.ranges, []byte(rg))
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	for _, p := range book.Prices {
		ti, ok1 := typeIndex(p.Type)
		ci, ok2 := currencyIndex(p.Currency)
		if !ok1 || !ok2 {
			return fmt.Errorf("%w: line with type %q and currency %q", errCorruptChunk, p.Type, p.Currency)
		}
		r := &record{kind: recPrice, typ: uint8(ti), cur: uint8(ci), country: []byte(p.Country), code: []byte(p.Network), amount: p.Price}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// snapshotOf loads a version's stored data and compiles it.
func (s *Service) snapshotOf(ctx context.Context, version int64) (*Snapshot, error) {
	snap, err := s.compileStored(ctx, version)
	if err != nil {
		return nil, err
	}
	if w := snap.Warnings(); len(w) > 0 {
		s.opts.Logger.Warn("price book lines dropped: the reference data no longer matches them", "version", version, "dropped", len(w), "first", w[0])
	}
	return snap, nil
}

// compileStored compiles a stored version as it streams from the store. A
// stored version was valid when imported; lines that the reference data
// (a newer binary) no longer knows are dropped (Snapshot.Warnings) rather
// than leaving the node without prices.
func (s *Service) compileStored(ctx context.Context, version int64) (*Snapshot, error) {
	v, err := s.store.PriceBook(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("load price book %d: %w", version, err)
	}
	c, err := newCompiler(s.ref, CompileOptions{Version: version, FX: s.opts.FX, SkipStale: true,
		contentID: strconv.FormatInt(version, 10) + ":" + v.Checksum, streamAbove: s.opts.PreRenderLimit})
	if err != nil {
		return nil, fmt.Errorf("compile price book %d: %w", version, err)
	}
	if err := s.eachRecord(ctx, version, c.record); err != nil {
		return nil, fmt.Errorf("load price book %d: %w", version, err)
	}
	snap, err := c.finish()
	if err != nil {
		return nil, fmt.Errorf("compile price book %d: %w", version, err)
	}
	load := func(ctx context.Context) (*kassa.PriceBook, error) {
		b := newBookBuilder()
		if err := s.eachRecord(ctx, version, b.add); err != nil {
			return nil, err
		}
		return b.book, nil
	}
	if !snap.streamed {
		// A small book is kept decoded, as Compile keeps its book: Book
		// then does not depend on this store (a SnapshotCache shares the
		// snapshot with the Services of other stores).
		if snap.book, err = load(ctx); err != nil {
			return nil, fmt.Errorf("load price book %d: %w", version, err)
		}
		return snap, nil
	}
	snap.loadBook = func() (*kassa.PriceBook, error) { return load(context.Background()) }
	return snap, nil
}

// ExportCSV writes the lines of service type t of the stored version that
// snap was compiled from (Current, or VersionSnapshot) as CSV, as the
// package's ExportCSV does, streaming them from the store in their stored
// order; snap gives the networks' names and ranges. Nothing of the version
// is held whole in memory.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, snap *Snapshot, t kassa.ServiceType) error {
	if !t.Valid() {
		return errUnknownType
	}
	if snap.version == 0 {
		return ExportCSV(w, snap, t)
	}
	x := newCSVExporter(w, snap, t)
	err := s.eachRecord(ctx, snap.version, func(r *record) error {
		if r.kind == recPrice && kassa.ServiceTypes[r.typ] == t {
			x.storedLine(unsafeString(r.country), unsafeString(r.code), currencies[r.cur], r.amount)
		}
		return x.err
	})
	if ferr := x.finish(); err == nil {
		err = ferr
	}
	return err
}
