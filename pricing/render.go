package pricing

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"sync"

	"github.com/kassa-dev/kassa"
)

// sink collects rendered bytes: all of them (pre-rendering, w nil), or
// handed to w whenever flushIfFull finds enough (streaming).
type sink struct {
	b    []byte
	w    io.Writer
	last byte // the last byte handed on
	sent bool // some bytes were handed on
	err  error
}

// sinkChunk is how many bytes a streaming sink collects before writing.
const sinkChunk = 64 << 10

// lastByte returns the last byte written so far.
func (k *sink) lastByte() (byte, bool) {
	if len(k.b) > 0 {
		return k.b[len(k.b)-1], true
	}
	return k.last, k.sent
}

// flushIfFull hands the bytes on when a streaming sink holds enough.
func (k *sink) flushIfFull() {
	if k.w != nil && len(k.b) >= sinkChunk {
		k.flush()
	}
}

// flush hands every byte on (streaming sinks only).
func (k *sink) flush() {
	if k.w == nil || len(k.b) == 0 {
		return
	}
	if k.err == nil {
		_, k.err = k.w.Write(k.b)
	}
	k.last, k.sent = k.b[len(k.b)-1], true
	k.b = k.b[:0]
}

// renderScratch holds buffers reused while rendering.
type renderScratch struct {
	ranges []string
}

// appendJSONString appends s as encoding/json writes a string with HTML
// escaping off.
func appendJSONString(b []byte, s string) []byte {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			plain = false
			break
		}
	}
	if plain {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// errBadRange reports a range that is not a JSON number (the answers
// write ranges as numbers).
type errBadRange struct{ rng string }

func (e errBadRange) Error() string {
	return fmt.Sprintf("range %q is not a number", e.rng)
}

// isJSONNumber reports whether a range can be written as a JSON integer.
func isJSONNumber(s string) bool {
	return isDigits(s) && (len(s) == 1 || s[0] != '0')
}

// appendCountryJSON appends one country's JSON object, as encoding/json
// writes countryJSON.
func (v *view) appendCountryJSON(k *sink, ci int, sc *renderScratch) {
	c := &v.s.countries[ci]
	b := append(k.b, `{"dialingPrefix":`...)
	b = appendJSONString(b, c.DialingPrefix)
	if id := v.def[ci]; id != 0 {
		b = append(b, `,"defaultPrice":`...)
		b = appendJSONString(b, v.priceText(id))
	}
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, string(v.currency))
	b = append(b, `,"countryDisplayName":`...)
	b = appendJSONString(b, c.DisplayName)
	b = append(b, `,"countryCode":`...)
	b = appendJSONString(b, c.Code)
	b = append(b, `,"countryName":`...)
	b = appendJSONString(b, c.Name)
	k.b = b
	first := true
	v.listed(ci, func(n, id uint32, _ bool) {
		if first {
			k.b = append(k.b, `,"networks":[`...)
			first = false
		} else {
			k.b = append(k.b, ',')
		}
		v.appendNetworkJSON(k, n, id, sc)
		k.flushIfFull()
	})
	if !first {
		k.b = append(k.b, ']')
	}
	k.b = append(k.b, '}')
}

// appendNetworkJSON appends one network's JSON object.
func (v *view) appendNetworkJSON(k *sink, n, id uint32, sc *renderScratch) {
	e := v.s.nets.entry(int(n))
	b := append(k.b, `{"type":`...)
	b = appendJSONString(b, string(e.typ))
	b = append(b, `,"price":`...)
	b = appendJSONString(b, v.priceText(id))
	b = append(b, `,"currency":`...)
	b = appendJSONString(b, string(v.currency))
	if e.nAliases > 0 {
		b = append(b, `,"aliases":[`...)
		i := 0
		eachString(e.aliases, func(a string) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, a)
			i++
		})
		b = append(b, ']')
	}
	if e.rangeCount() > 0 {
		sc.ranges = e.appendRanges(sc.ranges[:0])
		b = append(b, `,"ranges":[`...)
		for i, r := range sc.ranges {
			if i > 0 {
				b = append(b, ',')
			}
			if !isJSONNumber(r) && k.err == nil {
				k.err = errBadRange{r}
			}
			b = append(b, r...)
		}
		b = append(b, ']')
	}
	if hasMCC(e.typ) {
		if e.mcc != "" {
			b = append(b, `,"mcc":`...)
			b = appendJSONString(b, e.mcc)
		}
		if e.mnc != "" {
			b = append(b, `,"mnc":`...)
			b = appendJSONString(b, e.mnc)
		}
	}
	b = append(b, `,"networkCode":`...)
	b = appendJSONString(b, e.code)
	b = append(b, `,"networkName":`...)
	b = appendJSONString(b, e.name)
	k.b = append(b, '}')
}

// hasMCC reports whether the wire shows mcc and mnc for a network type.
func hasMCC(t kassa.NetworkType) bool { return t == kassa.Mobile || t == kassa.Pager }

// writeCountriesJSON writes {"count":N,"countries":[…]}.
func (v *view) writeCountriesJSON(k *sink, list []int, sc *renderScratch) {
	k.b = append(k.b, `{"count":`...)
	k.b = strconv.AppendInt(k.b, int64(len(list)), 10)
	k.b = append(k.b, `,"countries":[`...)
	for i, ci := range list {
		if i > 0 {
			k.b = append(k.b, ',')
		}
		v.appendCountryJSON(k, ci, sc)
		k.flushIfFull()
	}
	k.b = append(k.b, "]}"...)
}

// writeLegacyJSON writes the old prefix shape {count, prices:[…]}.
func (v *view) writeLegacyJSON(k *sink, list []int) {
	k.b = append(k.b, `{"count":`...)
	k.b = strconv.AppendInt(k.b, int64(len(list)), 10)
	k.b = append(k.b, `,"prices":[`...)
	for i, ci := range list {
		c := &v.s.countries[ci]
		if i > 0 {
			k.b = append(k.b, ',')
		}
		b := append(k.b, `{"country":`...)
		b = appendJSONString(b, c.Code)
		b = append(b, `,"name":`...)
		b = appendJSONString(b, c.Name)
		b = append(b, `,"prefix":`...)
		b = appendJSONString(b, c.DialingPrefix)
		if id := v.def[ci]; id != 0 {
			b = append(b, `,"mt":`...)
			b = appendJSONString(b, v.priceText(id))
		}
		k.b = b
		first := true
		v.listed(ci, func(n, id uint32, _ bool) {
			if first {
				k.b = append(k.b, `,"networks":[`...)
				first = false
			} else {
				k.b = append(k.b, ',')
			}
			_, code, name := v.s.nets.head(int(n))
			b := append(k.b, `{"code":`...)
			b = appendJSONString(b, code)
			b = append(b, `,"network":`...)
			b = appendJSONString(b, name)
			b = append(b, `,"mtPrice":`...)
			b = appendJSONString(b, v.priceText(id))
			k.b = append(b, '}')
			k.flushIfFull()
		})
		if !first {
			k.b = append(k.b, ']')
		}
		k.b = append(k.b, `,"countryDisplayName":`...)
		k.b = appendJSONString(k.b, c.DisplayName)
		k.b = append(k.b, '}')
	}
	k.b = append(k.b, "]}"...)
}

// answer kinds, for rendering and for the ETags of streamed answers.
const (
	kindCountry = iota
	kindFull
	kindPrefix
	kindLegacy
)

// render writes one answer of the view into k.
func (v *view) render(k *sink, kind int, f Format, list []int) {
	var sc renderScratch
	switch {
	case kind == kindCountry && f == XML:
		v.writeCountryDocumentXML(k, list[0], &sc)
	case kind == kindCountry:
		v.appendCountryJSON(k, list[0], &sc)
	case kind == kindLegacy && f == XML:
		v.writeLegacyXML(k, list)
	case kind == kindLegacy:
		v.writeLegacyJSON(k, list)
	case f == XML:
		v.writeCountriesXML(k, list, &sc)
	default:
		v.writeCountriesJSON(k, list, &sc)
	}
}

// renderBytes renders an answer into memory.
func (v *view) renderBytes(kind int, f Format, list []int) ([]byte, error) {
	k := sink{}
	v.render(&k, kind, f, list)
	return k.b, k.err
}

// document returns an answer's document: rendered now (pre-rendered
// snapshots), or a streamed one rendering as it is written.
func (v *view) document(kind int, f Format, list []int, key string, compress bool) (*Document, error) {
	if !v.s.streamed {
		body, err := v.renderBytes(kind, f, list)
		if err != nil {
			return nil, err
		}
		return v.s.newDocument(body, f, compress)
	}
	tag := v.s.streamETag(fmt.Sprintf("%d %s %s %d %s", kind, v.typ, v.currency, f, key))
	return &Document{
		ContentType: f.ContentType(),
		ETag:        `"` + tag + `"`,
		GzipETag:    `"` + tag + `-gzip"`,
		write: func(w io.Writer) error {
			k := sink{w: w, b: make([]byte, 0, sinkChunk+4096)}
			v.render(&k, kind, f, list)
			k.flush()
			return k.err
		},
	}, nil
}

// prepareDocuments makes every view's per-country answers and full lists:
// pre-rendered (with the full lists' gzip copies), the views in parallel,
// or streamed shells for a large book.
func (s *Snapshot) prepareDocuments() error {
	var views []*view
	for ti := range s.views {
		for ci := range s.views[ti] {
			if v := s.views[ti][ci]; v != nil {
				views = append(views, v)
			}
		}
	}
	errs := make([]error, len(views))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, v := range views {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = v.prepare()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// allCountries lists every country index.
func (s *Snapshot) allCountries() []int {
	list := make([]int, len(s.countries))
	for i := range list {
		list[i] = i
	}
	return list
}

// prepare makes one view's per-country answers and full lists. Pre-rendered
// ones share bytes: a country's JSON answer is a slice of the full JSON
// list.
func (v *view) prepare() error {
	all := v.s.allCountries()
	v.country = make([][2]*Document, len(all))
	if v.s.streamed {
		for _, f := range []Format{JSON, XML} {
			d, _ := v.document(kindFull, f, all, "", true)
			v.full[f] = d
			for ci := range all {
				v.country[ci][f], _ = v.document(kindCountry, f, []int{ci}, v.s.countries[ci].Code, false)
			}
		}
		return nil
	}
	var sc renderScratch
	k := sink{}
	spans := make([][2]int, len(all))
	k.b = append(k.b, `{"count":`...)
	k.b = strconv.AppendInt(k.b, int64(len(all)), 10)
	k.b = append(k.b, `,"countries":[`...)
	for i, ci := range all {
		if i > 0 {
			k.b = append(k.b, ',')
		}
		start := len(k.b)
		v.appendCountryJSON(&k, ci, &sc)
		spans[i] = [2]int{start, len(k.b)}
	}
	k.b = append(k.b, "]}"...)
	if k.err != nil {
		return k.err
	}
	full := k.b
	var err error
	if v.full[JSON], err = v.s.newDocument(full, JSON, true); err != nil {
		return err
	}
	xmlFull, err := v.renderBytes(kindFull, XML, all)
	if err != nil {
		return err
	}
	if v.full[XML], err = v.s.newDocument(xmlFull, XML, true); err != nil {
		return err
	}
	for i, ci := range all {
		sp := spans[i]
		if v.country[ci][JSON], err = v.s.newDocument(full[sp[0]:sp[1]:sp[1]], JSON, false); err != nil {
			return err
		}
		body, err := v.renderBytes(kindCountry, XML, []int{ci})
		if err != nil {
			return err
		}
		if v.country[ci][XML], err = v.s.newDocument(body, XML, false); err != nil {
			return err
		}
	}
	return nil
}

// documentBytes returns the bytes of a view's pre-rendered answers.
func (v *view) documentBytes() int64 {
	var n int64
	for _, d := range v.full {
		if d != nil {
			n += int64(len(d.Body) + len(d.Gzip))
		}
	}
	for _, pair := range v.country {
		if d := pair[XML]; d != nil {
			n += int64(len(d.Body))
		}
	}
	return n
}

// renderEstimate estimates the bytes of every per-country answer and full
// list of every view, from the networks and ranges each lists.
func (s *Snapshot) renderEstimate() int64 {
	var total int64
	ranges := make([]int64, len(s.countries))
	nets := make([]int64, len(s.countries))
	for ci := range s.countries {
		for n := s.nets.start[ci]; n < s.nets.start[ci+1]; n++ {
			e := s.nets.entry(int(n))
			ranges[ci] += int64(e.rangeCount())
			nets[ci]++
		}
	}
	for ti := range s.views {
		for ci := range s.views[ti] {
			v := s.views[ti][ci]
			if v == nil {
				continue
			}
			for c := range s.countries {
				if v.def[c] != 0 {
					// JSON (once: the countries' answers share the full list's
					// bytes) and XML (twice), per network and per range.
					total += nets[c]*(180+2*420) + ranges[c]*(12+2*35)
					continue
				}
				v.listed(c, func(n, _ uint32, _ bool) {
					e := s.nets.entry(int(n))
					total += 180 + 2*420 + int64(e.rangeCount())*(12+2*35)
				})
			}
		}
	}
	return total
}
