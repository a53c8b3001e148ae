package pricing

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestEntryHeadRoundTrip writes entries with own prices of every width
// (none, 1 to 4 bytes) and reads them back through each reader of the
// head: headAt (with the code and name after it), ownPrice and entry.
func TestEntryHeadRoundTrip(t *testing.T) {
	metas := []entryMeta{
		{country: 0, own: [numTypes]uint32{0, 0, 0}},
		{country: 1, own: [numTypes]uint32{1, 0, 255}},
		{country: 248, own: [numTypes]uint32{256, 0, 65535}, book: true},
		{country: 300, own: [numTypes]uint32{65536, 0, 1 << 24}},
		{country: 65535, own: [numTypes]uint32{1<<32 - 1, 0, 7}},
	}
	var maxOwn [numTypes]uint32
	for _, m := range metas {
		for ti, id := range m.own {
			maxOwn[ti] = max(maxOwn[ti], id)
		}
	}
	layout := newHeadLayout(maxOwn)
	if layout.width != [numTypes]uint8{4, 0, 4} || layout.size() != headFixed+8 {
		t.Fatalf("layout %+v, size %d: want widths 4, 0, 4 and %d bytes", layout, layout.size(), headFixed+8)
	}
	var arena []byte
	var off []uint32
	types := []kassa.NetworkType{kassa.Mobile, kassa.Landline, "satellite", kassa.Pager, kassa.Virtual}
	for i, m := range metas {
		off = append(off, uint32(len(arena)))
		arena = appendEntry(arena, &layout, m, types[i], "GB-4477", "Net", "234", "10", []string{"alias"}, []string{"4477", "4478"})
	}
	tab := netTable{arena: string(arena), off: off, layout: layout}
	for i, m := range metas {
		e := tab.entry(i)
		if e.country != m.country || e.own != m.own || e.book != m.book || e.typ != types[i] || e.code != "GB-4477" || e.name != "Net" || e.mcc != "234" || e.mnc != "10" || e.rangeCount() != 2 {
			t.Errorf("entry %d: read %+v, wrote %+v as %s", i, e, m, types[i])
		}
		for ti := range numTypes {
			if id, ci := tab.ownPrice(uint32(i), ti); id != m.own[ti] || ci != m.country {
				t.Errorf("entry %d type %d: ownPrice %d, %d; want %d, %d", i, ti, id, ci, m.own[ti], m.country)
			}
		}
		if typ, code, name := tab.head(i); typ != types[i] || code != "GB-4477" || name != "Net" {
			t.Errorf("entry %d: head %s %q %q", i, typ, code, name)
		}
	}
	// The zero layout (a table being compiled) holds no own prices.
	var zero headLayout
	b := appendEntry(nil, &zero, entryMeta{country: 7, own: [numTypes]uint32{9, 9, 9}}, kassa.Mobile, "FR-33", "N", "", "", nil, nil)
	z := netTable{arena: string(b), off: []uint32{0}}
	if e := z.entry(0); e.country != 7 || e.own != [numTypes]uint32{} || e.code != "FR-33" {
		t.Errorf("zero layout: read %+v", e)
	}
}
