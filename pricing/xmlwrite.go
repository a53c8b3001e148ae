package pricing

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// xmlWriter writes indented XML the way xml.MarshalIndent(v, "", "  ")
// writes it, without reflection, into a sink (which may hand the bytes on
// as they accumulate). oracle_test.go checks the output against
// encoding/xml byte for byte.
type xmlWriter struct {
	*sink
	depth int
}

// newline starts a new line at the current depth, except at the start.
func (w *xmlWriter) newline() {
	if last, ok := w.lastByte(); ok && last != '\n' {
		w.b = append(w.b, '\n')
	}
	for range w.depth {
		w.b = append(w.b, ' ', ' ')
	}
}

// open writes a start tag on its own line.
func (w *xmlWriter) open(name string) {
	w.newline()
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.depth++
}

// close writes the end tag of an element that has children.
func (w *xmlWriter) close(name string) {
	w.depth--
	w.newline()
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// elem writes an element holding text.
func (w *xmlWriter) elem(name, text string) {
	w.newline()
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
	w.b = appendEscaped(w.b, text)
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// elemIfSet writes an element unless text is empty (omitempty).
func (w *xmlWriter) elemIfSet(name, text string) {
	if text != "" {
		w.elem(name, text)
	}
}

// empty writes an element without children on one line, as encoding/xml
// writes an empty list's wrapper.
func (w *xmlWriter) empty(name string) {
	w.newline()
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, "></"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// appendEscaped appends text escaped as xml.EscapeText does.
func appendEscaped(b []byte, s string) []byte {
	if !strings.ContainsAny(s, "&<>\"'\t\n\r") && isPlainASCII(s) {
		return append(b, s...)
	}
	var buf bytes.Buffer
	xml.EscapeText(&buf, []byte(s)) // writing to a bytes.Buffer does not fail
	return append(b, buf.Bytes()...)
}

// isPlainASCII reports whether s is printable ASCII (no escaping or
// character checks needed beyond the special characters).
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// writeCountry writes the children of a country element.
func (w *xmlWriter) writeCountry(v *view, ci int, sc *renderScratch) {
	c := &v.s.countries[ci]
	w.elem("countryDisplayName", c.DisplayName)
	w.elem("country-code", c.Code)
	w.elem("country-name", c.Name)
	w.elem("dialing-prefix", c.DialingPrefix)
	if id := v.def[ci]; id != 0 {
		w.elem("default-price", v.priceText(id))
	}
	w.elem("currency", string(v.currency))
	opened := false
	v.listed(ci, func(n, id uint32, _ bool) {
		if !opened {
			w.open("networks")
			opened = true
		}
		w.writeNetwork(v, n, id, sc)
		w.flushIfFull()
	})
	if opened {
		w.close("networks")
	}
}

// writeNetwork writes one network element.
func (w *xmlWriter) writeNetwork(v *view, n, id uint32, sc *renderScratch) {
	e := v.s.nets.entry(int(n))
	w.open("network")
	w.elem("network-code", e.code)
	w.elem("network-name", e.name)
	w.elem("type", string(e.typ))
	w.elem("price", v.priceText(id))
	w.elem("currency", string(v.currency))
	if e.nAliases > 0 {
		w.open("aliases")
		eachString(e.aliases, func(a string) { w.elem("code", a) })
		w.close("aliases")
	}
	if hasMCC(e.typ) {
		w.elemIfSet("mcc", e.mcc)
		w.elemIfSet("mnc", e.mnc)
	}
	if e.rangeCount() > 0 {
		sc.ranges = e.appendRanges(sc.ranges[:0])
		w.open("ranges")
		for _, r := range sc.ranges {
			w.elem("range", r)
		}
		w.close("ranges")
	}
	w.close("network")
}

// writeCountryDocument writes the get-pricing answer of one country.
func (v *view) writeCountryDocumentXML(k *sink, ci int, sc *renderScratch) {
	w := xmlWriter{sink: k}
	w.b = append(w.b, xml.Header...)
	w.open("outbound-country-pricing")
	w.writeCountry(v, ci, sc)
	w.close("outbound-country-pricing")
}

// writeCountriesXML writes a list answer ({count, countries}).
func (v *view) writeCountriesXML(k *sink, list []int, sc *renderScratch) {
	w := xmlWriter{sink: k}
	w.b = append(w.b, xml.Header...)
	w.open("outbound-pricing")
	w.elem("count", strconv.Itoa(len(list)))
	if len(list) == 0 {
		w.empty("countries")
	} else {
		w.open("countries")
		for _, ci := range list {
			w.open("country")
			w.writeCountry(v, ci, sc)
			w.close("country")
			w.flushIfFull()
		}
		w.close("countries")
	}
	w.close("outbound-pricing")
}

// writeLegacyXML writes the old prefix shape: repeated <prices> without a
// count, and no XML declaration.
func (v *view) writeLegacyXML(k *sink, list []int) {
	w := xmlWriter{sink: k}
	if len(list) == 0 {
		w.empty("outbound-pricing")
		return
	}
	w.open("outbound-pricing")
	for _, ci := range list {
		c := &v.s.countries[ci]
		w.open("prices")
		w.elem("countryDisplayName", c.DisplayName)
		w.elem("country", c.Code)
		w.elem("name", c.Name)
		w.elem("prefix", c.DialingPrefix)
		if id := v.def[ci]; id != 0 {
			w.elem("mt", v.priceText(id))
		}
		opened := false
		v.listed(ci, func(n, id uint32, _ bool) {
			if !opened {
				w.open("networks")
				opened = true
			}
			_, code, name := v.s.nets.head(int(n))
			w.open("network")
			w.elem("code", code)
			w.elem("name", name)
			w.elem("mtPrice", v.priceText(id))
			w.close("network")
			w.flushIfFull()
		})
		if opened {
			w.close("networks")
		}
		w.close("prices")
	}
	w.close("outbound-pricing")
}
