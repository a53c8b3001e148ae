package pricing

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestCSVRecordsMatchEncodingCSV reads random decks (LF and CRLF line
// ends, empty lines, padded cells, rows of the wrong width, a quoted cell
// part way) through csvRecords with reader buffers from tiny to the real
// size, so that lines straddle every buffer boundary, and checks each
// record, its line number and its field-count error against
// encoding/csv's reading of the same bytes.
func TestCSVRecordsMatchEncodingCSV(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for round := range 60 {
		size := []int{16, 17, 64, 100, 4096, 256 << 10}[round%6]
		var deck strings.Builder
		deck.WriteString("country,prefix,price\n")
		rows := 200 + rng.IntN(3_000)
		if size == 256<<10 {
			rows += 10_000 // past takeWindow, so that the window cuts lines
		}
		quoteAt := -1
		if rng.IntN(3) == 0 {
			quoteAt = rng.IntN(rows)
		}
		for i := range rows {
			eol := "\n"
			if rng.IntN(4) == 0 {
				eol = "\r\n"
			}
			switch {
			case i == quoteAt:
				fmt.Fprintf(&deck, "\"G,B\",44%d,0.1%s", i, eol)
			case rng.IntN(40) == 0:
				deck.WriteString(eol) // an empty line
			case rng.IntN(50) == 0:
				fmt.Fprintf(&deck, "GB,44%d%s", i, eol) // a field short
			default:
				fmt.Fprintf(&deck, "%s,%s44%d, 0.%d%s", []string{"GB", "DE", " FR"}[rng.IntN(3)], []string{"", "+"}[rng.IntN(2)], i, rng.IntN(1000), eol)
			}
		}
		if rng.IntN(2) == 0 {
			deck.WriteString("GB,4499,0.5") // a last line without a newline
		}
		data := deck.String()
		got := readWithRecords(t, data, size)
		want := readWithEncodingCSV(t, data)
		if len(got) != len(want) {
			t.Fatalf("round %d (buffer %d): %d records, encoding/csv reads %d", round, size, len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("round %d (buffer %d), record %d:\n got %s\nwant %s", round, size, i, got[i], want[i])
			}
		}
	}
}

// readWithRecords reads data with csvRecords batches: one line per record,
// "line: cells" and the error.
func readWithRecords(t *testing.T, data string, size int) []string {
	t.Helper()
	c := &csvRecords{br: bufio.NewReaderSize(strings.NewReader(data), size), comma: ','}
	var out []string
	var b rowBatch
	for {
		c.fill(&b)
		for _, r := range b.rows {
			out = append(out, describeRecord(r.line, b.cells[r.first:r.first+r.n], r.err))
		}
		if b.err != nil {
			if b.err != io.EOF {
				t.Fatal(b.err)
			}
			return out
		}
	}
}

// readWithEncodingCSV reads data as csvRecords must.
func readWithEncodingCSV(t *testing.T, data string) []string {
	t.Helper()
	r := csv.NewReader(strings.NewReader(data))
	var out []string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out
		}
		if err != nil && !errors.Is(err, csv.ErrFieldCount) {
			t.Fatal(err)
		}
		line, _ := r.FieldPos(0)
		out = append(out, describeRecord(line, rec, err))
	}
}

// describeRecord writes a record, its line and its error as one comparable line.
func describeRecord(line int, cells []string, err error) string {
	s := fmt.Sprintf("%d: %q", line, cells)
	if err != nil {
		s += " " + err.Error()
	}
	return s
}

// TestTakeBufferedStopsAtQuote: the lines before a quote are taken from
// the buffer, the line holding it is left for the slow path.
func TestTakeBufferedStopsAtQuote(t *testing.T) {
	data := "a,b\n1,2\r\n\n3,4\n\"5\",6\n7,8\n"
	c := &csvRecords{br: bufio.NewReaderSize(bytes.NewReader([]byte(data)), 4096), comma: ','}
	c.br.Peek(len(data))
	var b rowBatch
	var spans [batchRows]lineSpan
	n := 0
	if !c.takeBuffered(&b, &spans, &n) {
		t.Fatal("took nothing")
	}
	if n != 3 || c.line != 4 {
		t.Fatalf("took %d lines, counted %d; want 3 lines (one empty skipped) and 4 counted", n, c.line)
	}
	if rest, _ := c.br.Peek(c.br.Buffered()); string(rest) != "\"5\",6\n7,8\n" {
		t.Fatalf("left %q", rest)
	}
	for i, want := range []string{"a,b", "1,2", "3,4"} {
		if got := string(b.text[spans[i].start:spans[i].end]); got != want {
			t.Errorf("line %d: %q, want %q", i, got, want)
		}
	}
}
