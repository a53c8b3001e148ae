package storetest

import (
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testAudit(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	events := []*kassa.AuditEvent{
		{Actor: "admin", Account: "aud00001", Action: "secret.create", RemoteAddr: "192.0.2.1", Detail: `{"id":"x"}`},
		{Actor: "account:aud00001", Account: "aud00001", Action: "settings.update", Detail: `{}`},
		{Actor: "system", Account: "aud00002", Action: "secret.create"},
		{Actor: "platform", Action: "auth.lockout", At: Epoch.Add(-time.Hour)},
	}
	for i, e := range events {
		clock.Set(Epoch.Add(time.Duration(i) * time.Minute))
		noErr(t, s.AppendAudit(ctx, e), "append %s", e.Action)
		if e.ID == 0 || (i > 0 && e.ID <= events[i-1].ID) {
			t.Errorf("event ids not increasing: %d", e.ID)
		}
	}
	sameTime(t, "At from the clock", events[1].At, Epoch.Add(time.Minute))
	sameTime(t, "At given", events[3].At, Epoch.Add(-time.Hour))

	ids := func(list []*kassa.AuditEvent) []int64 {
		var out []int64
		for _, e := range list {
			out = append(out, e.ID)
		}
		return out
	}
	cases := []struct {
		name  string
		f     kassa.AuditFilter
		want  []int
		total int
	}{
		{"all", kassa.AuditFilter{}, []int{3, 2, 1, 0}, 4},
		{"account", kassa.AuditFilter{Account: "aud00001"}, []int{1, 0}, 2},
		{"action", kassa.AuditFilter{Action: "secret.create"}, []int{2, 0}, 2},
		{"both", kassa.AuditFilter{Account: "aud00002", Action: "secret.create"}, []int{2}, 1},
		{"page", kassa.AuditFilter{Offset: 1, Limit: 2}, []int{2, 1}, 4},
		{"none", kassa.AuditFilter{Account: "nobody00"}, nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, total, err := s.ListAudit(ctx, c.f)
			noErr(t, err, "list audit")
			var want []int64
			for _, i := range c.want {
				want = append(want, events[i].ID)
			}
			if got := ids(list); total != c.total || len(got) != len(want) || (len(got) > 0 && !equalInts(got, want)) {
				t.Errorf("ListAudit(%+v) = %v total %d, want %v total %d", c.f, got, total, want, c.total)
			}
		})
	}
	_, _, err := s.ListAudit(ctx, kassa.AuditFilter{Offset: -1})
	wantCode(t, err, kassa.EINVALID)
	list, _, err := s.ListAudit(ctx, kassa.AuditFilter{Limit: 1})
	noErr(t, err, "list audit")
	got := list[0]
	if got.Actor != "platform" || got.Action != "auth.lockout" || got.Account != "" {
		t.Errorf("stored event = %+v", got)
	}
	list, _, err = s.ListAudit(ctx, kassa.AuditFilter{Action: "settings.update"})
	noErr(t, err, "list audit")
	if e := list[0]; e.Actor != "account:aud00001" || e.Detail != `{}` || e.RemoteAddr != "" {
		t.Errorf("stored event = %+v", e)
	}
	list, _, err = s.ListAudit(ctx, kassa.AuditFilter{Offset: 3})
	noErr(t, err, "list audit")
	if e := list[0]; e.RemoteAddr != "192.0.2.1" || e.Detail != `{"id":"x"}` || !e.At.Equal(Epoch) {
		t.Errorf("stored event = %+v", e)
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
