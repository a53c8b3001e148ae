package storetest

import (
	"fmt"
	"sync"
	"testing"
)

// testMeta: EnsureMeta keeps the first value of a key and returns it to
// every later caller, also to many callers at once (nodes starting
// together); SetMeta replaces a value; keys are independent.
func (h harness) testMeta(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	got, err := s.EnsureMeta(ctx, "pepper_fingerprint", "first")
	noErr(t, err, "ensure a new key")
	if got != "first" {
		t.Errorf("EnsureMeta on a new key = %q, want the value given", got)
	}
	got, err = s.EnsureMeta(ctx, "pepper_fingerprint", "second")
	noErr(t, err, "ensure a set key")
	if got != "first" {
		t.Errorf("EnsureMeta on a set key = %q, want the first value", got)
	}
	noErr(t, s.SetMeta(ctx, "probe", "1"), "set a new key")
	noErr(t, s.SetMeta(ctx, "probe", "2"), "set it again")
	if got, err := s.EnsureMeta(ctx, "probe", "3"); err != nil || got != "2" {
		t.Errorf("after SetMeta: EnsureMeta = %q, %v; want the value set last", got, err)
	}
	if got, err := s.EnsureMeta(ctx, "pepper_fingerprint", ""); err != nil || got != "first" {
		t.Errorf("another key's SetMeta changed this one: %q, %v", got, err)
	}

	const callers = 8
	var wg sync.WaitGroup
	results := make([]string, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { results[i], errs[i] = s.EnsureMeta(ctx, "race", fmt.Sprint("node-", i)) })
	}
	wg.Wait()
	for i := range callers {
		noErr(t, errs[i], "concurrent ensure %d", i)
		if results[i] != results[0] {
			t.Fatalf("concurrent EnsureMeta answered %q and %q: one key, two values", results[0], results[i])
		}
	}
}
