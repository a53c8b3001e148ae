package server

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/auth"
)

// Files a server keeps in its data directory.
const (
	DBFile           = "kassa.db"
	PepperFile       = "pepper"        // hex key of the secret hashes
	AdminTokenFile   = "admin-token"   // the admin API token when not configured
	ServiceTokenFile = "service-token" // the platform API token when not configured
)

// Demo account defaults.
var (
	DemoBalance = kassa.MustParseAmount("10.00")
	DemoTrx     = "demo-trx"
)

// resolveToken returns the configured token, else the one stored at path,
// else a new one that it stores there (generated reports that case).
func resolveToken(configured, path string) (token string, generated bool, err error) {
	if configured != "" {
		return configured, false, nil
	}
	data, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(data)) != "" {
		return strings.TrimSpace(string(data)), false, nil
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", false, fmt.Errorf("read token: %w", err)
	}
	token = hex.EncodeToString(auth.NewPepper())
	if err := writeNewFile(path, token+"\n"); err != nil {
		return "", false, fmt.Errorf("write token: %w", err)
	}
	return token, true, nil
}

// writeNewFile writes a private file that must not exist yet.
func writeNewFile(path, content string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
