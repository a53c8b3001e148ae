// Package mdexample reads the examples of kassa's documentation so that a
// test can run them: the fenced code blocks of a Markdown file with the
// directives written before them, the commands and outputs of a console
// session, and the comparison of an output with the documented one.
//
// A directive is an HTML comment (invisible once rendered) on the last
// non-blank line before a block's opening fence:
//
//	<!-- example: skip REASON -->   the block is not run; REASON says why
//	<!-- example: file PATH -->     the block is the content of the file PATH
//	<!-- example: continues -->     the block goes on from the one before it in
//	                                the file: one example split in two
//
// The runner of the examples is cmd/kassa's examples_test.go.
package mdexample

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Block is a fenced code block of a Markdown file.
type Block struct {
	File string // the name given to Parse
	Line int    // the line of the opening fence, from 1
	Lang string // the first word of the info string: "sh", "console"; "" for none
	Text string // the content, without the fence's indentation, ending in "\n" unless empty
	Skip string // the reason given by <!-- example: skip REASON -->; "" when not skipped
	Path string // the PATH of <!-- example: file PATH -->; "" when none
	// Continues is set by <!-- example: continues -->: the block runs after
	// the one before it in the file, in its directory, with its servers.
	Continues bool
}

// Name is "FILE:LINE", for test names and messages.
func (b Block) Name() string { return fmt.Sprintf("%s:%d", b.File, b.Line) }

// directiveLine is a directive comment.
var directiveLine = regexp.MustCompile(`^\s*<!--\s*example:\s*(.*?)\s*-->\s*$`)

// fenceLine is an opening or closing fence: its indentation, the fence
// characters and the info string.
var fenceLine = regexp.MustCompile("^( *)(`{3,}|~{3,})(.*)$")

// Parse returns the fenced code blocks of a Markdown document in order.
// It fails on a fence that is never closed, on a directive that is not
// followed by a block or that it does not know, and on a skip without a
// reason.
func Parse(file string, md []byte) ([]Block, error) {
	lines := strings.Split(strings.ReplaceAll(string(md), "\r\n", "\n"), "\n")
	var blocks []Block
	var pending *Block // the directive waiting for its block
	pendingLine := 0
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if m := directiveLine.FindStringSubmatch(line); m != nil {
			if pending != nil {
				return nil, fmt.Errorf("%s:%d: directive not followed by a code block", file, pendingLine)
			}
			d, err := parseDirective(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s:%d: %w", file, i+1, err)
			}
			pending, pendingLine = &d, i+1
			continue
		}
		m := fenceLine.FindStringSubmatch(line)
		if m == nil {
			if pending != nil && strings.TrimSpace(line) != "" {
				return nil, fmt.Errorf("%s:%d: directive not followed by a code block", file, pendingLine)
			}
			continue
		}
		indent, fence, info := len(m[1]), m[2], strings.TrimSpace(m[3])
		if fence[0] == '`' && strings.Contains(info, "`") {
			continue // an inline code span that starts a line, not a fence
		}
		b := Block{File: file, Line: i + 1}
		if f := strings.Fields(info); len(f) > 0 {
			b.Lang = f[0]
		}
		if pending != nil {
			b.Skip, b.Path, b.Continues = pending.Skip, pending.Path, pending.Continues
			pending = nil
		}
		var text strings.Builder
		closed := false
		for i++; i < len(lines); i++ {
			if isClosingFence(lines[i], fence) {
				closed = true
				break
			}
			text.WriteString(dedent(lines[i], indent))
			text.WriteByte('\n')
		}
		if !closed {
			return nil, fmt.Errorf("%s:%d: code block never closed", file, b.Line)
		}
		b.Text = text.String()
		blocks = append(blocks, b)
	}
	if pending != nil {
		return nil, fmt.Errorf("%s:%d: directive not followed by a code block", file, pendingLine)
	}
	return blocks, nil
}

// parseDirective reads the words of a directive comment.
func parseDirective(s string) (Block, error) {
	word, rest, _ := strings.Cut(s, " ")
	rest = strings.TrimSpace(rest)
	switch word {
	case "skip":
		if rest == "" {
			return Block{}, errors.New("example: skip needs a reason")
		}
		return Block{Skip: rest}, nil
	case "file":
		if rest == "" || strings.ContainsAny(rest, " \t") {
			return Block{}, fmt.Errorf("example: file needs one path, not %q", rest)
		}
		return Block{Path: rest}, nil
	case "continues":
		if rest != "" {
			return Block{}, fmt.Errorf("example: continues takes nothing, not %q", rest)
		}
		return Block{Continues: true}, nil
	}
	return Block{}, fmt.Errorf("unknown directive %q (want example: skip REASON, example: file PATH or example: continues)", s)
}

// isClosingFence reports whether line closes a block opened by fence: the
// same character, at least as many, nothing after but spaces.
func isClosingFence(line, fence string) bool {
	t := strings.TrimLeft(line, " ")
	n := 0
	for n < len(t) && t[n] == fence[0] {
		n++
	}
	return n >= len(fence) && strings.TrimSpace(t[n:]) == ""
}

// dedent removes up to n leading spaces.
func dedent(line string, n int) string {
	i := 0
	for i < n && i < len(line) && line[i] == ' ' {
		i++
	}
	return line[i:]
}

// Step is one command of a console session and the output shown after it.
type Step struct {
	Line    int    // the command's line in the session text, from 1
	Command string // without the "$ " prompt; continued lines (ending in \) kept with their newlines
	Output  string // the lines shown after the command, each ending in "\n"
}

// ParseSession reads a console session: commands after a "$ " prompt (a
// line ending in a backslash continues on the next), each followed by the
// output it prints. Text before the first prompt is an error.
func ParseSession(text string) ([]Step, error) {
	var steps []Step
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		cmd, ok := strings.CutPrefix(line, "$ ")
		if !ok && line == "$" {
			cmd, ok = "", true
		}
		if !ok {
			if len(steps) == 0 {
				if strings.TrimSpace(line) == "" {
					continue
				}
				return nil, fmt.Errorf("line %d: output before the first \"$ \" command", i+1)
			}
			steps[len(steps)-1].Output += line + "\n"
			continue
		}
		s := Step{Line: i + 1, Command: cmd}
		for strings.HasSuffix(s.Command, "\\") && i+1 < len(lines) {
			i++
			s.Command += "\n" + lines[i]
		}
		if strings.TrimSpace(s.Command) == "" {
			return nil, fmt.Errorf("line %d: empty command", s.Line)
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// Wildcard stands for any text in a documented output: alone on a line,
// any number of lines; inside a line, any characters of that line.
const Wildcard = "..."

// Match reports whether got is the output want documents. Both are
// compared line by line with trailing spaces and trailing blank lines
// removed; a want line that is Wildcard matches any number of lines (none
// included), and Wildcard inside a line any run of characters.
func Match(want, got string) bool {
	w, g := outputLines(want), outputLines(got)
	memo := map[[2]int]bool{}
	var match func(i, j int) bool
	match = func(i, j int) bool {
		key := [2]int{i, j}
		if v, ok := memo[key]; ok {
			return v
		}
		var ok bool
		switch {
		case i == len(w):
			ok = j == len(g)
		case w[i] == Wildcard:
			ok = match(i+1, j) || (j < len(g) && match(i, j+1))
		default:
			ok = j < len(g) && lineMatches(w[i], g[j]) && match(i+1, j+1)
		}
		memo[key] = ok
		return ok
	}
	return match(0, 0)
}

// outputLines splits an output into lines without trailing spaces or
// trailing blank lines.
func outputLines(s string) []string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lineMatches matches one line, Wildcard standing for any characters.
func lineMatches(want, got string) bool {
	parts := strings.Split(want, Wildcard)
	if len(parts) == 1 {
		return want == got
	}
	if !strings.HasPrefix(got, parts[0]) {
		return false
	}
	got = got[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(got, p)
		if i < 0 {
			return false
		}
		got = got[i+len(p):]
	}
	return strings.HasSuffix(got, last) && len(got) >= len(last)
}
