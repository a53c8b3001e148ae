package kassa

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moneyPackages are the directories whose code handles money. None of their
// non-test Go files may name float64 or float32, outside comments.
var moneyPackages = []string{".", "charging", "pricing", "sqlite", "postgres", "httpapi", "client"}

func TestNoFloatInMoneyPackages(t *testing.T) {
	scanned := 0
	for _, dir := range moneyPackages {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			for _, pos := range floatIdents(t, path) {
				t.Errorf("%s: float type in a money package", pos)
			}
			scanned++
		}
	}
	if scanned == 0 {
		t.Fatal("no Go files scanned: the test runs from the wrong directory")
	}
}

// floatIdents returns the positions of the identifiers float64 and float32
// in a Go file. The scanner skips comments and sees string literals as
// single tokens, so only code counts.
func floatIdents(t *testing.T, path string) []token.Position {
	t.Helper()
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	file := fset.AddFile(path, -1, len(src))
	var s scanner.Scanner
	s.Init(file, src, func(pos token.Position, msg string) { t.Errorf("%s: %s", pos, msg) }, 0)
	var found []token.Position
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			return found
		}
		if tok == token.IDENT && (lit == "float64" || lit == "float32") {
			found = append(found, fset.Position(pos))
		}
	}
}

func TestFloatIdentsSeesCodeOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.go")
	src := "package x\n// float64 in a comment\nvar s = \"float64\"\nvar f float32\nfunc g() { _ = float64(1) }\n"
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	got := floatIdents(t, path)
	if len(got) != 2 || got[0].Line != 4 || got[1].Line != 5 {
		t.Fatalf("floatIdents = %v, want lines 4 and 5", got)
	}
}
