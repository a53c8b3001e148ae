package pricing

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// SnapshotCache lets the Services of one process share compiled
// snapshots: a stored version is compiled once for its content (version,
// checksum, exchange rates and reference data), however many Services load
// it. The emulator and the kassatest package start many servers whose
// stores hold the same demo tariff; a server keeps one Service and needs
// none. Snapshots are immutable, so sharing them is safe. It keeps the
// most recently used entries up to its size and is safe for concurrent use.
type SnapshotCache struct {
	mu    sync.Mutex
	size  int
	keys  []string // least recently used first
	snaps map[string]*Snapshot
}

// NewSnapshotCache returns a cache of up to size snapshots (at least 1).
func NewSnapshotCache(size int) *SnapshotCache {
	return &SnapshotCache{size: max(size, 1), snaps: map[string]*Snapshot{}}
}

// cacheKey names a stored version's compiled content (and whether its
// answers are pre-rendered, preRender being the Service's PreRenderLimit);
// "" when the version has no checksum (nothing then is cached).
func cacheKey(ref *refdata.Data, v *kassa.PriceBookVersion, fx map[string]string, preRender int64) string {
	if v.Checksum == "" {
		return ""
	}
	rates := make([]string, 0, len(fx))
	for pair, rate := range fx {
		rates = append(rates, pair+"="+rate)
	}
	sort.Strings(rates)
	return fmt.Sprintf("%p|%d|%s|%s|%d", ref, v.Version, v.Checksum, strings.Join(rates, ","), preRender)
}

// get returns the snapshot under key, or nil.
func (c *SnapshotCache) get(key string) *Snapshot {
	c.mu.Lock()
	defer c.mu.Unlock()
	snap := c.snaps[key]
	if snap != nil {
		c.touch(key)
	}
	return snap
}

// put keeps snap under key, forgetting the least recently used entry
// beyond the size.
func (c *SnapshotCache) put(key string, snap *Snapshot) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.snaps[key]; !ok && len(c.keys) >= c.size {
		delete(c.snaps, c.keys[0])
		c.keys = c.keys[1:]
	}
	c.snaps[key] = snap
	c.touch(key)
}

// touch marks key as the most recently used.
func (c *SnapshotCache) touch(key string) {
	if i := slices.Index(c.keys, key); i >= 0 {
		c.keys = slices.Delete(c.keys, i, i+1)
	}
	c.keys = append(c.keys, key)
}
