// Command gendeck writes a synthetic carrier rate deck of country,prefix,price
// rows for the price-book benchmarks (bench/pricebook/run); see
// internal/deckgen for what it holds.
//
//	go run ./bench/pricebook/gendeck -rows 1000000 > deck.csv
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kassa-dev/kassa/internal/deckgen"
	"github.com/kassa-dev/kassa/refdata"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "number of price rows to write")
	flag.Parse()
	if err := deckgen.Write(os.Stdout, refdata.Default(), *rows); err != nil {
		fmt.Fprintln(os.Stderr, "gendeck:", err)
		os.Exit(1)
	}
}
