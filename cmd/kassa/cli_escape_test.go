package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/kassa-dev/kassa"
)

// hostile is what an attacker could have stored in a free-text field
// before the API refused control characters: a title change (OSC with
// BEL), a screen clear and cursor home (CSI), a one-character C1 CSI, DEL,
// a bidi override, a line separator and a byte that is not UTF-8.
const hostile = "ref\x1b]0;pwned\a\x1b[2J\x1b[H\u009b31m\x7f\u202eevil\u2028\xff"

// terminalSafe fails if out holds a byte or character that a terminal
// could act on (anything but graphic text, spaces, tabs and newlines).
func terminalSafe(t *testing.T, what, out string) {
	t.Helper()
	for i := 0; i < len(out); {
		r, size := utf8.DecodeRuneInString(out[i:])
		if r == utf8.RuneError && size == 1 || (!unicode.IsGraphic(r) && r != '\n' && r != '\t') {
			t.Fatalf("%s: character %U at byte %d reaches the terminal:\n%q", what, r, i, out)
		}
		i += size
	}
}

func TestEscapeText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"plain text, 5 € — ok", "plain text, 5 € — ok"},
		{"tab\there\nnewline", `tab\there\nnewline`},
		{"\x1b[2Jclear", `\x1b[2Jclear`},
		{"bell\a", `bell\a`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"del\x7f", `del\x7f`},
		{"\u202eoverride", `\u202eoverride`},
		{"zero\u200bwidth", `zero\u200bwidth`},
		{"bad \xff byte", `bad \xff byte`},
		{"nbsp\u00a0kept", "nbsp\u00a0kept"},
		{`back\slash`, `back\slash`},
	} {
		if got := escapeText(c.in); got != c.want {
			t.Errorf("escapeText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEscapeJSONKeepsTheValue(t *testing.T) {
	in := map[string]string{"reference": hostile, "astral": "\U000e0001tag", "plain": "ok"}
	raw, err := json.MarshalIndent(in, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out := escapeJSON(string(raw))
	terminalSafe(t, "json", out)
	var back map[string]string
	if err := json.Unmarshal([]byte(out), &back); err != nil {
		t.Fatalf("escaped JSON does not parse: %v\n%s", err, out)
	}
	// The encoder already turned the invalid byte into U+FFFD; everything
	// else comes back exactly.
	if back["reference"] != strings.ToValidUTF8(hostile, "\ufffd") || back["astral"] != in["astral"] || back["plain"] != "ok" {
		t.Errorf("round trip changed the values: %q", back)
	}
}

// FuzzEscapeText: whatever the input, the output holds only graphic
// characters and spaces, and printable input is left alone.
func FuzzEscapeText(f *testing.F) {
	for _, s := range []string{"", "plain", hostile, "\t\n\r", "\xc3", "\U0010ffff", "é\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := escapeText(s)
		for i := 0; i < len(out); {
			r, size := utf8.DecodeRuneInString(out[i:])
			if r == utf8.RuneError && size == 1 || !unicode.IsGraphic(r) {
				t.Fatalf("escapeText(%q) = %q holds %U", s, out, r)
			}
			i += size
		}
		if isPrintable(s) && out != s {
			t.Fatalf("printable %q changed to %q", s, out)
		}
	})
}

// TestCLIEscapesStoredText: an entry and an audit event stored with
// terminal escape sequences (data written before the API refused control
// characters) are shown escaped by every output of the CLI: the ledger as
// a table, as CSV and as JSON, one entry vertically, the audit log
// (#13.6).
func TestCLIEscapesStoredText(t *testing.T) {
	s := startCLIServer(t)
	ctx := context.Background()
	err := s.Store.InLedgerTx(ctx, func(tx kassa.LedgerTx) error {
		return tx.Append(&kassa.Entry{Account: cliKey, Kind: kassa.KindCredit, Amount: 1, Reason: "why" + hostile, Reference: hostile})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Store.AppendAudit(ctx, &kassa.AuditEvent{At: cliEpoch, Actor: "admin", Account: cliKey, Action: "note" + hostile,
		RemoteAddr: hostile, Detail: `{"x":"` + strings.ToValidUTF8(hostile, "") + `"}`}); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"admin", "ledger", cliKey},
		{"admin", "ledger", cliKey, "-o", "csv"},
		{"admin", "ledger", cliKey, "-o", "json"},
		{"admin", "audit", "--account", cliKey},
		{"admin", "audit", "--account", cliKey, "-o", "csv"},
		{"admin", "audit", "--account", cliKey, "-o", "json"},
	} {
		r := runCLI(t, "", s.adminEnv(), args...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d: %s", args, r.code, r.stderr)
		}
		terminalSafe(t, strings.Join(args, " "), r.stdout)
		terminalSafe(t, strings.Join(args, " ")+" (stderr)", r.stderr)
		if !strings.Contains(r.stdout, `\u001b`) && !strings.Contains(r.stdout, `\x1b`) {
			t.Errorf("%v: the escape sequence is not shown escaped:\n%s", args, r.stdout)
		}
	}
	// (The server's JSON turned the invalid byte into U+FFFD, which is
	// graphic.)
	r := runCLI(t, "", s.adminEnv(), "admin", "ledger", cliKey)
	if !strings.Contains(r.stdout, `ref\x1b]0;pwned\a\x1b[2J\x1b[H\u009b31m\x7f\u202eevil\u2028`+"\ufffd") {
		t.Errorf("table: the reference is not shown as its escapes:\n%s", r.stdout)
	}
}
