package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

func (h harness) testPriceBooks(t *testing.T) {
	s, clock := h.fresh(t)
	ctx := t.Context()
	active := func(now time.Time) int64 {
		t.Helper()
		v, err := s.ActivePriceBook(ctx, kassa.DefaultPlan, now)
		if kassa.ErrorCode(err) == kassa.ENOTFOUND {
			if v != nil {
				t.Errorf("ActivePriceBook returned %+v with ENOTFOUND", v)
			}
			return 0
		}
		noErr(t, err, "active price book")
		return v.Version
	}
	if got := active(Epoch); got != 0 {
		t.Fatalf("a new store has active version %d", got)
	}
	var versions []*kassa.PriceBookVersion
	for i, name := range []string{"first", "second", "third", "fourth"} {
		clock.Set(Epoch.Add(time.Duration(i) * time.Second))
		v := &kassa.PriceBookVersion{Name: name, Demo: i == 0, Source: "csv", Prices: 10 + i}
		if i == 0 {
			v.DemoTypes = []kassa.ServiceType{kassa.SMSTransit, kassa.Voice}
		}
		chunks := [][]byte{[]byte("data of "), []byte(name), {}, []byte("\x00\xff end")}
		noErr(t, s.CreatePriceBook(ctx, v, chunks), "create %s", name)
		sum := sha256.Sum256(bytes.Join(chunks, nil))
		if v.Checksum != hex.EncodeToString(sum[:]) {
			t.Errorf("checksum = %q, want the sha256 of the chunks back to back", v.Checksum)
		}
		sameTime(t, "CreatedAt", v.CreatedAt, clock.Now())
		if i > 0 && v.Version <= versions[i-1].Version {
			t.Errorf("version %d after %d: want increasing", v.Version, versions[i-1].Version)
		}
		versions = append(versions, v)
	}
	v1, v2, v3, v4 := versions[0].Version, versions[1].Version, versions[2].Version, versions[3].Version

	t.Run("Read", func(t *testing.T) {
		list, err := s.PriceBooks(ctx)
		noErr(t, err, "list")
		if len(list) != 4 || list[0].Version != v4 || list[3].Version != v1 {
			t.Fatalf("PriceBooks not newest first: %+v", list)
		}
		got, err := s.PriceBook(ctx, v2)
		noErr(t, err, "price book")
		if got.Name != "second" || got.Demo || len(got.DemoTypes) != 0 || got.Source != "csv" || got.Prices != 11 || got.Checksum != versions[1].Checksum || !got.ActivatedAt.IsZero() {
			t.Errorf("PriceBook = %+v", got)
		}
		got, err = s.PriceBook(ctx, v1)
		noErr(t, err, "price book")
		if !got.Demo || !slices.Equal(got.DemoTypes, []kassa.ServiceType{kassa.SMSTransit, kassa.Voice}) {
			t.Errorf("demo version: Demo %v, DemoTypes %v; want true, [sms-transit voice]", got.Demo, got.DemoTypes)
		}
		var chunks []string
		noErr(t, s.ReadPriceBook(ctx, v3, func(chunk []byte) error {
			chunks = append(chunks, string(chunk))
			return nil
		}), "read chunks")
		if want := []string{"data of ", "third", "", "\x00\xff end"}; !slices.Equal(chunks, want) {
			t.Errorf("ReadPriceBook chunks = %q, want %q (order and boundaries kept)", chunks, want)
		}
		stop := errors.New("stop")
		calls := 0
		err = s.ReadPriceBook(ctx, v3, func([]byte) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("ReadPriceBook with fn failing: %v after %d calls, want fn's error after 1", err, calls)
		}
		_, err = s.PriceBook(ctx, v4+100)
		wantCode(t, err, kassa.ENOTFOUND)
		wantCode(t, s.ReadPriceBook(ctx, v4+100, func([]byte) error { return nil }), kassa.ENOTFOUND)
		wantCode(t, s.ActivatePriceBook(ctx, v4+100, time.Time{}), kassa.ENOTFOUND)
	})

	t.Run("Activate", func(t *testing.T) {
		now := Epoch.Add(time.Minute)
		clock.Set(now)
		noErr(t, s.ActivatePriceBook(ctx, v1, now), "activate v1")
		if got := active(now); got != v1 {
			t.Fatalf("active = %d, want v1 %d", got, v1)
		}
		got, err := s.PriceBook(ctx, v1)
		noErr(t, err, "price book")
		sameTime(t, "ActivatedAt", got.ActivatedAt, now)
		sameTime(t, "EffectiveAt", got.EffectiveAt, now)
		if !got.Active(now) {
			t.Error("v1 does not report itself active")
		}
		if got := active(now.Add(-time.Second)); got != 0 {
			t.Errorf("before its effective time: active = %d, want none", got)
		}

		// v2 is scheduled an hour ahead: v1 stays active until then.
		at := now.Add(time.Hour)
		clock.Advance(time.Second)
		noErr(t, s.ActivatePriceBook(ctx, v2, at), "schedule v2")
		if got := active(clock.Now()); got != v1 {
			t.Errorf("before v2's time: active = %d, want v1 %d", got, v1)
		}
		if got := active(at.Add(-time.Microsecond)); got != v1 {
			t.Errorf("just before v2's time: active = %d, want v1 %d", got, v1)
		}
		if got := active(at); got != v2 {
			t.Errorf("at v2's time: active = %d, want v2 %d", got, v2)
		}

		// v3 and v4 take effect at the same moment: the later activation wins.
		same := now.Add(2 * time.Hour)
		clock.Advance(time.Second)
		noErr(t, s.ActivatePriceBook(ctx, v3, same), "activate v3")
		clock.Advance(time.Second)
		noErr(t, s.ActivatePriceBook(ctx, v4, same), "activate v4")
		if got := active(same); got != v4 {
			t.Errorf("v3 then v4 at the same time: active = %d, want v4 %d", got, v4)
		}
		clock.Advance(time.Second)
		noErr(t, s.ActivatePriceBook(ctx, v3, same), "activate v3 again")
		if got := active(same.Add(time.Minute)); got != v3 {
			t.Errorf("v3 re-activated last: active = %d, want v3 %d", got, v3)
		}
		if got := active(at.Add(time.Minute)); got != v2 {
			t.Errorf("between v2's and v3's times: active = %d, want v2 %d", got, v2)
		}

		// A zero effective time means now.
		clock.Set(same.Add(time.Hour))
		noErr(t, s.ActivatePriceBook(ctx, v1, time.Time{}), "activate v1 now")
		if got := active(clock.Now()); got != v1 {
			t.Errorf("v1 activated with a zero time: active = %d, want v1 %d", got, v1)
		}
	})
}
