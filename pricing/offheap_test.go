package pricing

import (
	"testing"
	"unsafe"
)

// TestOffHeapSlice checks that a large table is zeroed, usable to its
// end, and can be dropped and freed; a small one comes from the heap.
func TestOffHeapSlice(t *testing.T) {
	mem := &offHeap{}
	small := offHeapSlice[prefixSlot](mem, 16)
	if len(small) != 16 || len(mem.regions) != 0 {
		t.Fatalf("small slice: len %d, %d regions", len(small), len(mem.regions))
	}
	n := offHeapMin/int(unsafe.Sizeof(prefixSlot{})) + 7
	for range 2 {
		big := offHeapSlice[prefixSlot](mem, n)
		if len(big) != n {
			t.Fatalf("len %d, want %d", len(big), n)
		}
		for i := range big {
			if big[i] != (prefixSlot{}) {
				t.Fatalf("slot %d not zero", i)
			}
			big[i] = prefixSlot{word: uint64(i) + 1}
		}
		if big[n-1].word != uint64(n) {
			t.Fatal("last slot not written")
		}
	}
	regions := len(mem.regions)
	first := unsafe.Pointer(unsafe.SliceData(offHeapSlice[deckNet](mem, n)))
	if len(mem.regions) != regions+1 && regions != 0 {
		t.Fatalf("%d regions after a third table, %d before", len(mem.regions), regions)
	}
	mem.drop(first)
	if len(mem.regions) != regions {
		t.Fatalf("%d regions after drop, want %d", len(mem.regions), regions)
	}
	mem.free()
	mem.free()
	if len(mem.regions) != 0 {
		t.Fatalf("%d regions after free", len(mem.regions))
	}
}
