package pricing

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
)

// xmlWriter appends indented XML the way xml.MarshalIndent(v, "", "  ")
// writes it, without reflection: the full lists are the bulk of compiling.
// xml_oracle_test.go checks the output against encoding/xml byte for byte.
type xmlWriter struct {
	b     []byte
	depth int
}

// newline starts a new line at the current depth, except at the start.
func (w *xmlWriter) newline() {
	if len(w.b) > 0 && w.b[len(w.b)-1] != '\n' {
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
func (w *xmlWriter) writeCountry(cp *CountryPrice) {
	w.elem("countryDisplayName", cp.Country.DisplayName)
	w.elem("country-code", cp.Country.Code)
	w.elem("country-name", cp.Country.Name)
	w.elem("dialing-prefix", cp.Country.DialingPrefix)
	if cp.HasDefault {
		w.elem("default-price", cp.DefaultPrice.String())
	}
	w.elem("currency", string(cp.Currency))
	if len(cp.Networks) == 0 {
		return
	}
	w.open("networks")
	for i := range cp.Networks {
		w.writeNetwork(&cp.Networks[i], cp)
	}
	w.close("networks")
}

// writeNetwork writes one network element.
func (w *xmlWriter) writeNetwork(np *NetworkPrice, cp *CountryPrice) {
	n := &np.Network
	w.open("network")
	w.elem("network-code", n.Code)
	w.elem("network-name", n.Name)
	w.elem("type", string(n.Type))
	w.elem("price", np.Price.String())
	w.elem("currency", string(cp.Currency))
	w.list("aliases", "code", n.Aliases)
	if hasMCC(n.Type) {
		w.elemIfSet("mcc", n.MCC)
		w.elemIfSet("mnc", n.MNC)
	}
	w.list("ranges", "range", n.Ranges)
	w.close("network")
}

// list writes <name><item>…</item>…</name>, nothing when items is empty.
func (w *xmlWriter) list(name, item string, items []string) {
	if len(items) == 0 {
		return
	}
	w.open(name)
	for _, v := range items {
		w.elem(item, v)
	}
	w.close(name)
}

// countryDocumentXML renders the get-pricing answer of one country.
func countryDocumentXML(cp *CountryPrice) []byte {
	w := xmlWriter{b: []byte(xml.Header)}
	w.open("outbound-country-pricing")
	w.writeCountry(cp)
	w.close("outbound-country-pricing")
	return w.b
}

// countriesDocumentXML renders a list answer ({count, countries}).
func countriesDocumentXML(list []*CountryPrice) []byte {
	w := xmlWriter{b: []byte(xml.Header)}
	w.open("outbound-pricing")
	w.elem("count", strconv.Itoa(len(list)))
	if len(list) == 0 {
		w.newline()
		w.b = append(w.b, "<countries></countries>"...)
	} else {
		w.open("countries")
		for _, cp := range list {
			w.open("country")
			w.writeCountry(cp)
			w.close("country")
		}
		w.close("countries")
	}
	w.close("outbound-pricing")
	return w.b
}
