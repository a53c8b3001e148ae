package pricing

import (
	"errors"
	"fmt"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// CompileOptions tune Compile.
type CompileOptions struct {
	// Version is the price-book version the snapshot reports.
	Version int64
	// SkipStale drops, instead of rejecting the book for, lines and book
	// networks that disagree with the reference data (unknown country or
	// network, a book network the reference data now has): for versions
	// stored under older reference data. Snapshot.Warnings lists them.
	SkipStale bool
	// FX holds exchange rates as exact decimal text keyed "FROM/TO":
	// {"EUR/USD": "1.0825"} means 1 EUR = 1.0825 USD. The inverse direction
	// is derived exactly when only one is given. Prices are converted only
	// where the book has no line in the answer's currency.
	FX map[string]string
}

// Compile validates a price book against the reference data and builds its
// immutable snapshot. A book with unknown countries or networks, negative
// prices, duplicate lines, unsupported currencies or service types, or bad
// extra networks is rejected whole with an EINVALID *kassa.Error naming
// every offending line (up to a cap).
func Compile(book *kassa.PriceBook, ref *refdata.Data, opts CompileOptions) (*Snapshot, error) {
	if book == nil || ref == nil {
		return nil, errors.New("compile price book: nil book or reference data")
	}
	fx, err := parseFX(opts.FX)
	if err != nil {
		return nil, err
	}
	s := newSnapshot(book, ref, opts.Version)
	problems := problemList{skipStale: opts.SkipStale}
	s.addBookNetworks(book.Networks, &problems)
	lines := s.collectLines(book.Prices, &problems)
	if err := problems.err(); err != nil {
		return nil, err
	}
	s.warnings = problems.stale
	if err := s.buildViews(lines, fx); err != nil {
		return nil, err
	}
	s.buildIndex()
	if err := s.render(); err != nil {
		return nil, fmt.Errorf("compile price book: %w", err)
	}
	return s, nil
}

// newSnapshot indexes the reference countries and networks.
func newSnapshot(book *kassa.PriceBook, ref *refdata.Data, version int64) *Snapshot {
	s := &Snapshot{
		version:     version,
		book:        book,
		ref:         ref,
		countries:   ref.Countries,
		countryIdx:  make(map[string]int, len(ref.Countries)),
		networks:    make([][]kassa.Network, len(ref.Countries)),
		prefixCache: new(sync.Map),
	}
	for i, c := range ref.Countries {
		s.countryIdx[c.Code] = i
		s.networks[i] = ref.NetworksOf(c.Code)
	}
	return s
}
