package main

import (
	"net/url"
	"strings"
)

// redacted replaces a secret in what kassa prints or logs.
const redacted = "<redacted>"

// redactConnString returns a store setting fit for a log line or
// --print-config: a postgres:// URL as redactURL does, a key=value
// connection string with the value of password (and of any other secret
// parameter) replaced. Anything else is replaced whole.
func redactConnString(raw string) string {
	if raw == "" {
		return ""
	}
	if strings.Contains(raw, "://") {
		return redactURL(raw, false)
	}
	out, ok := redactKeyValues(raw)
	if !ok {
		return redacted
	}
	return out
}

// redactURL returns raw with its password and the values of secret-looking
// query parameters (password, token, secret, key, signature…) replaced, or
// raw itself when it holds none. With hideUser the user name goes too when
// there is no password (a bare https://TOKEN@host carries the token as the
// user). A value that does not parse as a URL is replaced whole: it might
// hold anything.
func redactURL(raw string, hideUser bool) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Opaque != "" {
		return redacted
	}
	hidden := false
	var b strings.Builder
	b.WriteString(u.Scheme + "://")
	if u.User != nil {
		_, hasPassword := u.User.Password()
		switch {
		case hasPassword:
			b.WriteString(u.User.Username() + ":" + redacted + "@")
			hidden = true
		case hideUser:
			b.WriteString(redacted + "@")
			hidden = true
		default:
			b.WriteString(u.User.Username() + "@")
		}
	}
	b.WriteString(u.Host)
	b.WriteString(u.EscapedPath())
	if u.RawQuery != "" || u.ForceQuery {
		q, changed := redactQuery(u.RawQuery)
		b.WriteString("?" + q)
		hidden = hidden || changed
	}
	if u.Fragment != "" {
		b.WriteString("#" + redacted)
		hidden = true
	}
	if !hidden {
		return raw
	}
	return b.String()
}

// redactQuery replaces the values of the secret-looking parameters of a raw
// query, keeping its order and the other values as they were written; it
// reports whether it replaced any.
func redactQuery(raw string) (string, bool) {
	changed := false
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && secretName(name) {
			parts[i] = k + "=" + redacted
			changed = true
		}
	}
	return strings.Join(parts, "&"), changed
}

// secretName reports whether a parameter name looks like it carries a
// credential.
func secretName(name string) bool {
	name = strings.ToLower(name)
	for _, s := range []string{"pass", "pwd", "secret", "token", "key", "sig", "auth", "cred", "session"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

// redactKeyValues replaces the secret values of a libpq key=value
// connection string (host=db password='a b' dbname=kassa), returning raw
// itself when it holds none. It reports false when raw is not in that form.
func redactKeyValues(raw string) (string, bool) {
	var out []string
	changed := false
	s := strings.TrimSpace(raw)
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return "", false
		}
		key := strings.TrimSpace(s[:eq])
		if key == "" || strings.ContainsAny(key, " \t'\\") {
			return "", false
		}
		value, rest, ok := cutValue(strings.TrimLeft(s[eq+1:], " \t"))
		if !ok {
			return "", false
		}
		if secretName(key) {
			value, changed = redacted, true
		}
		out = append(out, key+"="+value)
		s = strings.TrimLeft(rest, " \t")
	}
	if !changed {
		return raw, len(out) > 0
	}
	return strings.Join(out, " "), true
}

// cutValue splits the value at the start of s (bare up to a blank, or
// single-quoted with backslash escapes) from the rest.
func cutValue(s string) (value, rest string, ok bool) {
	if !strings.HasPrefix(s, "'") {
		if i := strings.IndexAny(s, " \t"); i >= 0 {
			return s[:i], s[i:], true
		}
		return s, "", true
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			return s[:i+1], s[i+1:], true
		}
	}
	return "", "", false // an unterminated quote
}
