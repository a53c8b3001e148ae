package main

import (
	"fmt"
	"os"
	"strings"
)

// envSecret returns the secret in the environment variable name, or else the
// content of the file that name_FILE points to (trailing newlines trimmed),
// or "" when neither is set. Setting both is refused: one of them would be
// silently ignored.
func envSecret(e *env, name string) (string, error) {
	v, path := e.getenv(name), e.getenv(name+"_FILE")
	switch {
	case v != "" && path != "":
		return "", usageError("%s and %s_FILE are both set: use one", name, name)
	case path != "":
		return readSecretFile(name+"_FILE", path)
	}
	return v, nil
}

// readSecretFile reads a secret from path; setting names the setting for the
// error message (which never contains the secret).
func readSecretFile(setting, path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", usageError("%s: cannot read %s: %v", setting, path, unwrapPathError(err))
	}
	s := strings.TrimRight(string(data), "\r\n")
	if s == "" {
		return "", usageError("%s: %s is empty", setting, path)
	}
	return s, nil
}

// unwrapPathError drops the path that *os.PathError repeats.
func unwrapPathError(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return fmt.Errorf("%w", err)
}
