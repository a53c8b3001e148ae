package pricing

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
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
}

// ParseCSV reads a carrier rate deck: a header row, then one price per
// row. Columns are recognised by their usual names in any case (see
// docs/pricing.md); the delimiter (',', ';' or tab) is detected from the
// header. A row is mapped to a network by its MCC and MNC, its network
// code, or its prefix (a known range → that network; the country's
// dialling prefix → the country default; a new prefix → an extra network
// in book.Networks), else to its country's default price. Every problem
// is reported with its line and column, all of them (up to a cap) in one
// EINVALID *kassa.Error; the deck is then rejected whole.
func ParseCSV(r io.Reader, opts CSVOptions) (*kassa.PriceBook, error) {
	if opts.Ref == nil {
		opts.Ref = refdata.Default()
	}
	if opts.Currency == "" {
		opts.Currency = kassa.EUR
	}
	if opts.Name == "" {
		opts.Name = "CSV import"
	}
	data, err := readDeck(r)
	if err != nil {
		return nil, err
	}
	p := newDeckParser(opts)
	if err := p.parse(data); err != nil {
		return nil, err
	}
	if err := p.problems.err(); err != nil {
		return nil, err
	}
	return p.book, nil
}

// readDeck reads a whole deck, checking its encoding: a UTF-8 BOM is
// dropped, UTF-16 is refused with advice.
func readDeck(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read rate deck: %w", err)
	}
	if len(data) > MaxImportBytes {
		return nil, rejectf("rate deck", "larger than %d MiB", MaxImportBytes>>20)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, rejectf("rate deck", "the file is UTF-16; save it as UTF-8 (CSV UTF-8)")
	}
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, rejectf("rate deck", "the file is empty")
	}
	return data, nil
}

// deckParser holds the state of one ParseCSV run.
type deckParser struct {
	opts     CSVOptions
	book     *kassa.PriceBook
	problems problemList
	cols     [numColumns]int // column index per kind, -1 when absent
	header   []string
	// lineOffset is added to the reader's line numbers: 1 when an Excel
	// "sep=" line was skipped, so that messages name the file's lines.
	lineOffset int

	seenPrefix map[string]int    // type|currency|prefix → line
	seenKey    map[string]seenAt // type|country|network|currency → first line and price
	extra      map[string]int    // extra network code → index in book.Networks
	index      *prefixLookup
}

type seenAt struct {
	line  int
	price kassa.Amount
}

func newDeckParser(opts CSVOptions) *deckParser {
	return &deckParser{
		opts:       opts,
		book:       &kassa.PriceBook{Name: opts.Name},
		problems:   problemList{subject: "rate deck"},
		seenPrefix: map[string]int{},
		seenKey:    map[string]seenAt{},
		extra:      map[string]int{},
		index:      newPrefixLookup(opts.Ref),
	}
}

// parse reads the header and every row; problems are collected.
func (p *deckParser) parse(data []byte) error {
	comma, skip := excelSeparator(data)
	if skip == 0 {
		comma = detectDelimiter(data)
	}
	if skip > 0 {
		p.lineOffset = 1
	}
	cr := csv.NewReader(bytes.NewReader(data[skip:]))
	cr.Comma = comma
	header, err := cr.Read()
	if err != nil {
		return rejectf("rate deck", "line %d (header): %s", 1+p.lineOffset, csvReason(err))
	}
	if err := p.readHeader(header); err != nil {
		return err
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line := 0
		if len(rec) > 0 {
			line, _ = cr.FieldPos(0)
			line += p.lineOffset
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine + p.lineOffset
			}
			if errors.Is(err, csv.ErrFieldCount) {
				p.problems.addf("line %d: %d fields where the header has %d (truncated or misaligned row)", line, len(rec), len(header))
				continue
			}
			p.problems.addf("line %d: %s", line, csvReason(err))
			break // the reader cannot resynchronise after a quoting error
		}
		p.row(line, rec)
	}
	if len(p.book.Prices) == 0 && p.problems.total == 0 {
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

// excelSeparator reads Excel's "sep=;" first line: the delimiter and how
// many bytes to skip (0 when there is no such line).
func excelSeparator(data []byte) (rune, int) {
	first, _, found := bytes.Cut(data, []byte("\n"))
	line := bytes.TrimRight(first, "\r")
	if !found || len(line) != 5 || !bytes.HasPrefix(bytes.ToLower(line), []byte("sep=")) {
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
func detectDelimiter(data []byte) rune {
	first, _, _ := bytes.Cut(data, []byte("\n"))
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

// row maps one data row to a price line.
func (p *deckParser) row(line int, rec []string) {
	for i, v := range rec {
		if !utf8.ValidString(v) {
			p.problems.addf("line %d, column %d: not valid UTF-8 (a Windows-1252 or Latin-1 export?); save the file as CSV UTF-8", line, i+1)
			return
		}
	}
	if allBlank(rec) {
		return
	}
	typ, ok := p.rowType(line, rec)
	if !ok {
		return
	}
	cur, ok := p.rowCurrency(line, rec)
	if !ok {
		return
	}
	price, ok := p.rowPrice(line, rec)
	if !ok {
		return
	}
	if !p.rowEffective(line, rec) {
		return
	}
	country, network, ok := p.destination(line, rec, typ, cur)
	if !ok {
		return
	}
	key := string(typ) + "|" + country + "|" + network + "|" + string(cur)
	if prev, dup := p.seenKey[key]; dup {
		if prev.price != price {
			p.problems.addf("line %d: %s %s is priced %s here and %s on line %d", line, country, orDefault(network), price, prev.price, prev.line)
		}
		return
	}
	p.seenKey[key] = seenAt{line, price}
	p.book.Prices = append(p.book.Prices, kassa.Price{Type: typ, Country: country, Network: network, Currency: cur, Price: price})
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
	a, err := kassa.ParseAmount(v)
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
