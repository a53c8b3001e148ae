package pricing

import (
	"context"
	"fmt"
)

// VersionSnapshot returns the compiled snapshot of any stored version, for
// exporting it: the current snapshot when version is the one in use, else
// the version's stored data compiled with the service's FX rates. It does
// not change what is current and does not touch the import cache.
// ENOTFOUND when there is no such version.
func (s *Service) VersionSnapshot(ctx context.Context, version int64) (*Snapshot, error) {
	if cur := s.current.Load(); cur != nil && cur.version == version {
		return cur, nil
	}
	data, err := s.store.PriceBookData(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("load price book %d: %w", version, err)
	}
	book, err := Decode(data)
	if err != nil {
		return nil, fmt.Errorf("load price book %d: %w", version, err)
	}
	snap, err := Compile(book, s.ref, CompileOptions{Version: version, FX: s.opts.FX, SkipStale: true})
	if err != nil {
		return nil, fmt.Errorf("compile price book %d: %w", version, err)
	}
	return snap, nil
}
