package pricing

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"

	"github.com/kassa-dev/kassa"
)

// maxDecodedBook bounds what Decode inflates, so that corrupt or hostile
// stored data cannot exhaust memory.
const maxDecodedBook = 512 << 20

// storedBook is the storage form of a kassa.PriceBook: gzip-compressed JSON
// with short keys and prices as exact decimal text.
type storedBook struct {
	Format   int             `json:"f"`
	Name     string          `json:"name"`
	Demo     bool            `json:"demo,omitempty"`
	DemoT    []string        `json:"dt,omitempty"` // PriceBook.DemoTypes
	Prices   []storedPrice   `json:"p"`
	Networks []storedNetwork `json:"n,omitempty"`
}

type storedPrice struct {
	Type     kassa.ServiceType `json:"t"`
	Country  string            `json:"c"`
	Network  string            `json:"n,omitempty"`
	Currency kassa.Currency    `json:"u"`
	Price    string            `json:"p"`
}

type storedNetwork struct {
	Code    string            `json:"code"`
	Name    string            `json:"name"`
	Type    kassa.NetworkType `json:"type"`
	Country string            `json:"country"`
	MCC     string            `json:"mcc,omitempty"`
	MNC     string            `json:"mnc,omitempty"`
	Aliases []string          `json:"aliases,omitempty"`
	Ranges  []string          `json:"ranges,omitempty"`
}

// storedFormat is the version of the storage form.
const storedFormat = 1

// Encode returns the compact storage form of a price book (gzip-compressed
// JSON). Decode reads it back.
func Encode(book *kassa.PriceBook) ([]byte, error) {
	sb := storedBook{Format: storedFormat, Name: book.Name, Demo: book.Demo}
	for _, t := range book.DemoTypes {
		sb.DemoT = append(sb.DemoT, string(t))
	}
	sb.Prices = make([]storedPrice, len(book.Prices))
	for i, p := range book.Prices {
		sb.Prices[i] = storedPrice{p.Type, p.Country, p.Network, p.Currency, p.Price.String()}
	}
	for _, n := range book.Networks {
		sb.Networks = append(sb.Networks, storedNetwork{n.Code, n.Name, n.Type, n.Country, n.MCC, n.MNC, n.Aliases, n.Ranges})
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(&sb); err != nil {
		return nil, fmt.Errorf("encode price book: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("encode price book: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode reads a price book written by Encode.
func Decode(data []byte) (*kassa.PriceBook, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decode price book: %w", err)
	}
	defer zr.Close()
	var sb storedBook
	dec := json.NewDecoder(io.LimitReader(zr, maxDecodedBook))
	if err := dec.Decode(&sb); err != nil {
		return nil, fmt.Errorf("decode price book: %w", err)
	}
	if sb.Format != storedFormat {
		return nil, fmt.Errorf("decode price book: unknown storage format %d", sb.Format)
	}
	book := &kassa.PriceBook{Name: sb.Name, Demo: sb.Demo, Prices: make([]kassa.Price, len(sb.Prices))}
	for _, t := range sb.DemoT {
		book.DemoTypes = append(book.DemoTypes, kassa.ServiceType(t))
	}
	for i, p := range sb.Prices {
		amt, err := kassa.ParseAmount(p.Price)
		if err != nil {
			return nil, fmt.Errorf("decode price book: line %d: %w", i+1, err)
		}
		book.Prices[i] = kassa.Price{Type: p.Type, Country: p.Country, Network: p.Network, Currency: p.Currency, Price: amt}
	}
	for _, n := range sb.Networks {
		book.Networks = append(book.Networks, kassa.Network{Code: n.Code, Name: n.Name, Type: n.Type, Country: n.Country, MCC: n.MCC, MNC: n.MNC, Aliases: n.Aliases, Ranges: n.Ranges})
	}
	return book, nil
}
