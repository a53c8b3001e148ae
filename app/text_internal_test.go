package app

import (
	"testing"
	"unicode/utf8"
)

// TestCheckTextReplacementCharacter: a real U+FFFD is text; an invalid
// byte, which decodes to the same rune, is not.
func TestCheckTextReplacementCharacter(t *testing.T) {
	if err := checkText("reason", "a\uFFFDb", 10); err != nil {
		t.Errorf("a real U+FFFD refused: %v", err)
	}
	if err := checkText("reason", "a\xffb", 10); err == nil {
		t.Error("an invalid byte accepted")
	}
	if err := checkText("reason", "\u00e9\u20ac", 10); err != nil {
		t.Errorf("accents and the euro sign refused: %v", err)
	}
}

// FuzzCheckText: accepted text is valid UTF-8 without a C0 or C1 control
// character or DEL, and within the bound.
func FuzzCheckText(f *testing.F) {
	for _, s := range []string{"plain", "\x1b[2J", "a\uFFFDb", "a\xffb", "\u009b", "é€"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if checkText("reason", s, 64) != nil {
			return
		}
		if len(s) > 64 {
			t.Fatalf("accepted %d bytes", len(s))
		}
		for i, r := range s {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
				t.Fatalf("accepted control U+%04X at %d in %q", r, i, s)
			}
		}
		if !utf8.ValidString(s) {
			t.Fatalf("accepted invalid UTF-8 %q", s)
		}
	})
}
