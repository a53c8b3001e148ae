package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// tree is a parsed JSON or YAML document: maps, lists and scalars, each
// with the line it starts on, so that every refusal can name its line.
type tree struct {
	kind   treeKind
	scalar string  // the text of a scalar as written (a number keeps its digits)
	quoted bool    // a string scalar (quoted in JSON or tagged !!str in YAML)
	keys   []*tree // a map's keys (scalars), in document order
	vals   []*tree // a map's values, or a list's items
	line   int
}

// treeKind is the kind of a tree node.
type treeKind int

const (
	treeNull treeKind = iota
	treeScalar
	treeMap
	treeList
)

// kindName names a node's kind in refusals.
func (t *tree) kindName() string {
	switch t.kind {
	case treeScalar:
		return "a value"
	case treeMap:
		return "a mapping"
	case treeList:
		return "a list"
	}
	return "null"
}

// get returns the value under key in a map, or nil.
func (t *tree) get(key string) *tree {
	for i, k := range t.keys {
		if k.scalar == key {
			return t.vals[i]
		}
	}
	return nil
}

// ParseError is a refusal of a fixture document: every problem found, each
// with its line (0 when the problem is not in a file, as for fixtures given
// as Go values).
type ParseError struct {
	Problems []Problem
}

// Problem is one refusal in a fixture document.
type Problem struct {
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// String is "line 4: balance: not a decimal amount" (or the message alone).
func (p Problem) String() string {
	if p.Line > 0 {
		return fmt.Sprintf("line %d: %s", p.Line, p.Message)
	}
	return p.Message
}

// Error lists the problems, one per line of text.
func (e *ParseError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return "fixtures rejected: " + strings.Join(parts, "; ")
}

// maxProblems bounds the problems one refusal reports.
const maxProblems = 20

// problems collects the refusals of one document.
type problems struct {
	list []Problem
}

// add records a problem at line.
func (p *problems) add(line int, format string, args ...any) {
	if len(p.list) < maxProblems {
		p.list = append(p.list, Problem{Line: line, Message: fmt.Sprintf(format, args...)})
	}
}

// err returns the problems as a *ParseError, or nil when there are none.
func (p *problems) err() error {
	if len(p.list) == 0 {
		return nil
	}
	sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
	return &ParseError{Problems: p.list}
}

// MaxFixtureBytes bounds a fixture document.
const MaxFixtureBytes = 16 << 20

// parseTree reads a JSON document (its first non-blank byte is '{' or '[')
// or else a YAML one. JSON is read by encoding/json, so that exactly JSON
// is accepted (YAML's reader takes some invalid JSON and refuses some
// valid JSON, such as escaped surrogate pairs).
func parseTree(data []byte) (*tree, error) {
	if len(data) > MaxFixtureBytes {
		return nil, &ParseError{Problems: []Problem{{Message: fmt.Sprintf("the document is larger than %d MiB", MaxFixtureBytes>>20)}}}
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		return parseJSONTree(data)
	}
	return parseYAMLTree(data)
}

// parseJSONTree reads a JSON document into a tree.
func parseJSONTree(data []byte) (*tree, error) {
	lines := newLineIndex(data)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	t, err := readJSONValue(dec, lines)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			err = fmt.Errorf("unexpected data after the document")
		}
	}
	if err != nil {
		return nil, &ParseError{Problems: []Problem{{Line: lines.line(dec.InputOffset()), Message: "not valid JSON: " + jsonReason(err)}}}
	}
	return t, nil
}

// jsonReason is the JSON decoder's complaint without its "invalid
// character" prefix noise.
func jsonReason(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error()
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "the document ends too early"
	}
	return err.Error()
}

// readJSONValue reads one value from dec.
func readJSONValue(dec *json.Decoder, lines lineIndex) (*tree, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	line := lines.line(dec.InputOffset())
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			t := &tree{kind: treeMap, line: line}
			for dec.More() {
				ktok, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key, _ := ktok.(string)
				k := &tree{kind: treeScalar, scalar: key, quoted: true, line: lines.line(dec.InputOffset())}
				val, err := readJSONValue(dec, lines)
				if err != nil {
					return nil, err
				}
				t.keys, t.vals = append(t.keys, k), append(t.vals, val)
			}
			_, err := dec.Token() // '}'
			return t, err
		case '[':
			t := &tree{kind: treeList, line: line}
			for dec.More() {
				item, err := readJSONValue(dec, lines)
				if err != nil {
					return nil, err
				}
				t.vals = append(t.vals, item)
			}
			_, err := dec.Token() // ']'
			return t, err
		}
		return nil, fmt.Errorf("unexpected %q", v)
	case string:
		return &tree{kind: treeScalar, scalar: v, quoted: true, line: line}, nil
	case json.Number:
		return &tree{kind: treeScalar, scalar: v.String(), line: line}, nil
	case bool:
		return &tree{kind: treeScalar, scalar: fmt.Sprint(v), line: line}, nil
	case nil:
		return &tree{kind: treeNull, line: line}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// lineIndex finds the line of a byte offset.
type lineIndex []int64 // offsets at which lines start

func newLineIndex(data []byte) lineIndex {
	idx := lineIndex{0}
	for i, c := range data {
		if c == '\n' {
			idx = append(idx, int64(i+1))
		}
	}
	return idx
}

// line is the 1-based line holding offset (the line before it when offset
// is just past a token at the end of a line).
func (idx lineIndex) line(offset int64) int {
	return sort.Search(len(idx), func(i int) bool { return idx[i] >= offset })
}

// parseYAMLTree reads a YAML document into a tree. Anchors and aliases are
// refused (a fixture file has no use for them, and expanding them is how a
// small document becomes a huge one); so are tags other than the core
// schema's.
func parseYAMLTree(data []byte) (*tree, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &ParseError{Problems: []Problem{yamlProblem(err)}}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return &tree{kind: treeNull, line: 1}, nil
	}
	var p problems
	t := fromYAML(doc.Content[0], &p)
	if err := p.err(); err != nil {
		return nil, err
	}
	return t, nil
}

// yamlProblem turns the YAML reader's error ("yaml: line 3: did not find
// expected key") into a problem with its line.
func yamlProblem(err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		if _, rest, ok := strings.Cut(msg, ": "); ok {
			msg = rest
		}
	}
	return Problem{Line: line, Message: "not valid YAML: " + msg}
}

// fromYAML converts a YAML node.
func fromYAML(n *yaml.Node, p *problems) *tree {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		p.add(n.Line, "anchors and aliases (&name, *name) are not supported in fixtures")
		return &tree{kind: treeNull, line: n.Line}
	}
	switch n.Kind {
	case yaml.MappingNode:
		t := &tree{kind: treeMap, line: n.Line}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := fromYAML(k, p)
			if key.kind != treeScalar {
				p.add(k.Line, "a mapping key must be a plain name")
				continue
			}
			t.keys, t.vals = append(t.keys, key), append(t.vals, fromYAML(v, p))
		}
		return t
	case yaml.SequenceNode:
		t := &tree{kind: treeList, line: n.Line}
		for _, c := range n.Content {
			t.vals = append(t.vals, fromYAML(c, p))
		}
		return t
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return &tree{kind: treeNull, line: n.Line}
		case "!!str", "!!int", "!!float", "!!bool", "!!timestamp":
			return &tree{kind: treeScalar, scalar: n.Value, quoted: n.ShortTag() == "!!str", line: n.Line}
		}
		p.add(n.Line, "the tag %s is not supported in fixtures", n.Tag)
		return &tree{kind: treeNull, line: n.Line}
	}
	p.add(n.Line, "unsupported YAML node")
	return &tree{kind: treeNull, line: n.Line}
}
