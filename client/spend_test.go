package client_test

import (
	"errors"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// TestSpendControls: the client sets and reads spend controls (removing one
// with RemoveControl), and a charge past a cap fails with an Error whose
// SpendCap names the cap.
func TestSpendControls(t *testing.T) {
	ts := startPricedKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	got, err := c.SetSpendControls(ctx, testKey, client.SpendControlsChange{
		LowBalanceThreshold: client.SetControl(kassa.MustParseAmount("1")),
		DailyCap:            client.SetControl(kassa.MustParseAmount("0")),
		MonthlyCap:          client.SetControl(kassa.MustParseAmount("500")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got.DailyCap == nil || *got.DailyCap != 0 || got.MonthlyCap == nil || *got.LowBalanceThreshold != kassa.MustParseAmount("1") ||
		got.SpentToday == nil || *got.SpentToday != 0 || got.Currency != "EUR" || got.DayResetsAt.IsZero() {
		t.Fatalf("set = %+v", got)
	}
	_, err = serviceClient(ts).Charge(ctx, client.ChargeRequest{Account: testKey, Type: kassa.SMS, To: "447700900123", Units: 1})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.KassaCode() != kassa.ESPENDCAP || ce.Status != 403 || ce.SpendCap == nil {
		t.Fatalf("charge past a zero daily cap: %v", err)
	}
	if sc := ce.SpendCap; sc.Account != testKey || sc.Cap != "daily" || sc.Limit != 0 || sc.Spent != 0 || sc.Amount <= 0 ||
		sc.Currency != "EUR" || !sc.ResetsAt.Equal(got.DayResetsAt) {
		t.Errorf("SpendCap = %+v", sc)
	}
	got, err = c.SetSpendControls(ctx, testKey, client.SpendControlsChange{DailyCap: client.RemoveControl()})
	if err != nil || got.DailyCap != nil || got.MonthlyCap == nil {
		t.Fatalf("remove the daily cap: %+v %v", got, err)
	}
	if _, err := serviceClient(ts).Charge(ctx, client.ChargeRequest{Account: testKey, Type: kassa.SMS, To: "447700900123", Units: 1}); err != nil {
		t.Fatalf("charge without the daily cap: %v", err)
	}
	read, err := c.SpendControls(ctx, testKey)
	if err != nil || read.SpentToday == nil || *read.SpentToday <= 0 {
		t.Fatalf("read %+v %v", read, err)
	}
}
