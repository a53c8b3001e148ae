package pricing

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/deckgen"
	"github.com/kassa-dev/kassa/refdata"
)

// The scale benchmarks run on a rate deck of a million country,prefix,price
// rows generated from the embedded reference data (internal/deckgen: every
// range and dialling code, then longer prefixes under the ranges), each
// against a baseline measured in the same run:
//
//	go test -run XXX -bench 'Scale' -benchtime 3x ./pricing
const scaleRows = 1_000_000

var (
	scaleOnce sync.Once
	scaleCSV  []byte
	scaleSnap *Snapshot
	scaleErr  error
)

// scaleDeck generates the deck and compiles it (once per test binary).
func scaleDeck(b *testing.B) ([]byte, *Snapshot) { return scaleDeckT(b) }

func scaleDeckT(b testing.TB) ([]byte, *Snapshot) {
	b.Helper()
	scaleOnce.Do(func() {
		var buf bytes.Buffer
		if scaleErr = deckgen.Write(&buf, refdata.Default(), scaleRows); scaleErr != nil {
			return
		}
		scaleCSV = buf.Bytes()
		deck, err := ReadCSV(bytes.NewReader(scaleCSV), CSVOptions{Type: kassa.SMS})
		if err != nil {
			scaleErr = err
			return
		}
		scaleSnap, scaleErr = compileDeck(deck, refdata.Default(), CompileOptions{SkipStale: true})
	})
	if scaleErr != nil {
		b.Fatal(scaleErr)
	}
	return scaleCSV, scaleSnap
}

// BenchmarkScaleReadCSV reads the million-row deck into a Deck (the work
// of an import before the store); its baseline
// BenchmarkScaleReadCSVBaseline reads the same bytes with a plain
// encoding/csv Reader, record by record.
func BenchmarkScaleReadCSV(b *testing.B) {
	data, _ := scaleDeck(b)
	b.SetBytes(int64(len(data)))
	cpu := processCPU()
	for b.Loop() {
		deck, err := ReadCSV(bytes.NewReader(data), CSVOptions{Type: kassa.SMS, ExpectedRows: ExpectedRows(int64(len(data)))})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(deck.Size())/float64(deck.Lines()), "stored-B/line")
	}
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N)/1e6, "cpu-ms/op")
}

func BenchmarkScaleReadCSVBaseline(b *testing.B) {
	data, _ := scaleDeck(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		r := csv.NewReader(bytes.NewReader(data))
		for {
			_, err := r.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkScaleSnapshotMemory compiles the million-row deck and reports
// the live heap the snapshot holds per prefix row (runtime.MemStats
// HeapAlloc after GC, before and after), and the same for the baseline: a
// plain Go map from each prefix string to a 32-bit destination, the least
// a map-based index holds.
func BenchmarkScaleSnapshotMemory(b *testing.B) {
	data, snap := scaleDeck(b)
	deck, err := ReadCSV(bytes.NewReader(data), CSVOptions{Type: kassa.SMS})
	if err != nil {
		b.Fatal(err)
	}
	var prefixes []string
	for _, n := range refdata.Default().Networks {
		prefixes = append(prefixes, n.Ranges...)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Read()
	for {
		rec, err := r.Read()
		if err != nil {
			break
		}
		prefixes = append(prefixes, rec[1])
	}
	var snapBytes, mapBytes uint64
	for b.Loop() {
		before := heapAfterGC()
		s, err := compileDeck(deck, refdata.Default(), CompileOptions{SkipStale: true})
		if err != nil {
			b.Fatal(err)
		}
		after := heapAfterGC()
		runtime.KeepAlive(s)
		s = nil
		mid := heapAfterGC()
		m := make(map[string]int32)
		for i, p := range prefixes {
			m[p] = int32(i)
		}
		end := heapAfterGC()
		runtime.KeepAlive(m)
		snapBytes += after - min(after, before)
		mapBytes += end - min(end, mid)
	}
	rows := float64(snap.Networks())
	b.ReportMetric(float64(snapBytes)/float64(b.N)/rows, "B/prefix")
	b.ReportMetric(float64(mapBytes)/float64(b.N)/float64(len(prefixes)), "map-B/prefix")
	b.ReportMetric(float64(snapBytes)/float64(b.N)/(1<<20), "MiB/snapshot")
	b.ReportMetric(rows, "networks")
}

// scaleNumbers returns numbers under the deck's prefixes (4,096 of them,
// at random) and the prefixes of each.
func scaleNumbers(b *testing.B, data []byte) ([]string, map[string]int32) {
	rng := rand.New(rand.NewPCG(3, 4))
	prefixes := map[string]int32{}
	var list []string
	r := csv.NewReader(bytes.NewReader(data))
	r.Read()
	for i := int32(0); ; i++ {
		rec, err := r.Read()
		if err != nil {
			break
		}
		prefixes[rec[1]] = i
		list = append(list, rec[1])
	}
	var numbers []string
	for len(numbers) < 4096 {
		p := list[rng.IntN(len(list))]
		n := p + fmt.Sprint(rng.IntN(1_000_000_000))
		numbers = append(numbers, n[:min(len(n), 13)])
	}
	return numbers, prefixes
}

// BenchmarkScaleRate rates random numbers under the million-row deck's
// prefixes; BenchmarkScaleRateBaselineMap looks the same numbers up in a
// plain Go map of the deck's prefixes, longest first, without normalising
// the number or building an answer.
func BenchmarkScaleRate(b *testing.B) {
	data, snap := scaleDeck(b)
	numbers, _ := scaleNumbers(b, data)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := snap.Rate(kassa.SMS, numbers[i&4095], kassa.EUR); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkScaleRateBaselineMap(b *testing.B) {
	data, _ := scaleDeck(b)
	numbers, prefixes := scaleNumbers(b, data)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		num := numbers[i&4095]
		found := int32(-1)
		for l := len(num); l > 0; l-- {
			if v, ok := prefixes[num[:l]]; ok {
				found = v
				break
			}
		}
		if found < 0 {
			b.Fatal("no prefix")
		}
		i++
	}
}

// BenchmarkScaleRateFloor measures what the same ratings cost without
// kassa's work on top: the index lookup of each number's network, then one
// byte of that network's entry (index_and_entry), or of an array of
// another size at the same offset modulo its size (entry_in_*); and the
// whole chain Rate follows, up to the price (index_entry_price). Rate is
// these loads plus decoding the entry and the price. On a virtual machine
// whose host maps memory in 4 KiB pages, one dependent load costs more the
// larger the array it falls in, for the same 4,096 cache lines (the TLB
// misses): the sub-benchmarks show by how much, as the floor the layout
// leaves (docs/pricing.md, Benchmarks).
func BenchmarkScaleRateFloor(b *testing.B) {
	data, snap := scaleDeck(b)
	numbers, _ := scaleNumbers(b, data)
	var digits [4096][]byte
	for i, n := range numbers {
		var buf [maxDigits + 2]byte
		k, err := normalizeNumber(n, &buf)
		if err != nil {
			b.Fatal(err)
		}
		digits[i] = bytes.Clone(buf[:k])
	}
	load := func(b *testing.B, arena []byte) {
		b.ReportAllocs()
		sum, i := 0, 0
		nets := &snap.nets
		for b.Loop() {
			d := snap.index.longest(digits[i&4095], nil)
			if d >= 0 && int(d) < len(nets.off) {
				sum += int(arena[int(nets.off[d])%len(arena)])
			}
			i++
		}
		runtime.KeepAlive(sum)
	}
	b.Run("index_only", func(b *testing.B) {
		sum, i := 0, 0
		for b.Loop() {
			sum += int(snap.index.longest(digits[i&4095], nil))
			i++
		}
		runtime.KeepAlive(sum)
	})
	b.Run("index_and_entry", func(b *testing.B) {
		load(b, unsafe.Slice(unsafe.StringData(snap.nets.arena), len(snap.nets.arena)))
	})
	// The whole chain of dependent loads Rate makes for a network: the
	// index, the entry's head (its own price, else its country's), then
	// the price in the view.
	b.Run("index_entry_price", func(b *testing.B) {
		v, err := snap.view(kassa.SMS, kassa.EUR)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		var sum kassa.Amount
		i := 0
		for b.Loop() {
			d := snap.index.longest(digits[i&4095], nil)
			if d >= 0 && int(d) < len(snap.nets.off) {
				if id := v.priceOf(uint32(d)); id != 0 {
					sum += v.amounts[id-1]
				}
			}
			i++
		}
		runtime.KeepAlive(sum)
	})
	for _, size := range []int{1 << 20, 8 << 20} {
		b.Run(fmt.Sprintf("entry_in_%dMiB", size>>20), func(b *testing.B) {
			load(b, bytes.Repeat([]byte{1}, size))
		})
	}
	b.ReportMetric(float64(len(snap.nets.arena))/(1<<20), "arena-MiB")
}
