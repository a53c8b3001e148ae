// Command csvread is the baseline of the import benchmark
// (bench/pricebook/run): it reads a CSV file with a plain encoding/csv
// Reader, record by record, and prints the rows and the time taken.
//
//	go run ./bench/pricebook/csvread deck.csv
package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: csvread FILE")
		os.Exit(2)
	}
	start := time.Now()
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "csvread:", err)
		os.Exit(1)
	}
	defer f.Close()
	r := csv.NewReader(f)
	rows := 0
	for {
		_, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "csvread:", err)
			os.Exit(1)
		}
		rows++
	}
	fmt.Printf("rows %d seconds %.3f\n", rows, time.Since(start).Seconds())
}
