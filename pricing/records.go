package pricing

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/kassa-dev/kassa"
)

// The stored form of a price book (docs/pricing.md, "Storage") is a
// sequence of chunks, each decodable on its own, so that a version of a
// million lines is written, read, merged and compiled one chunk at a time
// and never held whole in memory as one blob.
//
// A chunk is chunkMagic, one byte saying how the rest is compressed
// (chunkRaw or chunkFlate), then records. A record is a kind byte and its
// fields:
//
//	H  header: name, flags (1 = demo), demo types (count, then type indexes)
//	N  a network of the book: country, code, name, type, mcc, mnc,
//	   aliases (count, strings), ranges (count, strings)
//	R  one more range of a network defined before: country, code, range
//	P  a price line: type<<1|currency, country, network ("" = default),
//	   the amount (zig-zag varint of 10^-8 units)
//
// Strings are front-coded against the previous string of the same field
// in the chunk (varint shared-prefix length, varint suffix length, the
// suffix): consecutive networks "GB-447700900", "GB-447700901" cost a
// few bytes each. The older storage form (one gzip-compressed JSON blob,
// Encode) is recognised by its gzip magic and still read.
const chunkMagic = "KPB2"

// Chunk compression.
const (
	chunkRaw   byte = 0
	chunkFlate byte = 1
)

// Record kinds.
const (
	recHeader  byte = 'H'
	recNetwork byte = 'N'
	recRange   byte = 'R'
	recPrice   byte = 'P'
)

// chunkTarget is the size of a chunk's records before compression.
const chunkTarget = 256 << 10

// maxChunkRecords bounds a decoded chunk, against corrupt or hostile data.
const maxChunkDecoded = 64 << 20

// Field slots of the front coding.
const (
	slotCountry = iota
	slotCode
	slotName
	slotType
	slotMCC
	slotMNC
	slotAlias
	slotRange
	numSlots
)

// record is one decoded record. Its byte slices are views into the
// decoder's buffers, valid until the next record.
type record struct {
	kind     byte
	typ, cur uint8 // P: type and currency indexes
	amount   kassa.Amount
	flags    uint8 // H
	demo     []kassa.ServiceType
	name     []byte // H: book name; N: network name
	country  []byte
	code     []byte // N, R; P: network code, empty for the country default
	ntype    []byte
	mcc, mnc []byte
	aliases  [][]byte
	ranges   [][]byte // R: the one added range
}

// recordEncoder appends records to chunks.
type recordEncoder struct {
	compress bool
	buf      []byte
	prev     [numSlots][]byte
	chunks   [][]byte
	size     int64 // bytes in finished chunks
	fw       *flate.Writer
}

// newRecordEncoder starts an encoder; compress flate-compresses chunks.
func newRecordEncoder(compress bool) *recordEncoder {
	e := &recordEncoder{compress: compress}
	e.reset()
	return e
}

// reset starts a new chunk.
func (e *recordEncoder) reset() {
	e.buf = append(e.buf[:0], chunkMagic...)
	if e.compress {
		e.buf = append(e.buf, chunkFlate)
	} else {
		e.buf = append(e.buf, chunkRaw)
	}
	for i := range e.prev {
		e.prev[i] = e.prev[i][:0]
	}
}

// str appends s front-coded against the slot's previous value.
func (e *recordEncoder) str(slot int, s []byte) {
	prev := e.prev[slot]
	n := 0
	for n < len(prev) && n < len(s) && prev[n] == s[n] {
		n++
	}
	e.buf = binary.AppendUvarint(e.buf, uint64(n))
	e.buf = binary.AppendUvarint(e.buf, uint64(len(s)-n))
	e.buf = append(e.buf, s[n:]...)
	e.prev[slot] = append(prev[:0], s...)
}

// strs appends a count and the strings.
func (e *recordEncoder) strs(slot int, list []string) {
	e.buf = binary.AppendUvarint(e.buf, uint64(len(list)))
	for _, s := range list {
		e.str(slot, []byte(s))
	}
}

// endRecord finishes the chunk when it is large enough.
func (e *recordEncoder) endRecord() {
	if len(e.buf) >= chunkTarget {
		e.flush()
	}
}

// flush finishes the current chunk if it holds records.
func (e *recordEncoder) flush() {
	if len(e.buf) <= len(chunkMagic)+1 {
		return
	}
	var chunk []byte
	if e.compress {
		var out bytes.Buffer
		out.Grow(len(e.buf) / 3)
		out.Write(e.buf[:len(chunkMagic)+1])
		if e.fw == nil {
			e.fw, _ = flate.NewWriter(&out, flate.BestSpeed) // the level is valid
		} else {
			e.fw.Reset(&out)
		}
		e.fw.Write(e.buf[len(chunkMagic)+1:]) // writing to a bytes.Buffer does not fail
		e.fw.Close()
		chunk = out.Bytes()
	} else {
		chunk = bytes.Clone(e.buf)
	}
	e.chunks = append(e.chunks, chunk)
	e.size += int64(len(chunk))
	e.reset()
}

// header writes the book's name and demo types.
func (e *recordEncoder) header(name string, demo []kassa.ServiceType) {
	e.buf = append(e.buf, recHeader)
	e.str(slotName, []byte(name))
	var flags byte
	if len(demo) > 0 {
		flags = 1
	}
	e.buf = append(e.buf, flags)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(demo)))
	for _, t := range demo {
		ti, _ := typeIndex(t)
		e.buf = append(e.buf, byte(ti))
	}
	e.endRecord()
}

// network writes a book network.
func (e *recordEncoder) network(n *kassa.Network) {
	e.buf = append(e.buf, recNetwork)
	e.str(slotCountry, []byte(n.Country))
	e.str(slotCode, []byte(n.Code))
	e.str(slotName, []byte(n.Name))
	e.str(slotType, []byte(n.Type))
	e.str(slotMCC, []byte(n.MCC))
	e.str(slotMNC, []byte(n.MNC))
	e.strs(slotAlias, n.Aliases)
	e.strs(slotRange, n.Ranges)
	e.endRecord()
}

// networkRecord writes a decoded network record again.
func (e *recordEncoder) networkRecord(r *record) {
	e.buf = append(e.buf, recNetwork)
	e.str(slotCountry, r.country)
	e.str(slotCode, r.code)
	e.str(slotName, r.name)
	e.str(slotType, r.ntype)
	e.str(slotMCC, r.mcc)
	e.str(slotMNC, r.mnc)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(r.aliases)))
	for _, a := range r.aliases {
		e.str(slotAlias, a)
	}
	e.buf = binary.AppendUvarint(e.buf, uint64(len(r.ranges)))
	for _, rg := range r.ranges {
		e.str(slotRange, rg)
	}
	e.endRecord()
}

// networkBytes writes a book network given as byte slices, with one range.
func (e *recordEncoder) networkBytes(country, code, name []byte, ntype kassa.NetworkType, mcc, mnc string, rng []byte) {
	e.buf = append(e.buf, recNetwork)
	e.str(slotCountry, country)
	e.str(slotCode, code)
	e.str(slotName, name)
	e.str(slotType, []byte(ntype))
	e.str(slotMCC, []byte(mcc))
	e.str(slotMNC, []byte(mnc))
	e.buf = append(e.buf, 0) // no aliases
	if rng == nil {
		e.buf = append(e.buf, 0)
	} else {
		e.buf = append(e.buf, 1)
		e.str(slotRange, rng)
	}
	e.endRecord()
}

// addRange writes one more range of a network defined before.
func (e *recordEncoder) addRange(country, code, rng []byte) {
	e.buf = append(e.buf, recRange)
	e.str(slotCountry, country)
	e.str(slotCode, code)
	e.str(slotRange, rng)
	e.endRecord()
}

// price writes a price line.
func (e *recordEncoder) price(typ, cur int, country, network []byte, amount kassa.Amount) {
	e.buf = append(e.buf, recPrice, byte(typ<<1|cur))
	e.str(slotCountry, country)
	e.str(slotCode, network)
	e.buf = binary.AppendVarint(e.buf, int64(amount))
	e.endRecord()
}

// finish returns the chunks.
func (e *recordEncoder) finish() [][]byte {
	e.flush()
	return e.chunks
}

// errCorruptChunk reports stored data that does not decode.
var errCorruptChunk = errors.New("corrupt price-book chunk")

// recordDecoder reads the records of one chunk.
type recordDecoder struct {
	data []byte
	pos  int
	slot [numSlots][]byte
	// list items are kept in their own buffers so that every item of a
	// record stays valid while the record is used.
	items    [][]byte
	itemUsed int
	rec      record
	inflated []byte
}

// reset points the decoder at a chunk.
func (d *recordDecoder) reset(chunk []byte) error {
	if len(chunk) < len(chunkMagic)+1 || string(chunk[:len(chunkMagic)]) != chunkMagic {
		return errCorruptChunk
	}
	body := chunk[len(chunkMagic)+1:]
	switch chunk[len(chunkMagic)] {
	case chunkRaw:
	case chunkFlate:
		fr := flate.NewReader(bytes.NewReader(body))
		var out bytes.Buffer
		out.Grow(len(body) * 3)
		n, err := io.Copy(&out, io.LimitReader(fr, maxChunkDecoded+1))
		if err != nil || n > maxChunkDecoded {
			return errCorruptChunk
		}
		d.inflated = out.Bytes()
		body = d.inflated
	default:
		return errCorruptChunk
	}
	d.data, d.pos = body, 0
	for i := range d.slot {
		d.slot[i] = d.slot[i][:0]
	}
	return nil
}

func (d *recordDecoder) uvarint() (uint64, bool) {
	v, n := binary.Uvarint(d.data[d.pos:])
	if n <= 0 {
		return 0, false
	}
	d.pos += n
	return v, true
}

// str decodes a front-coded string into its slot and returns it.
func (d *recordDecoder) str(slot int) ([]byte, bool) {
	shared, ok1 := d.uvarint()
	suffix, ok2 := d.uvarint()
	prev := d.slot[slot]
	if !ok1 || !ok2 || shared > uint64(len(prev)) || suffix > uint64(len(d.data)-d.pos) {
		return nil, false
	}
	v := append(prev[:shared], d.data[d.pos:d.pos+int(suffix)]...)
	d.pos += int(suffix)
	d.slot[slot] = v
	return v, true
}

// list decodes a count and that many strings, each copied into a buffer of
// its own.
func (d *recordDecoder) list(slot int, out [][]byte) ([][]byte, bool) {
	n, ok := d.uvarint()
	if !ok || n > uint64(len(d.data)-d.pos) {
		return nil, false
	}
	out = out[:0]
	for range n {
		s, ok := d.str(slot)
		if !ok {
			return nil, false
		}
		if d.itemUsed == len(d.items) {
			d.items = append(d.items, nil)
		}
		item := append(d.items[d.itemUsed][:0], s...)
		d.items[d.itemUsed] = item
		d.itemUsed++
		out = append(out, item)
	}
	return out, true
}

// next decodes the next record; false at the end of the chunk. err is set
// for data that does not decode.
func (d *recordDecoder) next() (*record, bool, error) {
	if d.pos >= len(d.data) {
		return nil, false, nil
	}
	r := &d.rec
	d.itemUsed = 0
	r.kind = d.data[d.pos]
	d.pos++
	ok := true
	var s []byte
	switch r.kind {
	case recHeader:
		r.name, ok = d.str(slotName)
		if ok && d.pos < len(d.data) {
			r.flags = d.data[d.pos]
			d.pos++
			var n uint64
			n, ok = d.uvarint()
			r.demo = r.demo[:0]
			for i := uint64(0); ok && i < n; i++ {
				if d.pos >= len(d.data) || d.data[d.pos] >= numTypes {
					ok = false
					break
				}
				r.demo = append(r.demo, kassa.ServiceTypes[d.data[d.pos]])
				d.pos++
			}
		} else {
			ok = false
		}
	case recNetwork:
		if r.country, ok = d.str(slotCountry); !ok {
			break
		}
		if r.code, ok = d.str(slotCode); !ok {
			break
		}
		if r.name, ok = d.str(slotName); !ok {
			break
		}
		if r.ntype, ok = d.str(slotType); !ok {
			break
		}
		if r.mcc, ok = d.str(slotMCC); !ok {
			break
		}
		if r.mnc, ok = d.str(slotMNC); !ok {
			break
		}
		if r.aliases, ok = d.list(slotAlias, r.aliases); !ok {
			break
		}
		r.ranges, ok = d.list(slotRange, r.ranges)
	case recRange:
		if r.country, ok = d.str(slotCountry); !ok {
			break
		}
		if r.code, ok = d.str(slotCode); !ok {
			break
		}
		if s, ok = d.str(slotRange); ok {
			r.ranges = append(r.ranges[:0], s)
		}
	case recPrice:
		if d.pos >= len(d.data) {
			ok = false
			break
		}
		tc := d.data[d.pos]
		d.pos++
		r.typ, r.cur = tc>>1, tc&1
		if r.typ >= numTypes {
			ok = false
			break
		}
		if r.country, ok = d.str(slotCountry); !ok {
			break
		}
		if r.code, ok = d.str(slotCode); !ok {
			break
		}
		v, n := binary.Varint(d.data[d.pos:])
		if n <= 0 {
			ok = false
			break
		}
		d.pos += n
		r.amount = kassa.Amount(v)
	default:
		ok = false
	}
	if !ok {
		return nil, false, fmt.Errorf("%w: record %q at byte %d", errCorruptChunk, r.kind, d.pos)
	}
	return r, true, nil
}

// isLegacyChunk reports whether data is the older storage form (a gzip
// stream of JSON, see Encode).
func isLegacyChunk(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}
