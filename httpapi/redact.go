package httpapi

import "strings"

// RedactedSegment replaces a path segment that RedactPath hides.
const RedactedSegment = "{redacted}"

// RedactPath returns the request path fit for a log line. The legacy
// Account API takes credentials in the path (/account/get-balance/KEY/SECRET,
// and old clients send /account/get-pricing/outbound/KEY/SECRET/DE), with a
// trailing '/', doubled slashes, any letter case or a method that is then
// refused: under /account/ only the segments made of lower-case letters and
// '-' (the endpoint and service names: get-balance, outbound, sms) are kept,
// and every other segment becomes {redacted}. A secret always holds an
// upper-case letter and a digit (kassa.ValidateSecret), so no secret is
// ever kept. Other paths carry no credential and are returned as they are.
func RedactPath(path string) string {
	if !underLegacyAccount(path) || !needsRedaction(path) {
		return path
	}
	segs := strings.Split(path, "/")
	seenAccount := false
	for i, s := range segs {
		switch {
		case s == "":
		case !seenAccount:
			seenAccount = true // the "account" segment itself
		case !lowerWord(s):
			segs[i] = RedactedSegment
		}
	}
	return strings.Join(segs, "/")
}

// needsRedaction reports whether a path under /account/ has a segment
// after the "account" one that RedactPath would replace.
func needsRedaction(path string) bool {
	seenAccount := false
	for s := range strings.SplitSeq(path, "/") {
		switch {
		case s == "":
		case !seenAccount:
			seenAccount = true
		case !lowerWord(s):
			return true
		}
	}
	return false
}

// underLegacyAccount reports whether path is under /account/, in any letter
// case and with any run of slashes ("//account//get-balance").
func underLegacyAccount(path string) bool {
	trimmed := strings.TrimLeft(path, "/")
	if len(trimmed) == len(path) {
		return false
	}
	word, rest, _ := strings.Cut(trimmed, "/")
	return strings.EqualFold(word, "account") && rest != ""
}

// lowerWord reports whether s holds only lower-case ASCII letters and '-'.
func lowerWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}
