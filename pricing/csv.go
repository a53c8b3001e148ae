package pricing

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// MaxImportBytes bounds the size of an imported rate deck.
const MaxImportBytes = 64 << 20

// CSVOptions tune ParseCSV.
type CSVOptions struct {
	Type     kassa.ServiceType // service type of rows without a type column; required then
	Currency kassa.Currency    // currency of rows without a currency column; EUR when empty
	Name     string            // the price book's name; "CSV import" when empty
	Ref      *refdata.Data     // reference data to map rows on; refdata.Default() when nil
	// ExpectedRows, when known (a deck's size over 20 bytes), sizes the
	// reader's tables up front instead of growing them.
	ExpectedRows int
}

// ParseCSV reads a carrier rate deck: a header row, then one price per
// row. Columns are recognised by their usual names in any case (see
// docs/pricing.md); the delimiter (',', ';' or tab) is detected from the
// header. A row is mapped to a network by its MCC and MNC, its network
// code, or its prefix (a known range → that network; the country's
// dialling prefix → the country default; a new prefix → an extra network
// in book.Networks), else to its country's default price. Every problem
// is reported with its line and column, all of them (up to a cap) in one
// EINVALID *kassa.Error; the deck is then rejected whole. ParseCSV is
// ReadCSV with the result decoded into a kassa.PriceBook.
func ParseCSV(r io.Reader, opts CSVOptions) (*kassa.PriceBook, error) {
	d, err := ReadCSV(r, opts)
	if err != nil {
		return nil, err
	}
	defer d.release()
	return d.Book()
}

// ReadCSV reads a rate deck as ParseCSV does, as it streams in, into a
// Deck in its stored form: the deck is never held whole, and what the
// reading keeps per row is a few tens of bytes (docs/pricing.md, "Memory").
func ReadCSV(r io.Reader, opts CSVOptions) (*Deck, error) {
	if opts.Ref == nil {
		opts.Ref = refdata.Default()
	}
	if opts.Currency == "" {
		opts.Currency = kassa.EUR
	}
	if opts.Name == "" {
		opts.Name = "CSV import"
	}
	in := &deckInput{r: r}
	br, err := openDeck(in)
	if err != nil {
		return nil, err
	}
	p := newDeckParser(opts)
	err = p.parse(br)
	if err == nil {
		err = p.problems.err()
	}
	if err != nil {
		p.release()
		// A deck over the size limit is refused as such, whatever else
		// is wrong with it: read on to find out.
		io.Copy(io.Discard, br)
	}
	if ierr := in.inputError(); ierr != nil {
		p.release()
		return nil, ierr
	}
	if err != nil {
		return nil, err
	}
	return p.finish(), nil
}

// deckParser holds the state of one ReadCSV run. What it keeps per row is
// compact: numeric keys for prefixes and lines, a small record per new
// network of the deck, and the encoded deck itself.
type deckParser struct {
	opts     CSVOptions
	problems problemList
	cols     [numColumns]int // column index per kind, -1 when absent
	header   []string
	// lineOffset is added to the reader's line numbers: 1 when an Excel
	// "sep=" line was skipped, so that messages name the file's lines.
	lineOffset int

	index *cachedLookup
	enc   *recordEncoder
	deck  *Deck
	mem   *offHeap // holds prefixes and nets (release)

	seenRef    map[uint64]seenAt      // a default's or reference network's line: (type, currency, country, network) → first line
	prefixes   *prefixTable           // prefix → its first line, the (type, currency) pairs seen, its deck network
	prefixTC   map[uint64]int32       // (prefix, type, currency) → line, for pairs after a prefix's first
	nets       []deckNet              // the deck's new networks
	explicit   map[string]int32       // "CC|code" → network, for networks named by the network code column
	netSeen    map[uint64]seenAt      // (network, type, currency) → line, for lines after a network's first
	moreRanges map[[2]uint64]struct{} // (network, prefix) for ranges of a network beyond its prefixes' own
	code, name []byte                 // scratch
	made       madeNet                // a network the row made, written with its price line
}

// madeNet is a network a row made from its prefix; its strings are valid
// for the row. A derived network's name is stem and rng (the deck names it
// no other way), any other's is in deckParser.name.
type madeNet struct {
	active                  bool
	derived                 bool
	country, code, mcc, mnc string
	stem                    string
	from                    uint64 // recordEncoder.derivedNetwork's key, 0 for none
	ntype                   kassa.NetworkType
	rng                     string
}

type seenAt struct {
	line  int
	price kassa.Amount
}

// prefixSeen is what the parser remembers of a prefix.
type prefixSeen struct {
	net   int32 // the deck network it is a range of, -1 for none
	line  int32 // the line of its first (type, currency)
	mask  uint8 // the (type, currency) pairs seen, a bit each
	first uint8 // the first pair
}

// deckNet is what the parser remembers of a network it created.
type deckNet struct {
	country  uint16
	explicit bool  // named by the network code column (else its code is CC-prefix)
	tc       uint8 // the (type, currency) of its first line; noTC before
	line     int32
	price    kassa.Amount
}

const noTC = 0xFF

// tcOf packs a service type and currency index.
func tcOf(typ kassa.ServiceType, cur kassa.Currency) uint8 {
	ti, _ := typeIndex(typ)
	ci, _ := currencyIndex(cur)
	return uint8(ti<<1 | ci)
}

func newDeckParser(opts CSVOptions) *deckParser {
	mem := &offHeap{}
	p := &deckParser{
		opts:       opts,
		problems:   problemList{subject: "rate deck"},
		index:      &cachedLookup{prefixLookup: prefixLookupOf(opts.Ref)},
		enc:        newRecordEncoder(),
		deck:       &Deck{Name: opts.Name},
		mem:        mem,
		seenRef:    map[uint64]seenAt{},
		prefixes:   newPrefixTable(opts.ExpectedRows, mem),
		nets:       offHeapSlice[deckNet](mem, opts.ExpectedRows)[:0],
		prefixTC:   map[uint64]int32{},
		explicit:   map[string]int32{},
		netSeen:    map[uint64]seenAt{},
		moreRanges: map[[2]uint64]struct{}{},
	}
	// A parser dropped without release (a deck never stored) frees its
	// tables once it is garbage.
	runtime.AddCleanup(p, (*offHeap).free, mem)
	return p
}

// finish returns the deck.
func (p *deckParser) finish() *Deck {
	d := p.deck
	d.chunks = p.enc.finish()
	d.defines = p.defines
	d.freeTables = p.release
	d.checked = true
	return d
}

// release frees the parser's tables: it is used no more.
func (p *deckParser) release() {
	p.prefixes.slots, p.nets = nil, nil
	p.mem.free()
}

// parse reads the header and every row; problems are collected. It
// returns the rejection of a bad header, or the error of a failing input.
func (p *deckParser) parse(br *bufio.Reader) error {
	first, complete := firstLine(br)
	comma, skip := excelSeparator(first)
	if !complete {
		skip = 0 // a one-line deck is its header
	}
	if skip == 0 {
		comma = detectDelimiter(first)
	} else {
		br.Discard(skip) // the first line is buffered
		p.lineOffset = 1
	}
	cr := &csvRecords{br: br, comma: byte(comma)}
	header, _, err := cr.next()
	if err != nil {
		return rejectf("rate deck", "line %d (header): %s", 1+p.lineOffset, csvReason(err))
	}
	header = slices.Clone(header)
	if err := p.readHeader(header); err != nil {
		return err
	}
	cr.pre = p.newPreparer()
	// The records are read (split into cells) by a goroutine of their
	// own, a batch ahead of the mapping.
	out, free, done := make(chan *rowBatch, 2), make(chan *rowBatch, 4), make(chan struct{})
	defer close(done)
	go cr.readAhead(out, free, done)
	for b := range out {
		for i, r := range b.rows {
			line := r.line + p.lineOffset
			rec := b.cells[r.first : r.first+r.n]
			if r.err == nil {
				var pre *rowPre
				if b.pre != nil {
					pre = &b.pre[i]
				}
				p.row(line, rec, pre)
				continue
			}
			if errors.Is(r.err, csv.ErrFieldCount) {
				p.problems.addf("line %d: %d fields where the header has %d (truncated or misaligned row)", line, len(rec), len(header))
				continue
			}
			p.problems.addf("line %d: %s", line, csvReason(r.err))
		}
		if b.err != nil && b.err != io.EOF {
			return b.err // the input failed (too large, unreadable)
		}
		select {
		case free <- b:
		default:
		}
	}
	if p.deck.lines == 0 && p.problems.total == 0 {
		p.problems.addf("the deck has no price rows")
	}
	return nil
}

// csvReason explains a csv.Reader error without Go jargon.
func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrQuote), errors.Is(err, csv.ErrBareQuote):
		return "unbalanced quotes (truncated file or a stray '\"')"
	case errors.Is(err, csv.ErrFieldCount):
		return "wrong number of fields"
	case err == io.EOF:
		return "no header row"
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// excelSeparator reads Excel's "sep=;" first line (given without its
// newline): the delimiter and how many bytes to skip (0 when there is no
// such line).
func excelSeparator(first []byte) (rune, int) {
	line := bytes.TrimRight(first, "\r")
	if len(line) != 5 || !bytes.HasPrefix(bytes.ToLower(line), []byte("sep=")) {
		return 0, 0
	}
	switch c := rune(line[4]); c {
	case ',', ';', '\t', '|':
		return c, len(first) + 1
	}
	return 0, 0
}

// detectDelimiter picks ',', ';' or tab, whichever the first line holds
// most of.
func detectDelimiter(first []byte) rune {
	best, bestN := ',', bytes.Count(first, []byte(","))
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(first, []byte(string(d))); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// readHeader maps the header cells to column kinds.
func (p *deckParser) readHeader(header []string) error {
	p.header = header
	for i := range p.cols {
		p.cols[i] = -1
	}
	problems := problemList{subject: "rate deck"}
	h1 := 1 + p.lineOffset
	for i, h := range header {
		if !utf8.ValidString(h) {
			problems.addf("line %d (header), column %d: not valid UTF-8 (a Windows-1252 or Latin-1 export?); save the file as CSV UTF-8", h1, i+1)
			continue
		}
		kind := csvColumnNames[normalizeHeader(h)]
		if kind == colNone {
			continue
		}
		if prev := p.cols[kind]; prev >= 0 {
			problems.addf("line %d (header): columns %q and %q both give the %s", h1, header[prev], h, columnNames[kind])
			continue
		}
		p.cols[kind] = i
	}
	if p.cols[colPrice] < 0 {
		problems.addf("line %d (header): no price column (price, rate or cost)", h1)
	}
	if p.cols[colPrefix] < 0 && p.cols[colCountry] < 0 && p.cols[colMCCMNC] < 0 && (p.cols[colMCC] < 0 || p.cols[colMNC] < 0) && p.cols[colNetworkCode] < 0 {
		problems.addf("line %d (header): no column says where a price goes (prefix, country, mcc and mnc, or network code)", h1)
	}
	if p.cols[colType] < 0 && !p.opts.Type.Valid() {
		problems.addf("line %d (header): no type column and no service type chosen for the import", h1)
	}
	if problems.total > 0 {
		return problems.err()
	}
	return nil
}

// cell returns a row's trimmed value of a column kind ("" when absent).
func (p *deckParser) cell(rec []string, kind csvColumn) string {
	i := p.cols[kind]
	if i < 0 || i >= len(rec) {
		return ""
	}
	return strings.TrimSpace(rec[i])
}

// where names a cell in messages: `line 7, column "Rate"`.
func (p *deckParser) where(line int, kind csvColumn) string {
	return fmt.Sprintf("line %d, column %q", line, p.header[p.cols[kind]])
}

// row maps one data row to a price line. pre, when not nil and ok, holds
// the row's stateless checks, done ahead by the reading goroutine.
func (p *deckParser) row(line int, rec []string, pre *rowPre) {
	prepared := pre != nil && pre.ok
	if !prepared {
		for i, v := range rec {
			if !utf8.ValidString(v) {
				p.problems.addf("line %d, column %d: not valid UTF-8 (a Windows-1252 or Latin-1 export?); save the file as CSV UTF-8", line, i+1)
				return
			}
		}
		if allBlank(rec) {
			return
		}
	}
	typ, ok := p.rowType(line, rec)
	if !ok {
		return
	}
	cur, ok := p.rowCurrency(line, rec)
	if !ok {
		return
	}
	var price kassa.Amount
	if prepared {
		price = pre.price
	} else if price, ok = p.rowPrice(line, rec); !ok {
		return
	}
	if !p.rowEffective(line, rec) {
		return
	}
	tc := tcOf(typ, cur)
	var d rowDest
	if prepared {
		d, ok = p.destinationPrepared(line, rec, tc, pre)
	} else {
		d, ok = p.destination(line, rec, tc)
	}
	if !ok {
		return
	}
	prev, dup := p.seen(d, tc, line, price)
	if m := &p.made; m.active {
		m.active = false
		if m.derived {
			p.enc.derivedNetwork(m.from, m.country, m.stem, m.ntype, m.mcc, m.mnc, m.rng, !dup, tc, price)
		} else {
			p.enc.compactNetwork(m.country, m.code, p.name, m.ntype, m.mcc, m.mnc, m.rng, !dup, tc, price)
		}
		if !dup {
			p.deck.types[tc>>1] = true
			p.deck.lines++
			return
		}
	}
	if dup {
		if prev.price != price {
			p.problems.addf("line %d: %s %s is priced %s here and %s on line %d", line, p.index.ref.Countries[d.country].Code, orDefault(d.code), price, prev.price, prev.line)
		}
		return
	}
	ti, ci := int(tc>>1), int(tc&1)
	priceRecord(p.enc, ti, ci, p.index.ref.Countries[d.country].Code, d.code, price)
	p.deck.types[ti] = true
	p.deck.lines++
}

// seen records the first line of a destination in a type and currency,
// or returns the earlier one: several prefixes of one network at one
// price are one line.
func (p *deckParser) seen(d rowDest, tc uint8, line int, price kassa.Amount) (seenAt, bool) {
	if d.net >= 0 {
		n := &p.nets[d.net]
		switch n.tc {
		case noTC:
			n.tc, n.line, n.price = tc, int32(line), price
			return seenAt{}, false
		case tc:
			return seenAt{int(n.line), n.price}, true
		}
		key := uint64(d.net)<<3 | uint64(tc)
		if prev, ok := p.netSeen[key]; ok {
			return prev, true
		}
		p.netSeen[key] = seenAt{line, price}
		return seenAt{}, false
	}
	key := uint64(tc)<<48 | uint64(d.country)<<32 | uint64(uint32(d.ref+1))
	if prev, ok := p.seenRef[key]; ok {
		return prev, true
	}
	p.seenRef[key] = seenAt{line, price}
	return seenAt{}, false
}

func allBlank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// rowType returns the row's service type.
func (p *deckParser) rowType(line int, rec []string) (kassa.ServiceType, bool) {
	v := p.cell(rec, colType)
	if v == "" {
		if p.opts.Type.Valid() {
			return p.opts.Type, true
		}
		p.problems.addf("line %d: no service type", line)
		return "", false
	}
	t := kassa.ServiceType(strings.ToLower(v))
	if t == "sms transit" || t == "sms_transit" {
		t = kassa.SMSTransit
	}
	if !t.Valid() {
		p.problems.addf("%s: unknown service type %q (sms, sms-transit or voice)", p.where(line, colType), v)
		return "", false
	}
	return t, true
}

// rowCurrency returns the row's currency.
func (p *deckParser) rowCurrency(line int, rec []string) (kassa.Currency, bool) {
	v := p.cell(rec, colCurrency)
	if v == "" {
		return p.opts.Currency, true
	}
	c := kassa.Currency(strings.ToUpper(v))
	if !c.Valid() {
		p.problems.addf("%s: currency %q is not EUR or USD", p.where(line, colCurrency), v)
		return "", false
	}
	return c, true
}

// rowPrice returns the row's price.
func (p *deckParser) rowPrice(line int, rec []string) (kassa.Amount, bool) {
	v := p.cell(rec, colPrice)
	if v == "" {
		p.problems.addf("%s: price is empty", p.where(line, colPrice))
		return 0, false
	}
	a, err := parsePrice(v)
	if err != nil {
		p.problems.addf("%s: bad number %q (write prices like 0.0123)", p.where(line, colPrice), v)
		return 0, false
	}
	if a.IsNegative() {
		p.problems.addf("%s: negative price %s", p.where(line, colPrice), v)
		return 0, false
	}
	return a, true
}

// rowEffective checks the effective date when there is one. The date is
// informational: when a version takes effect is chosen at activation.
func (p *deckParser) rowEffective(line int, rec []string) bool {
	v := p.cell(rec, colEffective)
	if v == "" {
		return true
	}
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02 15:04", "02/01/2006", "2006/01/02"} {
		if _, err := time.Parse(layout, v); err == nil {
			return true
		}
	}
	p.problems.addf("%s: bad date %q (write 2026-12-01)", p.where(line, colEffective), v)
	return false
}

// ExpectedRows estimates the rows of a deck of size bytes (a typical row
// is over 20 bytes), for CSVOptions.ExpectedRows; 0 for an unknown size.
func ExpectedRows(size int64) int {
	if size <= 0 {
		return 0
	}
	return int(min(size, MaxImportBytes) / 20)
}

// parsePrice reads a price cell: the common form (up to 9 integer digits,
// a point and up to 8 decimals) directly, anything else through
// kassa.ParseAmount, which gives the same value for the common form.
func parsePrice(v string) (kassa.Amount, error) {
	var whole, frac uint64
	i := 0
	for ; i < len(v) && v[i] >= '0' && v[i] <= '9'; i++ {
		whole = whole*10 + uint64(v[i]-'0')
	}
	if i == 0 || i > 9 {
		return kassa.ParseAmount(v)
	}
	decimals := 0
	if i < len(v) {
		if v[i] != '.' || len(v)-i-1 > kassa.AmountDecimals || len(v)-i-1 == 0 {
			return kassa.ParseAmount(v)
		}
		for j := i + 1; j < len(v); j++ {
			c := v[j]
			if c < '0' || c > '9' {
				return kassa.ParseAmount(v)
			}
			frac = frac*10 + uint64(c-'0')
			decimals++
		}
	}
	for ; decimals < kassa.AmountDecimals; decimals++ {
		frac *= 10
	}
	return kassa.Amount(whole*kassa.AmountScale + frac), nil
}
