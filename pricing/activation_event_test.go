package pricing

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
)

// TestActivationWritesEvent: each activation writes one pricebook.activated
// event with the version's description, in the activation's transaction;
// an activation of a missing version writes none.
func TestActivationWritesEvent(t *testing.T) {
	ctx := context.Background()
	clock := newTestClock()
	store := openSQLite(t, clock.Now)
	svc := NewService(store, testRef(), ServiceOptions{Logger: quiet, Now: clock.Now})
	v, err := svc.Import(ctx, gbBook("0.01"), "csv")
	if err != nil {
		t.Fatal(err)
	}
	at := clock.Now().Add(time.Hour)
	if err := svc.Activate(ctx, v.Version, at); err != nil {
		t.Fatal(err)
	}
	if err := svc.Activate(ctx, v.Version+100, time.Time{}); kassa.ErrorCode(err) != kassa.ENOTFOUND {
		t.Fatalf("activate a missing version: %v", err)
	}
	list, err := store.ListEvents(ctx, kassa.EventFilter{Types: []string{kassa.EventPriceBookActivated}})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Account != "" {
		t.Fatalf("pricebook.activated events = %+v, want one about no account", list)
	}
	var d kassa.PriceBookActivatedData
	if err := json.Unmarshal(list[0].Data, &d); err != nil {
		t.Fatal(err)
	}
	want := kassa.PriceBookActivatedData{Version: v.Version, Plan: kassa.DefaultPlan, Name: v.Name, Demo: v.Demo, Prices: v.Prices,
		Checksum: v.Checksum, EffectiveAt: at.UTC().Format(time.RFC3339Nano)}
	if d != want {
		t.Errorf("event data = %+v, want %+v", d, want)
	}
	if !list[0].CreatedAt.Equal(clock.Now()) {
		t.Errorf("event time %v, want the activation's %v", list[0].CreatedAt, clock.Now())
	}
}
