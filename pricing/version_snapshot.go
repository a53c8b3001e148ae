package pricing

import "context"

// VersionSnapshot returns the compiled snapshot of any stored version, for
// exporting it: the current snapshot when version is the one in use, else
// the version's stored data compiled with the service's FX rates. It does
// not change what is current and does not touch the import cache.
// ENOTFOUND when there is no such version.
func (s *Service) VersionSnapshot(ctx context.Context, version int64) (*Snapshot, error) {
	if set := s.plans.Load(); set != nil {
		for _, cur := range set.snaps {
			if cur.base == nil && cur.version == version {
				return cur, nil
			}
		}
	}
	return s.compileStored(ctx, version)
}
