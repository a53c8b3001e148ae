// Package deckgen writes synthetic carrier rate decks of
// country,prefix,price rows for the price-book benchmarks (bench/pricebook
// and the pricing package's scale benchmarks): every unshared dialling
// code and every range of the reference data (priced per network, as a
// carrier prices a network), then longer prefixes under those ranges (new
// networks of the book, each with its own price), range by range as a
// carrier's deck sorted by destination lists them, until the deck has the
// requested number of rows. The output is the same on every run.
package deckgen

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"

	"github.com/kassa-dev/kassa/refdata"
)

// Write writes a deck of rows price rows (and a header) to w, from the
// reference data ref. It fails when ref cannot give that many rows.
func Write(w io.Writer, ref *refdata.Data, rows int) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	known := map[string]bool{}
	for _, n := range ref.Networks {
		for _, r := range n.Ranges {
			known[r] = true
		}
	}
	for _, c := range ref.Countries {
		known[c.DialingPrefix] = true
	}
	written := 0
	seen := map[string]bool{}
	row := func(country, prefix string, price int64) {
		if written >= rows || seen[prefix] {
			return
		}
		seen[prefix] = true
		fmt.Fprintf(bw, "%s,%s,%s\n", country, prefix, formatPrice(price))
		written++
	}
	if _, err := bw.WriteString("country,prefix,price\n"); err != nil {
		return err
	}
	for _, c := range ref.Countries {
		if c.DialingPrefix != "" && len(ref.CountriesByPrefix(c.DialingPrefix)) == 1 {
			row(c.Code, c.DialingPrefix, priceOf(c.Code))
		}
	}
	type base struct{ country, prefix string }
	var bases []base
	for _, n := range ref.Networks {
		for _, r := range n.Ranges {
			row(n.Country, r, priceOf(n.Country+"|"+n.Code))
			if len(r) <= 12 {
				bases = append(bases, base{n.Country, r})
			}
		}
	}
	// Longer prefixes under the ranges, range by range as a carrier's deck
	// lists them (sorted by destination): each range's two-digit
	// extensions, then three-digit ones, until the deck is large enough,
	// skipping prefixes that are ranges themselves. perRange spreads the
	// rows over every range.
	remaining := rows - written
	perRange := (remaining + len(bases) - 1) / max(len(bases), 1)
	for _, b := range bases {
		n := 0
		for digits := 2; n < perRange && digits <= 4 && len(b.prefix)+digits <= 15; digits++ {
			limit := 1
			for range digits {
				limit *= 10
			}
			step := max(1, limit/perRange)
			for ext := 0; ext < limit && n < perRange && written < rows; ext += step {
				p := b.prefix + fmt.Sprintf("%0*d", digits, ext)
				if known[p] || seen[p] {
					continue
				}
				row(b.country, p, priceOf(p))
				n++
			}
		}
	}
	if written < rows {
		return fmt.Errorf("only %d rows could be generated", written)
	}
	return bw.Flush()
}

// priceOf is a price from 0.001 to 0.3 with five decimals, from a hash.
func priceOf(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return 100 + int64(h.Sum64()%29_901) // in 10^-5
}

// formatPrice writes a price in 10^-5 units as a decimal.
func formatPrice(p int64) string {
	s := strconv.FormatInt(p, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	return s[:len(s)-5] + "." + s[len(s)-5:]
}
