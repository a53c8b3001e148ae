package web

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
)

// worldTXT is the country outlines made by internal/mapgen from
// world-atlas (Natural Earth, public domain): "CC<TAB>path" lines.
//
//go:embed assets/world.txt
var worldTXT []byte

// worldMap is the parsed outlines.
type worldMap struct {
	viewBox string
	shapes  []shape
}

// shape is one country's outline.
type shape struct {
	Code string // ISO 3166-1 alpha-2
	Path string
}

func mustLoadWorld() *worldMap {
	m, err := parseWorld(worldTXT)
	if err != nil {
		panic(err)
	}
	return m
}

// parseWorld reads the outline file.
func parseWorld(data []byte) (*worldMap, error) {
	m := &worldMap{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "# viewBox "); ok {
			m.viewBox = v
			continue
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, path, ok := strings.Cut(line, "\t")
		if !ok || len(code) != 2 {
			return nil, fmt.Errorf("world map: bad line %.20q", line)
		}
		m.shapes = append(m.shapes, shape{Code: code, Path: path})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if m.viewBox == "" || len(m.shapes) == 0 {
		return nil, fmt.Errorf("world map: no viewBox or no shapes")
	}
	return m, nil
}

// mapCountry is how one country is drawn.
type mapCountry struct {
	Class string // the price bucket's class, "np" when unpriced
	Label string // accessible name with the price
}

// render draws the map as the start of an inline SVG (without its closing
// tag, see finish): each country is a link to its details
// (keyboard-focusable), filled by its price bucket.
func (m *worldMap) render(countries map[string]mapCountry, link func(code string) string) string {
	var b strings.Builder
	b.Grow(len(worldTXT) + 300*len(m.shapes))
	fmt.Fprintf(&b, `<svg class="worldmap" viewBox="%s" role="group" aria-label="World map of prices: choose a country">`, m.viewBox)
	for _, s := range m.shapes {
		c, ok := countries[s.Code]
		if !ok {
			c = mapCountry{Class: "np", Label: s.Code}
		}
		label := template.HTMLEscapeString(c.Label)
		fmt.Fprintf(&b, `<a href="%s" aria-label="%s" data-code="%s"><path class="%s" d="%s"><title>%s</title></path></a>`,
			template.HTMLEscapeString(link(s.Code)), label, s.Code, c.Class, s.Path, label)
	}
	return b.String()
}

// finish closes a rendered map, outlining the selected country on top of
// its neighbours.
func (m *worldMap) finish(rendered, selected string) template.HTML {
	var b strings.Builder
	b.Grow(len(rendered) + 4096)
	b.WriteString(rendered)
	for _, s := range m.shapes {
		if s.Code == selected {
			fmt.Fprintf(&b, `<path class="sel" aria-hidden="true" d="%s"/>`, s.Path)
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
