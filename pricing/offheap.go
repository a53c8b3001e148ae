package pricing

import (
	"sync"
	"unsafe"
)

// offHeap holds the large tables of a deck being read (the prefix table,
// the deck's networks) in memory mapped for them, outside the Go heap, on
// systems that can back it with huge pages (offheap_linux.go): those
// tables are most of the memory an import touches, and memory fresh from
// the system costs a page fault per 4 KiB page, about 3 ms of CPU per MiB
// on a virtual machine, twenty times less in 2 MiB pages. The memory is
// unmapped by free: when the deck is stored (Deck.release), when the
// reading fails, or, for a deck dropped otherwise, once the parser is
// garbage (a cleanup). Elsewhere the tables are ordinary slices.
type offHeap struct {
	mu      sync.Mutex
	regions []mappedRegion
}

// mappedRegion is one mapping: as mapRegion returned it (to unmap it) and
// the start of its aligned part (to find it again).
type mappedRegion struct {
	mapping []byte
	start   unsafe.Pointer
}

// offHeapMin is the size from which a table is mapped on its own.
const offHeapMin = 4 << 20

// offHeapSlice returns a zeroed slice of n Ts, mapped in o when it is
// large and the system allows it. T must hold no pointers: the garbage
// collector does not see the mapped memory.
func offHeapSlice[T any](o *offHeap, n int) []T {
	var zero T
	size := n * int(unsafe.Sizeof(zero))
	if o == nil || size < offHeapMin {
		return make([]T, n)
	}
	mapping, aligned := mapRegion(size)
	if mapping == nil {
		return make([]T, n)
	}
	start := unsafe.Pointer(unsafe.SliceData(aligned))
	o.mu.Lock()
	o.regions = append(o.regions, mappedRegion{mapping, start})
	o.mu.Unlock()
	return unsafe.Slice((*T)(start), n)
}

// drop unmaps the region a slice from offHeapSlice starts at (nothing for
// a slice of the Go heap). The slice must not be used again.
func (o *offHeap) drop(start unsafe.Pointer) {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for i, r := range o.regions {
		if r.start == start {
			unmapRegion(r.mapping)
			o.regions = append(o.regions[:i], o.regions[i+1:]...)
			return
		}
	}
}

// free unmaps every region. The slices must not be used again.
func (o *offHeap) free() {
	if o == nil {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, r := range o.regions {
		unmapRegion(r.mapping)
	}
	o.regions = nil
}
