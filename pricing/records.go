package pricing

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/kassa-dev/kassa"
)

// The stored form of a price book (docs/pricing.md, "Storage") is a
// sequence of chunks, each decodable on its own, so that a version of a
// million lines is written, read, merged and compiled one chunk at a time
// and never held whole in memory as one blob.
//
// A chunk is chunkMagic, one byte saying how the rest is encoded, then
// records. The records are never compressed again: front-coded records are
// compact enough that compressing them costs more time at import than it
// saves in the store. The byte is chunkRaw, or chunkDerived for a chunk that
// holds derived M records (below), which an older kassa must refuse rather
// than misread. A record is a kind byte and its fields:
//
//	H  header: name, flags (1 = demo), demo types (count, then type indexes)
//	N  a network of the book: country, code, name, type, mcc, mnc,
//	   aliases (count, strings), ranges (count, strings)
//	R  one more range of a network defined before: country, code, range
//	P  a price line: type<<1|currency, country, network ("" = default),
//	   the amount (zig-zag varint of 10^-8 units)
//	M  a network with one range, as a deck row's new prefix makes it, and
//	   optionally its first price line: flags, code, name, then only the
//	   fields that differ from the previous record's (country, type, mcc,
//	   mnc), the range unless it is the code after "CC-", and the line's
//	   type<<1|currency and amount (see the m* flags). A derived M record
//	   (flag mDerived, in chunkDerived chunks only) is the network a deck
//	   row's prefix makes when the deck names it no other way: its code is
//	   "CC-range" and its name "stem range" (the stem is the country's
//	   name). It holds flags, the fields that differ (country, type, mcc,
//	   mnc, stem), the range, and the price line: no code or name, whose
//	   encoding was a quarter of the reading of a million-row deck
//
// Strings are front-coded against the previous string of the same field
// in the chunk (varint shared-prefix length, varint suffix length, the
// suffix): consecutive networks "GB-447700900", "GB-447700901" cost a
// few bytes each. The older storage form (one gzip-compressed JSON blob,
// Encode) is recognised by its gzip magic and still read.
const chunkMagic = "KPB2"

// chunkRaw marks a chunk of records as they are.
const chunkRaw byte = 0

// chunkDerived marks a chunk of records that may hold derived M records.
const chunkDerived byte = 1

// Record kinds.
const (
	recHeader  byte = 'H'
	recNetwork byte = 'N'
	recRange   byte = 'R'
	recPrice   byte = 'P'
	recCompact byte = 'M'
)

// Flags of an M record.
const (
	mCountry = 1 << iota // the country differs from the previous record's
	mType                // the type differs
	mMCC                 // the MCC differs
	mMNC                 // the MNC differs
	mPrice               // a price line follows
	mRange               // the range is written (else it is the code after "CC-")
	mDerived             // the code and name derive from the range (no code, name or mRange)
	mStem                // with mDerived: the name stem differs
)

// chunkTarget is the size of a chunk's records before compression.
const chunkTarget = 256 << 10

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
	slotStem // the name stem of derived M records
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
	buf    []byte
	prev   [numSlots][]byte
	chunks [][]byte
	// derived is set after a derived M record, whose code and name are
	// not in prev yet: settle puts them there before the next record of
	// another kind, as the decoder has them.
	derived bool
	// lastFrom is the from key of the last record when it was a derived
	// M record (0 otherwise): see derivedNetwork.
	lastFrom uint64
}

// newRecordEncoder starts an encoder.
func newRecordEncoder() *recordEncoder {
	e := &recordEncoder{}
	e.reset()
	return e
}

// reset starts a new chunk.
func (e *recordEncoder) reset() {
	e.buf = append(e.buf[:0], chunkMagic...)
	e.buf = append(e.buf, chunkRaw)
	for i := range e.prev {
		e.prev[i] = e.prev[i][:0]
	}
	e.derived = false
	e.lastFrom = 0
}

// settle sets the code and name slots to those of the derived M record
// written last, if the last record was one: every record kind but that one
// starts with it.
func (e *recordEncoder) settle() {
	e.lastFrom = 0 // the record about to be written may change the slots
	if !e.derived {
		return
	}
	e.derived = false
	e.prev[slotCode] = append(append(append(e.prev[slotCode][:0], e.prev[slotCountry]...), '-'), e.prev[slotRange]...)
	e.prev[slotName] = append(append(append(e.prev[slotName][:0], e.prev[slotStem]...), ' '), e.prev[slotRange]...)
}

// str appends s front-coded against the slot's previous value.
func (e *recordEncoder) str(slot int, s []byte) { encodeString(e, slot, s) }

// encodeString is str for a string or a byte slice.
func encodeString[T string | []byte](e *recordEncoder, slot int, s T) {
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
	e.chunks = append(e.chunks, e.buf)
	e.buf = make([]byte, 0, chunkTarget+chunkTarget/8)
	e.reset()
}

// header writes the book's name and demo types.
func (e *recordEncoder) header(name string, demo []kassa.ServiceType) {
	e.settle()
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
	e.settle()
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
	e.settle()
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

// networkBytes writes a book network with one range.
func (e *recordEncoder) networkBytes(country, code string, name []byte, ntype kassa.NetworkType, mcc, mnc, rng string) {
	e.settle()
	e.buf = append(e.buf, recNetwork)
	encodeString(e, slotCountry, country)
	encodeString(e, slotCode, code)
	encodeString(e, slotName, name)
	encodeString(e, slotType, string(ntype))
	encodeString(e, slotMCC, mcc)
	encodeString(e, slotMNC, mnc)
	e.buf = append(e.buf, 0, 1) // no aliases, one range
	encodeString(e, slotRange, rng)
	e.endRecord()
}

// addRange writes one more range of a network defined before.
func addRangeRecord[T string | []byte](e *recordEncoder, country, code, rng T) {
	e.settle()
	e.buf = append(e.buf, recRange)
	encodeString(e, slotCountry, country)
	encodeString(e, slotCode, code)
	encodeString(e, slotRange, rng)
	e.endRecord()
}

// priceRecord writes a price line.
func priceRecord[T string | []byte](e *recordEncoder, typ, cur int, country, network T, amount kassa.Amount) {
	e.settle()
	e.buf = append(e.buf, recPrice, byte(typ<<1|cur))
	encodeString(e, slotCountry, country)
	encodeString(e, slotCode, network)
	e.buf = binary.AppendVarint(e.buf, int64(amount))
	e.endRecord()
}

// finish returns the chunks.
func (e *recordEncoder) finish() [][]byte {
	e.flush()
	return e.chunks
}

// same reports whether a slot's previous value is s.
func same[T string | []byte](e *recordEncoder, slot int, s T) bool {
	return string(e.prev[slot]) == string(s)
}

// compactNetwork writes a network with one range made from a deck row's
// prefix (its code is usually CC-prefix), with its first price line when
// withPrice.
func (e *recordEncoder) compactNetwork(country, code string, name []byte, ntype kassa.NetworkType, mcc, mnc, rng string, withPrice bool, tc uint8, amount kassa.Amount) {
	e.settle()
	flags := e.networkChanges(country, ntype, mcc, mnc)
	if withPrice {
		flags |= mPrice
	}
	if len(code) != len(rng)+3 || code[2] != '-' || code[3:] != rng {
		flags |= mRange
	}
	e.buf = append(e.buf, recCompact, flags)
	encodeString(e, slotCode, code)
	encodeString(e, slotName, name)
	e.changedFields(flags, country, ntype, mcc, mnc)
	if flags&mRange != 0 {
		encodeString(e, slotRange, rng)
	} else {
		e.prev[slotRange] = append(e.prev[slotRange][:0], rng...)
	}
	e.priceLine(flags, tc, amount)
	e.endRecord()
}

// networkChanges returns the flags of an M record's country, type, MCC and
// MNC that differ from the slots.
func (e *recordEncoder) networkChanges(country string, ntype kassa.NetworkType, mcc, mnc string) byte {
	var flags byte
	if !same(e, slotCountry, country) {
		flags |= mCountry
	}
	if !same(e, slotType, string(ntype)) {
		flags |= mType
	}
	if !same(e, slotMCC, mcc) {
		flags |= mMCC
	}
	if !same(e, slotMNC, mnc) {
		flags |= mMNC
	}
	return flags
}

// changedFields writes the fields of an M record that flags mark.
func (e *recordEncoder) changedFields(flags byte, country string, ntype kassa.NetworkType, mcc, mnc string) {
	if flags&mCountry != 0 {
		encodeString(e, slotCountry, country)
	}
	if flags&mType != 0 {
		encodeString(e, slotType, string(ntype))
	}
	if flags&mMCC != 0 {
		encodeString(e, slotMCC, mcc)
	}
	if flags&mMNC != 0 {
		encodeString(e, slotMNC, mnc)
	}
}

// priceLine writes an M record's price line when flags say it has one.
func (e *recordEncoder) priceLine(flags, tc byte, amount kassa.Amount) {
	if flags&mPrice != 0 {
		e.buf = append(e.buf, tc)
		e.buf = binary.AppendVarint(e.buf, int64(amount))
	}
}

// derivedNetwork writes a derived M record: a network with one range made
// from a deck row's prefix, whose code is country-rng and whose name is
// stem and rng with a space between, with its first price line when
// withPrice. from, when not 0, is a key that gives country, stem, ntype,
// mcc and mnc (the reader's country and reference network): a record with
// the from key of the record just before it has the same fields, which
// are then not compared again (most rows of a deck extend the range the
// row before them did).
func (e *recordEncoder) derivedNetwork(from uint64, country, stem string, ntype kassa.NetworkType, mcc, mnc, rng string, withPrice bool, tc uint8, amount kassa.Amount) {
	flags := byte(mDerived)
	if from == 0 || from != e.lastFrom {
		flags |= e.derivedChanges(country, stem, ntype, mcc, mnc)
	}
	if withPrice {
		flags |= mPrice
	}
	e.buf[len(chunkMagic)] = chunkDerived
	e.buf = append(e.buf, recCompact, flags)
	e.changedFields(flags, country, ntype, mcc, mnc)
	if flags&mStem != 0 {
		encodeString(e, slotStem, stem)
	}
	encodeString(e, slotRange, rng)
	e.derived = true
	e.priceLine(flags, tc, amount)
	e.lastFrom = from
	e.endRecord()
}

// derivedChanges returns the flags of the fields of a derived M record
// that differ from the slots.
func (e *recordEncoder) derivedChanges(country, stem string, ntype kassa.NetworkType, mcc, mnc string) byte {
	flags := e.networkChanges(country, ntype, mcc, mnc)
	if !same(e, slotStem, stem) {
		flags |= mStem
	}
	return flags
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
	pending  bool // an M record's price line is next
	derived  bool // the chunk may hold derived M records (chunkDerived)
}

// reset points the decoder at a chunk.
func (d *recordDecoder) reset(chunk []byte) error {
	if len(chunk) < len(chunkMagic)+1 || string(chunk[:len(chunkMagic)]) != chunkMagic {
		return errCorruptChunk
	}
	switch chunk[len(chunkMagic)] {
	case chunkRaw:
		d.derived = false
	case chunkDerived:
		d.derived = true
	default:
		return errCorruptChunk
	}
	d.data, d.pos, d.pending = chunk[len(chunkMagic)+1:], 0, false
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
	r := &d.rec
	if d.pending {
		// The price line of the M record just given: same country, the
		// network's code.
		d.pending = false
		r.kind = recPrice
		return r, true, nil
	}
	if d.pos >= len(d.data) {
		return nil, false, nil
	}
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
	case recCompact:
		ok = d.compact(r)
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

// compact decodes an M record into r as a network record, and sets up its
// price line when it has one.
func (d *recordDecoder) compact(r *record) bool {
	if d.pos >= len(d.data) {
		return false
	}
	flags := d.data[d.pos]
	d.pos++
	if flags&mDerived != 0 {
		return d.derivedNetwork(r, flags)
	}
	if flags&mStem != 0 {
		return false
	}
	var ok bool
	if r.code, ok = d.str(slotCode); !ok {
		return false
	}
	if r.name, ok = d.str(slotName); !ok {
		return false
	}
	for _, f := range [...]struct {
		bit  byte
		slot int
		dst  *[]byte
	}{{mCountry, slotCountry, &r.country}, {mType, slotType, &r.ntype}, {mMCC, slotMCC, &r.mcc}, {mMNC, slotMNC, &r.mnc}} {
		if flags&f.bit != 0 {
			if *f.dst, ok = d.str(f.slot); !ok {
				return false
			}
		} else {
			*f.dst = d.slot[f.slot]
		}
	}
	var rng []byte
	if flags&mRange != 0 {
		if rng, ok = d.str(slotRange); !ok {
			return false
		}
	} else {
		if len(r.code) < 4 || r.code[2] != '-' {
			return false
		}
		d.slot[slotRange] = append(d.slot[slotRange][:0], r.code[3:]...)
		rng = d.slot[slotRange]
	}
	return d.compactEnd(r, flags, rng)
}

// derivedNetwork decodes the rest of a derived M record (flags read): the
// fields that differ, the range, then the code and name it derives.
func (d *recordDecoder) derivedNetwork(r *record, flags byte) bool {
	if !d.derived || flags&mRange != 0 {
		return false
	}
	var ok bool
	for _, f := range [...]struct {
		bit  byte
		slot int
	}{{mCountry, slotCountry}, {mType, slotType}, {mMCC, slotMCC}, {mMNC, slotMNC}, {mStem, slotStem}} {
		if flags&f.bit != 0 {
			if _, ok = d.str(f.slot); !ok {
				return false
			}
		}
	}
	rng, ok := d.str(slotRange)
	if !ok {
		return false
	}
	d.slot[slotCode] = append(append(append(d.slot[slotCode][:0], d.slot[slotCountry]...), '-'), rng...)
	d.slot[slotName] = append(append(append(d.slot[slotName][:0], d.slot[slotStem]...), ' '), rng...)
	r.country, r.ntype, r.mcc, r.mnc = d.slot[slotCountry], d.slot[slotType], d.slot[slotMCC], d.slot[slotMNC]
	r.code, r.name = d.slot[slotCode], d.slot[slotName]
	return d.compactEnd(r, flags, rng)
}

// compactEnd finishes an M record: r becomes its network, with the one
// range rng, and its price line follows when it has one.
func (d *recordDecoder) compactEnd(r *record, flags byte, rng []byte) bool {
	r.kind = recNetwork
	r.aliases = r.aliases[:0]
	r.ranges = append(r.ranges[:0], rng)
	if flags&mPrice != 0 {
		if d.pos >= len(d.data) {
			return false
		}
		tc := d.data[d.pos]
		d.pos++
		r.typ, r.cur = tc>>1, tc&1
		if r.typ >= numTypes {
			return false
		}
		v, n := binary.Varint(d.data[d.pos:])
		if n <= 0 {
			return false
		}
		d.pos += n
		r.amount = kassa.Amount(v)
		d.pending = true
	}
	return true
}

// isLegacyChunk reports whether data is the older storage form (a gzip
// stream of JSON, see Encode).
func isLegacyChunk(data []byte) bool {
	return len(data) >= 2 && data[0] == 0x1f && data[1] == 0x8b
}
