package mdexample

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	md := "# Title\n" +
		"\n" +
		"```sh\n" +
		"kassa balance\n" +
		"```\n" +
		"Text with ```inline``` code.\n" +
		"<!-- example: skip needs a Docker engine -->\n" +
		"\n" +
		"```sh\n" +
		"docker build .\n" +
		"```\n" +
		"- a list item:\n" +
		"\n" +
		"    ~~~~json {.x}\n" +
		"    {\"a\": 1}\n" +
		"      nested\n" +
		"    ```\n" +
		"    ~~~~\n" +
		"<!-- example: file /etc/kassa/kassa.env -->\n" +
		"```\n" +
		"KASSA_ADDR=127.0.0.1:8080\n" +
		"```\n" +
		"<!-- example: continues -->\n" +
		"```console\n" +
		"```\n"
	got, err := Parse("doc.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	want := []Block{
		{File: "doc.md", Line: 3, Lang: "sh", Text: "kassa balance\n"},
		{File: "doc.md", Line: 9, Lang: "sh", Text: "docker build .\n", Skip: "needs a Docker engine"},
		{File: "doc.md", Line: 14, Lang: "json", Text: "{\"a\": 1}\n  nested\n```\n"},
		{File: "doc.md", Line: 20, Text: "KASSA_ADDR=127.0.0.1:8080\n", Path: "/etc/kassa/kassa.env"},
		{File: "doc.md", Line: 24, Lang: "console", Continues: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("blocks (-want +got):\n%s", diff)
	}
	if got[1].Name() != "doc.md:9" {
		t.Errorf("Name() = %q", got[1].Name())
	}
}

func TestParseErrors(t *testing.T) {
	for md, want := range map[string]string{
		"```sh\nkassa balance\n":                                              "doc.md:1: code block never closed",
		"<!-- example: skip -->\n```sh\nx\n```\n":                             "doc.md:1: example: skip needs a reason",
		"<!-- example: run fast -->\n```sh\nx\n```\n":                         `unknown directive "run fast"`,
		"<!-- example: file a b -->\n```\nx\n```\n":                           "example: file needs one path",
		"<!-- example: continues x -->\n```\nx\n```\n":                        "example: continues takes nothing",
		"<!-- example: skip why -->\ntext\n```sh\nx\n```\n":                   "doc.md:1: directive not followed by a code block",
		"<!-- example: skip why -->\n":                                        "doc.md:1: directive not followed by a code block",
		"<!-- example: skip a -->\n<!-- example: skip b -->\n```sh\nx\n```\n": "doc.md:1: directive not followed",
	} {
		_, err := Parse("doc.md", []byte(md))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q) = %v, want an error with %q", md, err, want)
		}
	}
}

func TestParseSession(t *testing.T) {
	got, err := ParseSession("\n$ kassa balance -o json\n{\n  \"value\": 10\n}\n$ kassa serve \\\n    --print-config\n$ true\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []Step{
		{Line: 2, Command: "kassa balance -o json", Output: "{\n  \"value\": 10\n}\n"},
		{Line: 6, Command: "kassa serve \\\n    --print-config"},
		{Line: 8, Command: "true"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("steps (-want +got):\n%s", diff)
	}
	for _, bad := range []string{"output first\n$ true\n", "$ \n", "$   \nx\n"} {
		if _, err := ParseSession(bad); err == nil {
			t.Errorf("ParseSession(%q) accepted", bad)
		}
	}
}

func TestMatch(t *testing.T) {
	yes := [][2]string{
		{"a\nb\n", "a\nb"},
		{"a  \nb\n\n\n", "a\nb \n"},
		{"a\n...\nd\n", "a\nb\nc\nd\n"},
		{"a\n...\nb\n", "a\nb\n"},
		{"...\n", ""},
		{"...\n", "x\ny\n"},
		{"token ...\n", "token 3f2a\n"},
		{"...: listening on http://...\n", "kassa: listening on http://127.0.0.1:8080\n"},
		{"a...b...c\n", "abc\n"},
		{"a...c\n", "abbbbc\n"},
	}
	for _, c := range yes {
		if !Match(c[0], c[1]) {
			t.Errorf("Match(%q, %q) = false", c[0], c[1])
		}
	}
	no := [][2]string{
		{"a\nb\n", "a\n"},
		{"a\n", "a\nb\n"},
		{"a...c\n", "ab\n"},
		{"a...bc\n", "acb\n"},
		{"...\nz\n", "a\nb\n"},
		{"x...\n", "y\n"},
		{"abab...ab\n", "abab\n"},
	}
	for _, c := range no {
		if Match(c[0], c[1]) {
			t.Errorf("Match(%q, %q) = true", c[0], c[1])
		}
	}
}

// FuzzParse: Parse never panics; each block it returns starts at a fence
// line of the document and its text is made of the document's lines.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"```sh\nkassa balance\n```\n",
		"<!-- example: skip no engine -->\n\n~~~sh\ndocker\n~~~\n",
		"<!-- example: file /etc/x -->\n```\nK=V\n```\n  ````go\n  x\n  ````\n",
		"```\n```\n```",
		"text ```x``` more\n<!-- example: skip -->\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, md string) {
		blocks, err := Parse("f.md", []byte(md))
		if err != nil {
			return
		}
		lines := strings.Split(strings.ReplaceAll(md, "\r\n", "\n"), "\n")
		for _, b := range blocks {
			if b.Line < 1 || b.Line > len(lines) || !fenceLine.MatchString(lines[b.Line-1]) {
				t.Fatalf("block at line %d is not at a fence", b.Line)
			}
			for _, l := range strings.Split(strings.TrimSuffix(b.Text, "\n"), "\n") {
				if b.Text != "" && !strings.Contains(md, l) {
					t.Fatalf("block line %q is not in the document", l)
				}
			}
		}
	})
}

// FuzzMatch: Match never panics, an output matches itself when it holds no
// wildcard, and a lone wildcard matches anything.
func FuzzMatch(f *testing.F) {
	f.Add("a\n...\nb", "a\nx\nb")
	f.Add("x...y...z", "xyz")
	f.Add("...", "")
	f.Fuzz(func(t *testing.T, want, got string) {
		Match(want, got)
		if !strings.Contains(got, Wildcard) && !Match(got, got) {
			t.Fatalf("%q does not match itself", got)
		}
		if !Match(Wildcard, got) {
			t.Fatalf("a lone wildcard does not match %q", got)
		}
	})
}

// FuzzParseSession: ParseSession never panics, and every step's command
// line is a "$" line of the text.
func FuzzParseSession(f *testing.F) {
	f.Add("$ kassa balance\n10.00\n$ a \\\nb\n")
	f.Add("\n\n$ x\n")
	f.Fuzz(func(t *testing.T, text string) {
		steps, err := ParseSession(text)
		if err != nil {
			return
		}
		lines := strings.Split(text, "\n")
		for _, s := range steps {
			if s.Line < 1 || s.Line > len(lines) || !strings.HasPrefix(lines[s.Line-1], "$") {
				t.Fatalf("step at line %d is not a command line", s.Line)
			}
		}
	})
}
