package kassatest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/kassa-dev/kassa/emulator"
	"github.com/kassa-dev/kassa/server"
)

// template is the data directory of the process's first test server right
// after its first-start setup: the pepper and the emulator's base snapshot
// (the demo tariff imported and active). Later servers start from a copy,
// so that the tariff is not imported again; its compiled snapshot is shared
// through the emulator's price cache. It is kept in memory (a few hundred
// KiB), never in a file outside the tests' temporary directories.
var template struct {
	mu     sync.Mutex
	pepper []byte
	base   []byte
}

// Paths of the template's files in a data directory.
func pepperPath(data string) string { return filepath.Join(data, server.PepperFile) }
func basePath(data string) string   { return emulator.BaseSnapshot(data) }

// seedData writes the template into a new data directory, when there is
// one yet.
func seedData(data string) error {
	template.mu.Lock()
	defer template.mu.Unlock()
	if template.base == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(basePath(data)), 0o700); err != nil {
		return fmt.Errorf("kassatest: %w", err)
	}
	if err := os.WriteFile(pepperPath(data), template.pepper, 0o600); err != nil {
		return fmt.Errorf("kassatest: %w", err)
	}
	if err := os.WriteFile(basePath(data), template.base, 0o600); err != nil {
		return fmt.Errorf("kassatest: %w", err)
	}
	return nil
}

// keepTemplate keeps the data directory of a started server as the
// template, unless there is one.
func keepTemplate(data string) error {
	template.mu.Lock()
	defer template.mu.Unlock()
	if template.base != nil {
		return nil
	}
	pepper, err := os.ReadFile(pepperPath(data))
	if err != nil {
		return fmt.Errorf("kassatest: keep the template: %w", err)
	}
	base, err := os.ReadFile(basePath(data))
	if err != nil {
		return fmt.Errorf("kassatest: keep the template: %w", err)
	}
	if len(base) == 0 {
		return errors.New("kassatest: keep the template: empty base snapshot")
	}
	template.pepper, template.base = pepper, base
	return nil
}
