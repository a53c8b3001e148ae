package schema

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

func TestLoad(t *testing.T) {
	fsys := fstest.MapFS{
		"m/0003_meta.sql":  {Data: []byte("C")},
		"m/0001_init.sql":  {Data: []byte("A")},
		"m/0010_later.sql": {Data: []byte("D")},
		"m/README":         {Data: []byte("not a migration")},
	}
	all, err := Load(fsys, "m")
	if err != nil {
		t.Fatal(err)
	}
	var got []int
	for _, m := range all {
		got = append(got, m.Version)
	}
	if !slices.Equal(got, []int{1, 3, 10}) || all[1].SQL != "C" || all[1].Name != "0003_meta.sql" || Latest(all) != 10 {
		t.Errorf("Load = %+v", all)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"m/init.sql": {}},
		"zero":      {"m/0000_x.sql": {}},
		"duplicate": {"m/0002_a.sql": {}, "m/0002_b.sql": {}},
	} {
		if _, err := Load(fsys, "m"); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func TestCompare(t *testing.T) {
	all := []Migration{{Version: 1}, {Version: 3}, {Version: 4}}
	cases := []struct {
		name    string
		applied []int
		current error // CheckCurrent
		notNew  error // CheckNotNewer
		advice  string
	}{
		{"empty", nil, ErrBehind, nil, "run `kassa migrate` first"},
		{"a gap filled later", []int{1, 4}, ErrBehind, nil, "migration 3 not applied"},
		{"current", []int{1, 3, 4}, nil, nil, ""},
		{"newer", []int{1, 3, 4, 7}, ErrTooNew, ErrTooNew, "upgrade kassa"},
		{"newer in a gap", []int{1, 2}, ErrTooNew, ErrTooNew, "migration 2 unknown"},
	}
	for _, c := range cases {
		s := Compare(all, c.applied)
		err := s.CheckCurrent()
		if !errors.Is(err, c.current) || (c.current == nil) != (err == nil) {
			t.Errorf("%s: CheckCurrent = %v, want %v", c.name, err, c.current)
		}
		if err := s.CheckNotNewer(); !errors.Is(err, c.notNew) || (c.notNew == nil) != (err == nil) {
			t.Errorf("%s: CheckNotNewer = %v, want %v", c.name, err, c.notNew)
		}
		if c.advice != "" && (err == nil || !strings.Contains(err.Error(), c.advice)) {
			t.Errorf("%s: %v does not say %q", c.name, err, c.advice)
		}
	}
	if s := Compare(all, []int{1, 4}); s.Version != 4 || s.Latest != 4 || !slices.Equal(s.Pending, []int{3}) {
		t.Errorf("status %+v", s)
	}
}
