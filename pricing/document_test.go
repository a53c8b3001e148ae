package pricing

import (
	"bytes"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestLargeAnswersCompressed: a prefix answer of GzipMinSize or more has a
// gzip form (the same bytes once decompressed, its own ETag, made once and
// kept, the same under concurrent first use); a small one has none.
func TestLargeAnswersCompressed(t *testing.T) {
	s := demoSnapshot(t)
	large, err := s.PrefixPricing(kassa.SMS, "1", kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(large.Body) < GzipMinSize || large.Gzip != nil {
		t.Fatalf("prefix 1: %d bytes, pre-compressed %v; want a large answer compressed on demand", len(large.Body), large.Gzip != nil)
	}
	var wg sync.WaitGroup
	got := make([][]byte, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = large.Compressed()
		}()
	}
	wg.Wait()
	z, etag := large.Compressed()
	if !bytes.Equal(gunzip(t, z), large.Body) || len(z) >= len(large.Body) {
		t.Errorf("gzip form of %d bytes does not decompress to the %d-byte body", len(z), len(large.Body))
	}
	if etag == "" || etag == large.ETag {
		t.Errorf("gzip ETag %q (plain %q)", etag, large.ETag)
	}
	for _, g := range got {
		if &g[0] != &z[0] {
			t.Fatal("the gzip form was made more than once")
		}
	}
	small, err := s.CountryPricing(kassa.SMS, "VA", kassa.EUR, JSON)
	if err != nil {
		t.Fatal(err)
	}
	if len(small.Body) >= GzipMinSize {
		t.Fatalf("VA is %d bytes; pick a smaller answer", len(small.Body))
	}
	if z, etag := small.Compressed(); z != nil || etag != "" {
		t.Errorf("a %d-byte answer has a gzip form", len(small.Body))
	}
	full, _ := s.FullPricing(kassa.SMS, kassa.EUR, JSON)
	if z, etag := full.Compressed(); !bytes.Equal(z, full.Gzip) || etag != full.GzipETag {
		t.Error("a full list's gzip form is not the one made when rendered")
	}
}
