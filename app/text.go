package app

import (
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

// checkText checks a free-text field (a reason, a reference, a trx): at
// most max bytes of valid UTF-8 without control characters (C0, DEL, C1),
// which a terminal or a CSV viewer showing the text later could take as
// commands. EINVALID naming field otherwise.
func checkText(field, text string, max int) error {
	if len(text) > max {
		return kassa.FieldError(field, "%s must be at most %d bytes", field, max)
	}
	for i, r := range text {
		switch {
		case r == utf8.RuneError && !validAt(text, i):
			return kassa.FieldError(field, "%s must be valid UTF-8 text", field)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return kassa.FieldError(field, "%s must not contain control characters (found U+%04X at byte %d)", field, r, i)
		}
	}
	return nil
}

// validAt reports whether the U+FFFD at byte i of text is really there
// (and not the decoding of an invalid byte).
func validAt(text string, i int) bool {
	_, size := utf8.DecodeRuneInString(text[i:])
	return size == 3
}
