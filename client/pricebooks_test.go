package client_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

const clientDeck = "country,price\nGB,0.05\nDE,0.07\nUS,0.009\n"

// TestPriceBookLifecycle imports a deck with progress, activates it, sees
// the public API answer it, and round-trips its JSON export.
func TestPriceBookLifecycle(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	l, err := c.PriceBooks(ctx)
	if err != nil || len(l.Versions) != 0 || l.Active != 0 {
		t.Fatalf("empty store: %+v, %v", l, err)
	}
	var reports [][2]int64
	imp, err := c.ImportPriceBook(ctx, strings.NewReader(clientDeck), client.ImportOptions{
		Type: kassa.SMS, Format: "csv", Name: "December", Size: int64(len(clientDeck)),
		Progress: func(sent, total int64) { reports = append(reports, [2]int64{sent, total}) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if imp.Version != 1 || imp.Name != "December" || imp.Source != "csv" || imp.Prices != 3 || imp.Active || !imp.ActivatedAt.IsZero() || imp.CopiedFrom != 0 || len(imp.ReplacedTypes) != 1 {
		t.Fatalf("import = %+v", imp)
	}
	if len(reports) == 0 || reports[len(reports)-1] != [2]int64{int64(len(clientDeck)), int64(len(clientDeck))} {
		t.Fatalf("progress reports %v", reports)
	}
	v, err := c.ActivatePriceBook(ctx, imp.Version, time.Time{})
	if err != nil || !v.Active || v.ActivatedAt.IsZero() {
		t.Fatalf("activate = %+v, %v", v, err)
	}
	gb, err := accountClient(ts).CountryPricing(ctx, kassa.SMS, "GB")
	if err != nil || gb.DefaultPrice != kassa.MustParseAmount("0.05") {
		t.Fatalf("GB after activation: %+v, %v", gb, err)
	}
	// Export (chunked upload this time: no Size), import, activate, export.
	var first bytes.Buffer
	if _, err := c.ExportPriceBook(ctx, 0, client.PriceBookExport{Type: kassa.SMS, Format: "json"}, &first); err != nil {
		t.Fatal(err)
	}
	again, err := c.ImportPriceBook(ctx, bytes.NewReader(first.Bytes()), client.ImportOptions{Type: kassa.SMS, Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	if again.CopiedFrom != 1 {
		t.Errorf("copied from %d, want 1 (base=active is the default)", again.CopiedFrom)
	}
	if _, err := c.ActivatePriceBook(ctx, again.Version, time.Time{}); err != nil {
		t.Fatal(err)
	}
	var second bytes.Buffer
	if _, err := c.ExportPriceBook(ctx, again.Version, client.PriceBookExport{Type: kassa.SMS, Format: "json"}, &second); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first.Bytes(), second.Bytes()) {
		t.Errorf("exports differ after a round trip:\n%s\n%s", first.Bytes(), second.Bytes())
	}
	l, err = c.PriceBooks(ctx)
	if err != nil || len(l.Versions) != 2 || l.Active != again.Version || !l.Versions[0].Active || l.Versions[1].Active {
		t.Fatalf("list = %+v, %v", l, err)
	}
	one, err := c.PriceBook(ctx, 1)
	if err != nil || one.Version != 1 || one.Active || one.Checksum != imp.Checksum {
		t.Fatalf("version 1 = %+v, %v", one, err)
	}
}

func TestPriceBookErrors(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	_, err := c.ImportPriceBook(ctx, strings.NewReader("country,price\nGB,0.05\nDE,lots\n"), client.ImportOptions{Type: kassa.SMS, Format: "csv"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 400 || ce.KassaCode() != kassa.EINVALID || len(ce.InvalidParams) != 1 ||
		ce.InvalidParams[0].Name != `line 3, column "price"` || !strings.Contains(ce.InvalidParams[0].Reason, "bad number") {
		t.Fatalf("bad deck: %#v", err)
	}
	_, err = c.ActivatePriceBook(ctx, 42, time.Time{})
	if !errors.As(err, &ce) || ce.KassaCode() != kassa.ENOTFOUND {
		t.Fatalf("unknown version: %v", err)
	}
	var out bytes.Buffer
	if _, err := c.ExportPriceBook(ctx, 0, client.PriceBookExport{Type: kassa.SMS}, &out); !errors.As(err, &ce) || ce.Status != 404 || out.Len() != 0 {
		t.Fatalf("export with nothing active: %v, %q", err, out.String())
	}
	if _, err := client.New(ts.URL, client.WithAdminToken("wrong")).PriceBooks(ctx); !errors.As(err, &ce) || ce.KassaCode() != kassa.EUNAUTHORIZED {
		t.Fatalf("wrong token: %v", err)
	}
}

func TestPriceBookScheduled(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := adminClient(ts)
	imp, err := c.ImportPriceBook(ctx, strings.NewReader(clientDeck), client.ImportOptions{Type: kassa.Voice})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	v, err := c.ActivatePriceBook(ctx, imp.Version, at)
	if err != nil || v.Active || !v.Scheduled || !v.EffectiveAt.Equal(at) {
		t.Fatalf("scheduled = %+v, %v", v, err)
	}
	if l, err := c.PriceBooks(ctx); err != nil || l.Active != 0 {
		t.Fatalf("list = %+v, %v", l, err)
	}
}
