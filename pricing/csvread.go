package pricing

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"unsafe"
)

// deckInput wraps the reader of a rate deck: it counts the bytes against
// MaxImportBytes and keeps the first error of the underlying reader.
type deckInput struct {
	r    io.Reader
	n    int64
	over bool
	err  error // a read error other than io.EOF
}

// errDeckTooLarge is returned by deckInput.Read past MaxImportBytes.
var errDeckTooLarge = errors.New("rate deck larger than the import limit")

func (in *deckInput) Read(p []byte) (int, error) {
	if in.over {
		return 0, errDeckTooLarge
	}
	n, err := in.r.Read(p)
	in.n += int64(n)
	if in.n > MaxImportBytes {
		in.over = true
		return n, errDeckTooLarge
	}
	if err != nil && err != io.EOF && in.err == nil {
		in.err = err
	}
	return n, err
}

// inputError turns a read error met while parsing into the error ParseCSV
// returns: the deck over the limit is a rejection, any other failure to
// read (the client went away) is returned wrapped as it is.
func (in *deckInput) inputError() error {
	if in.over {
		return rejectf("rate deck", "larger than %d MiB", MaxImportBytes>>20)
	}
	if in.err != nil {
		return fmt.Errorf("read rate deck: %w", in.err)
	}
	return nil
}

// openDeck starts reading a deck: it refuses UTF-16 and an empty file,
// drops a UTF-8 byte order mark and returns a buffered reader positioned
// at the first byte of the deck, with the first line available to peek.
func openDeck(in *deckInput) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(in, 256<<10)
	head, _ := br.Peek(3)
	if err := in.inputError(); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return nil, rejectf("rate deck", "the file is UTF-16; save it as UTF-8 (CSV UTF-8)")
	}
	if bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")) {
		br.Discard(3) // the bytes are buffered
	}
	blank, err := onlySpace(br)
	if err := in.inputError(); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("read rate deck: %w", err)
	}
	if blank {
		return nil, rejectf("rate deck", "the file is empty")
	}
	return br, nil
}

// onlySpace reports whether everything left in br is white space (as
// bytes.TrimSpace sees it), without consuming anything: it peeks until it
// finds another byte or the end of the input.
func onlySpace(br *bufio.Reader) (bool, error) {
	for size := 4096; ; size *= 2 {
		size = min(size, br.Size())
		buf, err := br.Peek(size)
		if len(bytes.TrimSpace(buf)) > 0 {
			return false, nil
		}
		switch {
		case err == io.EOF:
			return true, nil
		case err != nil && err != bufio.ErrBufferFull:
			return false, err
		case len(buf) == br.Size():
			// A buffer full of white space: the deck is not empty as far
			// as this check goes; the reader reports what follows.
			return false, nil
		}
	}
}

// firstLine returns the deck's first line (without its newline) as far as
// the buffer holds it, and whether a newline ends it.
func firstLine(br *bufio.Reader) ([]byte, bool) {
	buf, _ := br.Peek(br.Size())
	line, _, found := bytes.Cut(buf, []byte("\n"))
	return line, found
}

// csvRecords reads a deck's records as encoding/csv.Reader does (quotes,
// CRLF, skipped empty lines, field counts checked against the header),
// quickly: a line without a quote is split at the delimiter directly, and
// from the first line holding a quote on, an encoding/csv.Reader reads the
// rest. The record's strings share one allocation per line; the slice is
// reused by the next call.
type csvRecords struct {
	br     *bufio.Reader
	comma  byte
	line   int // number of lines read (the last line's number)
	fields int // the header's field count, 0 before the header
	rec    []string
	long   []byte // a line longer than the buffer, assembled

	slow     *csv.Reader
	slowBase int // added to the slow reader's line numbers

	pre *preparer // works out each record's rowPre, when set
}

// next returns the next record and the line it starts on. Errors are
// encoding/csv's: a *csv.ParseError (with the record, for a wrong field
// count), or io.EOF at the end.
func (c *csvRecords) next() ([]string, int, error) {
	if c.slow != nil {
		return c.nextSlow()
	}
	for {
		raw, err := c.readLine()
		if len(raw) == 0 && err != nil {
			return nil, 0, err
		}
		c.line++
		if err == io.EOF && raw[len(raw)-1] == '\r' {
			raw = raw[:len(raw)-1] // a trailing \r before the end, as encoding/csv drops it
		}
		if n := len(raw); n >= 2 && raw[n-2] == '\r' && raw[n-1] == '\n' {
			raw = raw[:n-2]
		} else if n >= 1 && raw[n-1] == '\n' {
			raw = raw[:n-1]
		}
		if len(raw) == 0 {
			if err != nil {
				return nil, 0, err
			}
			continue // an empty line
		}
		if bytes.IndexByte(raw, '"') >= 0 {
			c.startSlow(raw, err)
			return c.nextSlow()
		}
		return c.split(raw)
	}
}

// readLine returns the next line with its newline (none at the end of the
// input); io.EOF with the last line when it has no newline.
func (c *csvRecords) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return line, err
	}
	c.long = append(c.long[:0], line...)
	for err == bufio.ErrBufferFull {
		line, err = c.br.ReadSlice('\n')
		c.long = append(c.long, line...)
	}
	return c.long, err
}

// split cuts a line without quotes into its fields.
func (c *csvRecords) split(raw []byte) ([]string, int, error) {
	s := string(raw)
	c.rec = c.rec[:0]
	for {
		i := indexByteString(s, c.comma)
		if i < 0 {
			c.rec = append(c.rec, s)
			break
		}
		c.rec = append(c.rec, s[:i])
		s = s[i+1:]
	}
	if c.fields == 0 {
		c.fields = len(c.rec)
	} else if len(c.rec) != c.fields {
		return c.rec, c.line, &csv.ParseError{StartLine: c.line, Line: c.line, Column: 1, Err: csv.ErrFieldCount}
	}
	return c.rec, c.line, nil
}

func indexByteString(s string, b byte) int {
	for i := 0; i < len(s); i++ {
		if s[i] == b {
			return i
		}
	}
	return -1
}

// startSlow hands the rest of the input, from the line raw on, to an
// encoding/csv.Reader.
func (c *csvRecords) startSlow(raw []byte, lineErr error) {
	first := append(bytes.Clone(raw), '\n')
	var rest io.Reader = c.br
	if lineErr != nil {
		rest = bytes.NewReader(nil)
	}
	c.slow = csv.NewReader(io.MultiReader(bytes.NewReader(first), rest))
	c.slow.Comma = rune(c.comma)
	c.slow.FieldsPerRecord = c.fields
	c.slowBase = c.line - 1
}

// nextSlow reads a record with the encoding/csv.Reader, numbering lines as
// in the whole deck.
func (c *csvRecords) nextSlow() ([]string, int, error) {
	rec, err := c.slow.Read()
	line := 0
	if len(rec) > 0 {
		line, _ = c.slow.FieldPos(0)
		line += c.slowBase
	}
	if c.fields == 0 && err == nil {
		c.fields = len(rec)
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		shifted := *pe
		shifted.StartLine += c.slowBase
		shifted.Line += c.slowBase
		err = &shifted
		if line == 0 {
			line = shifted.StartLine
		}
	}
	return rec, line, err
}

// rowBatch is a batch of records read ahead by the reading goroutine: the
// fast path's lines share one string, whose substrings the cells are.
type rowBatch struct {
	rows  []batchRow
	pre   []rowPre // per row, when the reader has a preparer
	cells []string
	text  []byte // the lines of the fast path, back to back
	fast  int    // how many of the rows are lines of the fast path
	err   error  // io.EOF or the error that ended the reading, after rows
}

// batchRow is one record of a batch, or one record's error.
type batchRow struct {
	line  int
	first int // its cells are cells[first : first+n]
	n     int
	err   error // a *csv.ParseError (with the cells for a wrong field count)
}

// batchRows is how many records a batch holds.
const batchRows = 1024

// fill reads up to batchRows records into b.
func (c *csvRecords) fill(b *rowBatch) {
	// The cells are views of the text, which is reused by the batch's
	// next fill: nothing keeps a cell past its batch (a cached country
	// cell is copied).
	b.rows, b.cells, b.err, b.fast = b.rows[:0], b.cells[:0], nil, 0
	if b.text == nil {
		b.text = make([]byte, 0, 64<<10)
	}
	b.text = b.text[:0]
	var spans [batchRows]lineSpan
	nspans := 0
	// Fast-path lines are collected first and split once the batch's
	// text is one string; slow-path records come with their own strings.
	for len(b.rows) < batchRows {
		if c.slow != nil {
			rec, line, err := c.nextSlow()
			if err == nil || errors.Is(err, csv.ErrFieldCount) {
				b.rows = append(b.rows, batchRow{line: line, first: len(b.cells), n: len(rec), err: err})
				b.cells = append(b.cells, rec...)
				continue
			}
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				b.rows = append(b.rows, batchRow{line: line, err: err})
				err = io.EOF // the reader cannot resynchronise after a quoting error
			}
			b.err = err
			break
		}
		if c.takeBuffered(b, &spans, &nspans) {
			continue
		}
		// No whole line is buffered: one line through the reader, which
		// fills the buffer again.
		raw, line, err := c.nextLine()
		if err != nil {
			b.err = err
			break
		}
		if raw == nil {
			continue // the line went to the slow path
		}
		start := len(b.text)
		b.text = append(b.text, raw...)
		spans[nspans] = lineSpan{line, start, len(b.text)}
		nspans++
		b.rows = append(b.rows, batchRow{line: line, first: -1})
		b.fast++
	}
	defer c.prepare(b)
	if nspans == 0 {
		return
	}
	text := unsafe.String(unsafe.SliceData(b.text), len(b.text)) // b.text is not written again until the batch is used
	k := 0
	for i := range b.rows {
		r := &b.rows[i]
		if r.first >= 0 {
			continue
		}
		sp := spans[k]
		k++
		r.first = len(b.cells)
		b.cells = c.splitInto(b.cells, text[sp.start:sp.end])
		r.n = len(b.cells) - r.first
		if c.fields == 0 {
			c.fields = r.n
		} else if r.n != c.fields {
			r.err = &csv.ParseError{StartLine: r.line, Line: r.line, Column: 1, Err: csv.ErrFieldCount}
		}
	}
}

// takeWindow is how much of the buffer takeBuffered looks at in one call:
// more than a batch of ordinary deck lines (1,024 of some 20 bytes).
const takeWindow = 64 << 10

// lineSpan is a fast-path line of a batch: its number and where it lies in
// the batch's text.
type lineSpan struct{ line, start, end int }

// takeBuffered moves the whole lines that the reader has buffered (as many
// as the batch has room for, up to the first line holding a quote) into
// the batch, with one copy for all of them instead of a read and a copy per
// line. Their line ends are dropped and empty lines skipped, as nextLine
// does. It reports whether it took any line; the lines it leaves (the one
// with a quote, a line not yet whole, the input's last line without a
// newline) go through nextLine.
func (c *csvRecords) takeBuffered(b *rowBatch, spans *[batchRows]lineSpan, nspans *int) bool {
	// No read: the bytes are buffered. The window bounds the search for a
	// quote to about what one batch takes.
	buf, _ := c.br.Peek(min(c.br.Buffered(), takeWindow))
	if q := bytes.IndexByte(buf, '"'); q >= 0 {
		buf = buf[:q] // the line holding the quote is not whole in this
	}
	base := len(b.text)
	took, pos := 0, 0
	for len(b.rows) < batchRows {
		nl := bytes.IndexByte(buf[pos:], '\n')
		if nl < 0 {
			break
		}
		start, end := pos, pos+nl
		pos = end + 1
		took++
		c.line++
		if end > start && buf[end-1] == '\r' {
			end--
		}
		if end == start {
			continue // an empty line
		}
		spans[*nspans] = lineSpan{c.line, base + start, base + end}
		*nspans++
		b.rows = append(b.rows, batchRow{line: c.line, first: -1})
		b.fast++
	}
	if took == 0 {
		return false
	}
	b.text = append(b.text, buf[:pos]...)
	c.br.Discard(pos)
	return true
}

// nextLine returns the next non-empty line of the fast path (without its
// line end) and its number, valid until the next call; nil when the line
// holds a quote, which hands the rest of the input to the slow path.
func (c *csvRecords) nextLine() ([]byte, int, error) {
	for {
		raw, err := c.readLine()
		if len(raw) == 0 && err != nil {
			return nil, 0, err
		}
		c.line++
		if err == io.EOF && raw[len(raw)-1] == '\r' {
			raw = raw[:len(raw)-1] // a trailing \r before the end, as encoding/csv drops it
		}
		if n := len(raw); n >= 2 && raw[n-2] == '\r' && raw[n-1] == '\n' {
			raw = raw[:n-2]
		} else if n >= 1 && raw[n-1] == '\n' {
			raw = raw[:n-1]
		}
		if len(raw) == 0 {
			if err != nil {
				return nil, 0, err
			}
			continue // an empty line
		}
		if bytes.IndexByte(raw, '"') >= 0 {
			c.startSlow(raw, err)
			return nil, 0, nil
		}
		return raw, c.line, nil
	}
}

// splitInto appends the fields of a line without quotes.
func (c *csvRecords) splitInto(cells []string, s string) []string {
	for {
		i := indexByteString(s, c.comma)
		if i < 0 {
			return append(cells, s)
		}
		cells = append(cells, s[:i])
		s = s[i+1:]
	}
}

// readAhead reads the records in a goroutine of its own, a batch at a
// time, into out, until the input ends or done is closed. Used batches
// come back through free.
func (c *csvRecords) readAhead(out chan<- *rowBatch, free chan *rowBatch, done <-chan struct{}) {
	defer close(out)
	for {
		var b *rowBatch
		select {
		case b = <-free:
		default:
			b = &rowBatch{}
		}
		c.fill(b)
		select {
		case out <- b:
		case <-done:
			return
		}
		if b.err != nil {
			return
		}
	}
}

// prepare works out every record's rowPre.
func (c *csvRecords) prepare(b *rowBatch) {
	if c.pre == nil {
		b.pre = nil
		return
	}
	b.pre = slices.Grow(b.pre[:0], len(b.rows))[:len(b.rows)]
	// A batch of fast-path lines only, all ASCII (as a deck of prefixes
	// and prices is), needs no UTF-8 check per cell.
	ascii := b.fast == len(b.rows) && isASCII(b.text)
	for i, r := range b.rows {
		if r.err != nil {
			b.pre[i] = rowPre{}
			continue
		}
		c.pre.prepare(&b.pre[i], b.cells[r.first:r.first+r.n], ascii)
	}
}

// isASCII reports whether b holds no byte above 0x7F.
func isASCII(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return false
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
}
