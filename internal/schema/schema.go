// Package schema is what the two stores share about their numbered
// migrations: reading the embedded files, comparing the migrations a
// database has applied with those this binary knows, and the errors that
// tell the operator what to do (run `kassa migrate`, or upgrade kassa).
// Each store runs the SQL itself.
package schema

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered schema change.
type Migration struct {
	Version int
	Name    string // the file name, "0001_init.sql"
	SQL     string
}

// Load returns the migrations of the *.sql files in dir of fsys, ordered by
// number. A file name starts with its number and an underscore; numbers are
// unique, gaps are allowed (features land in any order).
func Load(fsys fs.FS, dir string) ([]Migration, error) {
	names, err := fs.Glob(fsys, path.Join(dir, "*.sql"))
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, name := range names {
		base := path.Base(name)
		num, _, ok := strings.Cut(base, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a number and an underscore", base)
		}
		text, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: base, SQL: string(text)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same number", out[i-1].Name, out[i].Name)
		}
	}
	return out, nil
}

// Latest is the highest number of the migrations, 0 when there is none.
func Latest(all []Migration) int {
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}

// ErrTooNew is wrapped by the error for a database that has applied a
// migration this binary does not know (a newer kassa migrated it).
var ErrTooNew = errors.New("database schema is newer than this kassa binary supports")

// ErrBehind is wrapped by the error for a database that lacks migrations
// this binary knows, when it must not migrate (kassa serve --no-migrate).
var ErrBehind = errors.New("database schema is older than this kassa binary needs")

// Status compares a database's applied migrations with the known ones.
type Status struct {
	Version int   // the highest migration applied; 0 for an empty database
	Latest  int   // the highest migration this binary knows
	Pending []int // known migrations the database has not applied, in order
	Unknown []int // applied migrations this binary does not know
}

// Compare builds the Status of a database that applied the given versions.
func Compare(all []Migration, applied []int) Status {
	s := Status{Latest: Latest(all)}
	known := make(map[int]bool, len(all))
	for _, m := range all {
		known[m.Version] = true
	}
	done := make(map[int]bool, len(applied))
	for _, v := range applied {
		done[v] = true
		s.Version = max(s.Version, v)
		if !known[v] {
			s.Unknown = append(s.Unknown, v)
		}
	}
	for _, m := range all {
		if !done[m.Version] {
			s.Pending = append(s.Pending, m.Version)
		}
	}
	slices.Sort(s.Unknown)
	return s
}

// CheckNotNewer refuses a database that a newer kassa migrated: an old
// binary never writes into a schema it does not understand.
func (s Status) CheckNotNewer() error {
	if len(s.Unknown) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the schema is at version %d (migration %s unknown here), this kassa knows up to %d: upgrade kassa",
		ErrTooNew, s.Version, joinInts(s.Unknown), s.Latest)
}

// CheckCurrent refuses a database that is not exactly at this binary's
// schema: newer (upgrade kassa) or lacking migrations (run kassa migrate).
func (s Status) CheckCurrent() error {
	if err := s.CheckNotNewer(); err != nil {
		return err
	}
	if len(s.Pending) == 0 {
		return nil
	}
	return fmt.Errorf("%w: the schema is at version %d and this kassa needs %d (migration %s not applied): run `kassa migrate` first",
		ErrBehind, s.Version, s.Latest, joinInts(s.Pending))
}

// joinInts writes 3, 4 and 5 as "3, 4, 5".
func joinInts(vs []int) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = strconv.Itoa(v)
	}
	return strings.Join(parts, ", ")
}
