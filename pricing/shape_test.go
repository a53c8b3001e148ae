package pricing

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// readGolden returns a file of testdata/golden.
func readGolden(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "golden", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonSchema records, per object path ("countries[].networks[]"), the keys
// seen and the JSON type of each.
type jsonSchema map[string]map[string]string

func jsonType(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

func decodeJSON(t testing.TB, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, b)
	}
	return v
}

// learn adds the shape of v at path to the schema.
func (s jsonSchema) learn(path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		if s[path] == nil {
			s[path] = map[string]string{}
		}
		for k, child := range x {
			s[path][k] = jsonType(child)
			s.learn(path+"."+k, child)
		}
	case []any:
		for _, child := range x {
			s.learn(path+"[]", child)
		}
	}
}

// check reports every key of v that the schema does not know or that has
// another JSON type.
func (s jsonSchema) check(t testing.TB, path string, v any) {
	t.Helper()
	switch x := v.(type) {
	case map[string]any:
		for k, child := range x {
			want, ok := s[path][k]
			if !ok {
				t.Errorf("%s: unexpected key %q", path, k)
				continue
			}
			if got := jsonType(child); got != want {
				t.Errorf("%s.%s: JSON type %s, want %s", path, k, got, want)
			}
			s.check(t, path+"."+k, child)
		}
	case []any:
		for _, child := range x {
			s.check(t, path+"[]", child)
		}
	}
}

// xmlOrder records, per element path, the order of the child element names
// over all instances: a name first seen in a later instance is placed after
// the sibling it follows there.
type xmlOrder map[string][]string

// xmlInstance is the child element sequence of one element.
type xmlInstance struct {
	path     string
	children []string
}

// xmlTree reads an XML document into its root name, its merged order and
// the child sequence of every element.
func xmlTree(t testing.TB, b []byte) (string, xmlOrder, []xmlInstance) {
	t.Helper()
	order := xmlOrder{}
	var all []xmlInstance
	dec := xml.NewDecoder(bytes.NewReader(b))
	type frame struct {
		path     string
		children []string
	}
	var stack []*frame
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("decode XML: %v\n%s", err, b)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			name := el.Name.Local
			path := "/" + name
			if len(stack) == 0 {
				root = name
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, name)
				path = parent.path + path
			}
			stack = append(stack, &frame{path: path})
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			all = append(all, xmlInstance{f.path, f.children})
			order.merge(f.path, f.children)
		}
	}
	return root, order, all
}

// merge adds an instance's child names to the order of path.
func (o xmlOrder) merge(path string, children []string) {
	list := o[path]
	prev := -1
	for _, c := range children {
		if i := slices.Index(list, c); i >= 0 {
			prev = i
			continue
		}
		list = slices.Insert(list, prev+1, c)
		prev++
	}
	o[path] = list
}

// checkXMLOrder compares kassa's XML with a golden one: the same root,
// children that the golden (or extra) allows, and in every element the
// golden's relative order of the children they share.
func checkXMLOrder(t testing.TB, golden, got []byte, extra map[string][]string) {
	t.Helper()
	groot, gorder, _ := xmlTree(t, golden)
	root, order, instances := xmlTree(t, got)
	if root != groot {
		t.Fatalf("root element %q, want %q", root, groot)
	}
	for _, in := range instances {
		want := gorder[in.path]
		last := -1
		for _, c := range in.children {
			i := slices.Index(want, c)
			if i < 0 {
				if !slices.Contains(extra[in.path], c) {
					t.Errorf("%s: unexpected element <%s>", in.path, c)
				}
				continue
			}
			if i < last {
				t.Errorf("%s: <%s> comes after <%s>, golden order is %v", in.path, c, want[last], want)
			}
			last = i
		}
	}
	for path, want := range gorder {
		if _, ok := order[path]; !ok {
			continue
		}
		for _, c := range want {
			if !slices.Contains(order[path], c) && !optionalXML[c] {
				t.Errorf("%s: missing element <%s>", path, c)
			}
		}
	}
}

// optionalXML lists elements that are absent for some countries or
// networks (unpriced countries, non-mobile networks, no aliases).
var optionalXML = map[string]bool{"default-price": true, "networks": true, "aliases": true, "mcc": true, "mnc": true, "mt": true}

// hasXMLDecl reports whether b starts with an XML declaration.
func hasXMLDecl(b []byte) bool { return bytes.HasPrefix(b, []byte("<?xml")) }
