package pricing

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// BenchmarkCompileDemo compiles the demo tariff over the embedded
// reference data: what a node does at start and on every activation.
func BenchmarkCompileDemo(b *testing.B) {
	ref := refdata.Default()
	book := DemoBook(ref)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(book, ref, CompileOptions{FX: map[string]string{"EUR/USD": "1.0825"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeDemo is the baseline of BenchmarkCompileDemo: reading
// the same book back from its stored form (what a node does before it
// compiles).
func BenchmarkDecodeDemo(b *testing.B) {
	data, err := Encode(DemoBook(refdata.Default()))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSnapshotMemory reports the live heap a compiled demo snapshot
// adds (runtime.MemStats HeapAlloc after GC, before and after compiling),
// beside the heap of the decoded book itself and its stored size.
func BenchmarkSnapshotMemory(b *testing.B) {
	ref := refdata.Default()
	book := DemoBook(ref)
	data, err := Encode(book)
	if err != nil {
		b.Fatal(err)
	}
	var snapTotal, bookTotal uint64
	for b.Loop() {
		before := heapAfterGC()
		decoded, err := Decode(data)
		if err != nil {
			b.Fatal(err)
		}
		mid := heapAfterGC()
		s, err := Compile(decoded, ref, CompileOptions{FX: map[string]string{"EUR/USD": "1.0825"}})
		if err != nil {
			b.Fatal(err)
		}
		after := heapAfterGC()
		runtime.KeepAlive(s)
		bookTotal += mid - min(mid, before)
		snapTotal += after - min(after, mid)
	}
	b.ReportMetric(float64(snapTotal)/float64(b.N)/(1<<20), "MiB/snapshot")
	b.ReportMetric(float64(bookTotal)/float64(b.N)/(1<<20), "MiB/book")
	b.ReportMetric(float64(len(data))/(1<<20), "MiB/stored")
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// syntheticRates builds reference data with n random number prefixes
// spread over networks of the test countries, priced by a book, and
// numbers to rate (most hit a range, some only a country prefix).
func syntheticRates(b testing.TB, n int) (*Snapshot, []string, map[string]int) {
	rng := rand.New(rand.NewPCG(1, 2))
	base := testRef()
	countries := base.Countries
	var networks []kassa.Network
	book := &kassa.PriceBook{}
	seen := map[string]int{}
	for i := 0; len(seen) < n; i++ {
		c := countries[i%len(countries)]
		if c.DialingPrefix == "" || c.Code == "UM" {
			continue
		}
		nw := kassa.Network{Code: fmt.Sprintf("%s-S%d", c.Code, i), Name: "synthetic", Type: kassa.Mobile, Country: c.Code, MCC: "999", MNC: "99"}
		for range 10 {
			r := c.DialingPrefix + strconv.Itoa(rng.IntN(1_000_000))
			if _, dup := seen[r]; !dup && len(seen) < n {
				seen[r] = len(networks)
				nw.Ranges = append(nw.Ranges, r)
			}
		}
		networks = append(networks, nw)
		book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: c.Code, Network: nw.Code, Currency: kassa.EUR, Price: kassa.Amount(1000 + i)})
	}
	for _, c := range countries {
		book.Prices = append(book.Prices, kassa.Price{Type: kassa.SMS, Country: c.Code, Currency: kassa.EUR, Price: 500})
	}
	ref := refdata.New(countries, networks)
	s, err := Compile(book, ref, CompileOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var numbers []string
	for r := range seen {
		numbers = append(numbers, "+"+r+strconv.Itoa(1000+rng.IntN(9000)))
		if len(numbers) == 4096 {
			break
		}
	}
	return s, numbers, seen
}

// BenchmarkRate rates numbers against 100,000 synthetic prefixes.
func BenchmarkRate(b *testing.B) {
	s, numbers, _ := syntheticRates(b, 100_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Rate(kassa.SMS, numbers[i&4095], kassa.EUR); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRateBaselineMap is the obvious alternative to the index: strip
// the number and try a map of the same 100,000 prefixes at every length,
// longest first.
func BenchmarkRateBaselineMap(b *testing.B) {
	_, numbers, prefixes := syntheticRates(b, 100_000)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		num := numbers[i&4095][1:]
		found := -1
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

// discardWriter is an http.ResponseWriter that counts and drops the body,
// so that the benchmark measures the handler, not a buffer's growth.
type discardWriter struct {
	h       http.Header
	written int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(int)             {}
func (w *discardWriter) Write(b []byte) (int, error) { w.written += len(b); return len(b), nil }

// serveDoc writes a pre-rendered document the way an HTTP handler does,
// choosing the gzip copy when the client accepts it.
func serveDoc(w http.ResponseWriter, d *Document, gzipOK bool) {
	h := w.Header()
	h.Set("Content-Type", d.ContentType)
	if gzipOK && d.Gzip != nil {
		h.Set("Content-Encoding", "gzip")
		h.Set("ETag", d.GzipETag)
		w.Write(d.Gzip)
		return
	}
	h.Set("ETag", d.ETag)
	w.Write(d.Body)
}

// BenchmarkServeFullPricing serves the demo full list (sms, EUR, JSON):
// "snapshot" looks the document up in the current snapshot and writes it,
// "fixed" writes the same bytes and headers from variables (the floor for
// any handler), both plain and gzip, into a discarding writer and into an
// httptest recorder.
func BenchmarkServeFullPricing(b *testing.B) {
	s := demoSnapshot(b)
	d, _ := s.FullPricing(kassa.SMS, kassa.EUR, JSON)
	for _, gz := range []bool{false, true} {
		body, etag, enc := d.Body, d.ETag, ""
		if gz {
			body, etag, enc = d.Gzip, d.GzipETag, "gzip"
		}
		for _, recorder := range []bool{false, true} {
			newWriter := func() http.ResponseWriter { return &discardWriter{h: http.Header{}} }
			if recorder {
				newWriter = func() http.ResponseWriter { return httptest.NewRecorder() }
			}
			name := map[bool]string{false: "plain", true: "gzip"}[gz] + map[bool]string{false: "/discard", true: "/recorder"}[recorder]
			b.Run("snapshot/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					doc, err := s.FullPricing(kassa.SMS, kassa.EUR, JSON)
					if err != nil {
						b.Fatal(err)
					}
					serveDoc(newWriter(), doc, gz)
				}
			})
			b.Run("fixed/"+name, func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					w := newWriter()
					w.Header().Set("Content-Type", ContentTypeJSON)
					if enc != "" {
						w.Header().Set("Content-Encoding", enc)
					}
					w.Header().Set("ETag", etag)
					w.Write(body)
				}
			})
		}
	}
}
