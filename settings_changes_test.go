package kassa

import (
	"reflect"
	"testing"
)

func TestSettingsChanges(t *testing.T) {
	old := Settings{MOCallbackURL: "https://a.example/mo", DRCallbackURL: "https://a.example/dr", HTTPForwardMethod: ForwardPostJSON}
	if got := old.Changes(old); got == nil || len(got) != 0 {
		t.Fatalf("no change: got %#v, want an empty, non-nil map", got)
	}
	next := Settings{MOCallbackURL: "https://b.example/mo", DRCallbackURL: old.DRCallbackURL, HTTPForwardMethod: ""}
	want := map[string][2]string{
		"mo_callback_url":     {"https://a.example/mo", "https://b.example/mo"},
		"http_forward_method": {ForwardPostJSON, ""},
	}
	if got := old.Changes(next); !reflect.DeepEqual(got, want) {
		t.Fatalf("Changes = %#v, want %#v", got, want)
	}
}
