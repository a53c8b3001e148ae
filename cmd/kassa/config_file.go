package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
)

// readConfigFile reads a config file (--config, KASSA_CONFIG): one
// KEY=VALUE per line, KEY being a setting's environment variable name
// (KASSA_ADDR=0.0.0.0:8080), so that one file serves both --config and a
// systemd EnvironmentFile. Blank lines and lines starting with '#' are
// skipped; a value may be wrapped in double or single quotes; lists are
// comma-separated. An unknown or repeated key is an error, so that a typo
// does not go unnoticed.
func readConfigFile(path string, settings []setting) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, usageError("--config: cannot read %s: %v", path, unwrapPathError(err))
	}
	defer f.Close()
	vals, err := parseConfig(f, settings)
	if err != nil {
		return nil, usageError("--config %s: %v", path, err)
	}
	return vals, nil
}

// parseConfig parses the KEY=VALUE format of readConfigFile.
func parseConfig(r io.Reader, settings []setting) (map[string]string, error) {
	known := knownConfigKeys(settings)
	vals := map[string]string{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" {
			return nil, fmt.Errorf("line %d: want KEY=VALUE", n)
		}
		if !known[key] {
			return nil, fmt.Errorf("line %d: unknown setting %q (keys are the KASSA_* environment variable names)", n, truncate(key, 64))
		}
		if _, dup := vals[key]; dup {
			return nil, fmt.Errorf("line %d: %s is set twice", n, key)
		}
		vals[key] = unquote(strings.TrimSpace(val))
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return vals, nil
}

// knownConfigKeys are the keys a config file may set.
func knownConfigKeys(settings []setting) map[string]bool {
	known := map[string]bool{}
	for _, s := range settings {
		known[s.env] = true
		if s.secret {
			known[s.env+"_FILE"] = true
		}
	}
	return known
}

// unquote removes one pair of matching surrounding quotes.
func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		inner := s[1 : len(s)-1]
		if s[0] == '"' {
			inner = strings.ReplaceAll(inner, `\"`, `"`)
		}
		return inner
	}
	return s
}

// truncate shortens s to at most n bytes for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
