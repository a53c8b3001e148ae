package web

import (
	"sync"

	"github.com/kassa-dev/kassa"
)

// mapCacheSize bounds the drawn maps kept: a few (type, currency) pairs
// of the current and the previous price-book version.
const mapCacheSize = 16

// mapKey identifies a drawn map.
type mapKey struct {
	version  int64
	plan     string // a derived plan shares its base's version
	typ      kassa.ServiceType
	currency kassa.Currency
	pick     bool // links carry the currency (operators)
}

// drawnMap is a coloured map (without the selection) and its legend.
type drawnMap struct {
	svg    string
	legend []legendItem
}

// mapCache keeps drawn maps; a price-book version is immutable, so an
// entry never goes stale, and the cache is emptied when full.
type mapCache struct {
	mu   sync.Mutex
	maps map[mapKey]drawnMap
}

func newMapCache() *mapCache { return &mapCache{maps: map[mapKey]drawnMap{}} }

func (c *mapCache) get(k mapKey) (drawnMap, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m, ok := c.maps[k]
	return m, ok
}

func (c *mapCache) put(k mapKey, m drawnMap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.maps) >= mapCacheSize {
		clear(c.maps)
	}
	c.maps[k] = m
}
