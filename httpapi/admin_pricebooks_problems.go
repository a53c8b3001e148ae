package httpapi

import "strings"

// deckLocations are how the pricing package starts a problem that names a
// place in a deck or book: a CSV line (and column), a country or network
// of a JSON price list, a line or network of the book.
var deckLocations = []string{"line ", "countries[", "network "}

// deckProblems splits the message of a rejected deck ("rate deck rejected:
// line 3, column \"price\": bad number \"x\"; line 9: ...") into one
// invalid parameter per problem, named by the place it names (`line 3,
// column "price"`), or "body" when it names none.
func deckProblems(msg string) []invalidParam {
	if _, rest, ok := strings.Cut(msg, " rejected: "); ok {
		msg = rest
	}
	var out []invalidParam
	for _, part := range splitOutsideQuotes(msg, "; ") {
		name, reason := "body", part
		if loc, rest, ok := cutOutsideQuotes(part, ": "); ok && hasAnyPrefix(loc, deckLocations) {
			name, reason = loc, rest
		}
		out = append(out, invalidParam{Name: name, Reason: reason})
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// splitOutsideQuotes splits s at every sep that is not inside a Go-quoted
// string (the pricing messages quote the deck's values with %q).
func splitOutsideQuotes(s, sep string) []string {
	var parts []string
	for {
		before, after, ok := cutOutsideQuotes(s, sep)
		parts = append(parts, before)
		if !ok {
			return parts
		}
		s = after
	}
}

// cutOutsideQuotes is strings.Cut that ignores sep inside "…" (with
// backslash escapes).
func cutOutsideQuotes(s, sep string) (before, after string, found bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch {
		case quoted && s[i] == '\\':
			i++
		case s[i] == '"':
			quoted = !quoted
		case !quoted && strings.HasPrefix(s[i:], sep):
			return s[:i], s[i+len(sep):], true
		}
	}
	return s, "", false
}
