package kassa_test

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/kassa-dev/kassa"
)

// TestEventTypesDocumented: docs/events.md's table of event types is
// exactly kassa.EventTypes, and every event type a document or a --help
// filters on (--type T, .type == "T", "events":[…]) exists.
func TestEventTypesDocumented(t *testing.T) {
	doc, err := os.ReadFile("docs/events.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "## Event types")
	if !ok {
		t.Fatal("docs/events.md has no \"## Event types\" section")
	}
	_, table, ok = strings.Cut(table, "| type |")
	if !ok {
		t.Fatal("docs/events.md has no table of event types")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	var documented []string
	for _, row := range strings.Split(table, "\n") {
		if !strings.HasPrefix(row, "| `") {
			continue
		}
		first, _, _ := strings.Cut(strings.TrimPrefix(row, "|"), "|")
		for _, m := range regexp.MustCompile("`([a-z_]+\\.[a-z_]+)`").FindAllStringSubmatch(first, -1) {
			documented = append(documented, m[1])
		}
	}
	slices.Sort(documented)
	want := slices.Sorted(slices.Values(kassa.EventTypes))
	if !slices.Equal(documented, want) {
		t.Errorf("docs/events.md documents the event types\n%v\nkassa writes\n%v", documented, want)
	}
	files, _ := filepath.Glob("docs/*.md")
	cli, _ := filepath.Glob("cmd/kassa/cli_*.go")
	filter := regexp.MustCompile(`(?:--type[ =]|\.type == \\?"|--event[ =])([a-z_]+\.[a-z_]+)`)
	for _, file := range append(append([]string{"README.md"}, files...), cli...) {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range filter.FindAllStringSubmatch(string(b), -1) {
			if !kassa.ValidEventType(m[1]) {
				t.Errorf("%s filters events on %s, which is no event type", file, m[1])
			}
		}
	}
}
