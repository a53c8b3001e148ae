package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/internal/deckgen"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/refdata"
	"github.com/kassa-dev/kassa/sqlite"
)

// BenchmarkPriceBookImport compares importing the demo tariff's sms deck
// (CSV, every reference country and network) through POST
// /admin/v1/pricebooks with the baseline of the same work in process
// (ParseCSV, Merge over the active book, Service.Import).
func BenchmarkPriceBookImport(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ref := refdata.Default()
	svc := pricing.NewService(db, ref, pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	if err := svc.EnsureDefault(ctx); err != nil {
		b.Fatal(err)
	}
	var deck bytes.Buffer
	if err := pricing.ExportCSV(&deck, svc.Current(), kassa.SMS); err != nil {
		b.Fatal(err)
	}
	b.Run("baseline_in_process", func(b *testing.B) {
		b.SetBytes(int64(deck.Len()))
		for b.Loop() {
			book, err := pricing.ParseCSV(bytes.NewReader(deck.Bytes()), pricing.CSVOptions{Type: kassa.SMS, Ref: ref})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := svc.Import(ctx, pricing.Merge(svc.Current().Book(), book, kassa.SMS), "csv"); err != nil {
				b.Fatal(err)
			}
		}
	})
	srv := httptest.NewServer(New(Config{Store: db, Pricing: svc, AdminToken: testAdminToken, Now: time.Now}))
	defer srv.Close()
	b.Run("admin_api", func(b *testing.B) {
		b.SetBytes(int64(deck.Len()))
		for b.Loop() {
			r, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/v1/pricebooks?type=sms", bytes.NewReader(deck.Bytes()))
			r.Header.Set("Authorization", "Bearer "+testAdminToken)
			r.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkPriceBookImportScale imports a million-row country,prefix,price
// deck (internal/deckgen) through POST /admin/v1/pricebooks?base=none into
// a SQLite store, against the baseline of a plain encoding/csv read of the
// same bytes, in the same run:
//
//	go test ./httpapi -run XXX -bench PriceBookImportScale -benchtime 5x
func BenchmarkPriceBookImportScale(b *testing.B) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "kassa.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc := pricing.NewService(db, refdata.Default(), pricing.ServiceOptions{Logger: slog.New(slog.DiscardHandler)})
	var deck bytes.Buffer
	if err := deckgen.Write(&deck, refdata.Default(), 1_000_000); err != nil {
		b.Fatal(err)
	}
	b.Run("csv_read_baseline", func(b *testing.B) {
		b.SetBytes(int64(deck.Len()))
		for b.Loop() {
			r := csv.NewReader(bytes.NewReader(deck.Bytes()))
			for {
				if _, err := r.Read(); err == io.EOF {
					break
				} else if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	srv := httptest.NewServer(New(Config{Store: db, Pricing: svc, AdminToken: testAdminToken, Now: time.Now}))
	defer srv.Close()
	b.Run("admin_api", func(b *testing.B) {
		b.SetBytes(int64(deck.Len()))
		for b.Loop() {
			r, _ := http.NewRequest(http.MethodPost, srv.URL+"/admin/v1/pricebooks?type=sms&base=none", bytes.NewReader(deck.Bytes()))
			r.Header.Set("Authorization", "Bearer "+testAdminToken)
			r.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				b.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}
