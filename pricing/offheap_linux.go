package pricing

import (
	"syscall"
	"unsafe"
)

// hugePage is the size of a transparent huge page.
const hugePage = 2 << 20

// mapRegion maps size bytes (rounded up to huge pages) of anonymous memory
// advised for transparent huge pages: the mapping (for unmapRegion) and
// its part aligned on a huge page. It returns nil when the mapping fails;
// the advice failing (huge pages off) leaves ordinary pages.
func mapRegion(size int) (mapping, aligned []byte) {
	size = (size + hugePage - 1) &^ (hugePage - 1)
	m, err := syscall.Mmap(-1, 0, size+hugePage, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return nil, nil
	}
	addr := uintptr(unsafe.Pointer(unsafe.SliceData(m)))
	off := int((hugePage - addr%hugePage) % hugePage)
	aligned = m[off : off+size : off+size]
	_ = syscall.Madvise(aligned, syscall.MADV_HUGEPAGE)
	return m, aligned
}

// unmapRegion unmaps a mapping of mapRegion.
func unmapRegion(mapping []byte) { _ = syscall.Munmap(mapping) }
