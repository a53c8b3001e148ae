package webhook

import (
	"errors"
	"strings"
	"testing"
)

func TestCallbackSyntax(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", MaxURLLength)
	cases := []struct {
		raw  string
		want error
	}{
		{"https://example.com/mo", nil},
		{"http://192.0.2.10:8080/dr?x=1", nil},
		{long, ErrCallbackTooLong},
		{"https://example.com/a b", ErrCallbackSpaces},
		{"https://example.com/\x7f", ErrCallbackSpaces},
		{"\thttps://example.com/", ErrCallbackSpaces},
		{"ftp://example.com/", ErrCallbackNotAbsolute},
		{"/relative", ErrCallbackNotAbsolute},
		{"https://", ErrCallbackNotAbsolute},
		{"https://:443/", ErrCallbackNotAbsolute},
		{"https://%zz/", ErrCallbackNotAbsolute},
	}
	for _, c := range cases {
		if got := CallbackSyntax(c.raw); !errors.Is(got, c.want) || (got == nil) != (c.want == nil) {
			t.Errorf("CallbackSyntax(%.40q) = %v, want %v", c.raw, got, c.want)
		}
	}
}

// FuzzCallbackSyntax: the syntax check never panics and accepts only
// absolute http(s) URLs without spaces or control characters.
func FuzzCallbackSyntax(f *testing.F) {
	for _, s := range []string{"https://example.com/x", "ftp://a", "http://", "http://a b", "http://[::1]:80/", "http://a/\x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lower := strings.ToLower(s)
		if CallbackSyntax(s) == nil && (!(strings.HasPrefix(lower, "http://") || strings.HasPrefix(lower, "https://")) || strings.ContainsAny(s, " \t\r\n\x1b\x7f")) {
			t.Fatalf("accepted %q", s)
		}
	})
}
