package main

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// escapeText makes s safe to print on a terminal: every character that is
// not graphic (C0 and C1 controls such as ESC, BEL and CSI, DEL, bidi
// overrides and other format characters, line and paragraph separators,
// unassigned code points) and every byte that is not UTF-8 is written as a
// Go-style escape (\x1b, \a, \n, \u202e, \xff), so that stored data (a
// charge's reference, a credit's reason) cannot move the cursor, rewrite
// the screen, set the window title or hide text. Graphic characters,
// spaces included, are kept. Backslashes are kept as they are: the output
// is for people; -o json is exact.
func escapeText(s string) string {
	if isPrintable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unicode.IsGraphic(r):
			b.WriteString(s[i : i+size])
		default:
			b.WriteString(escapeRune(r))
		}
		i += size
	}
	return b.String()
}

// isPrintable reports whether escapeText would leave s as it is.
func isPrintable(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || !unicode.IsGraphic(r) {
			return false
		}
		i += size
	}
	return true
}

// escapeRune is the escape of one non-graphic rune.
func escapeRune(r rune) string {
	switch r {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	}
	switch {
	case r < 0x80:
		return fmt.Sprintf(`\x%02x`, r)
	case r <= 0xffff:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return fmt.Sprintf(`\U%08x`, r)
}

// escapeRow escapes every cell of a row.
func escapeRow(row []string) []string {
	out := make([]string, len(row))
	for i, s := range row {
		out[i] = escapeText(s)
	}
	return out
}

// escapeJSON makes JSON text safe to print on a terminal without changing
// what it means: the encoder escapes C0 controls already, but writes DEL,
// C1 controls (U+0080–U+009F, among them the one-character CSI U+009B) and
// format characters such as bidi overrides as they are. Outside strings,
// JSON holds only graphic ASCII, spaces and newlines, so every other
// non-graphic rune is inside a string, where \uXXXX means the same.
func escapeJSON(js string) string {
	if isPrintable(strings.ReplaceAll(js, "\n", "")) {
		return js
	}
	var b strings.Builder
	for _, r := range js {
		switch {
		case r == '\n' || unicode.IsGraphic(r):
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
