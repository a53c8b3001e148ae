package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/kassa-dev/kassa"
)

// PriceBookVersion is one stored version of the price book as the admin
// API shows it. Times not set yet are zero (null on the wire).
type PriceBookVersion struct {
	Version int64  `json:"version"`
	Plan    string `json:"plan"` // the price plan whose version it is
	Name    string `json:"name"`
	Demo    bool   `json:"demo"` // some prices are made-up demo prices, not real ones
	// DemoTypes lists the service types whose prices are demo prices (all
	// three for the demo tariff; fewer after a deck replaced some).
	DemoTypes   []kassa.ServiceType `json:"demo_types"`
	Source      string              `json:"source"` // "demo", "csv", "json"
	Checksum    string              `json:"checksum"`
	Prices      int                 `json:"prices"` // number of price lines
	CreatedAt   time.Time           `json:"created_at,omitzero"`
	ActivatedAt time.Time           `json:"activated_at,omitzero"`
	EffectiveAt time.Time           `json:"effective_at,omitzero"`
	Active      bool                `json:"active"`    // the version in effect now
	Scheduled   bool                `json:"scheduled"` // activated to take effect later
}

// PriceBookList is every stored version, newest first, and the version in
// effect now (0 when none is).
type PriceBookList struct {
	Versions []PriceBookVersion `json:"versions"`
	Active   int64              `json:"active"`
}

// PriceBookImport is the answer to ImportPriceBook: the new version (not
// yet active), the service types the deck replaced, and the version the
// other types were copied from (0 when none were).
type PriceBookImport struct {
	PriceBookVersion
	ReplacedTypes []kassa.ServiceType `json:"replaced_types"`
	CopiedFrom    int64               `json:"copied_from"`
}

// ImportOptions describe a rate deck sent to ImportPriceBook.
type ImportOptions struct {
	// Type is the service type of the deck's rows; required for JSON, and
	// for CSV without a type column.
	Type kassa.ServiceType
	// Format is "csv" or "json".
	Format string
	// Currency is the currency of CSV rows without a currency column
	// (EUR when empty).
	Currency string
	// Name names the new version ("CSV import" or "JSON import" when empty).
	Name string
	// Base is "active" (the server's default when empty: types the deck does
	// not price are copied from the version in use) or "none".
	Base string
	// Plan is the price plan the version belongs to ("default" when
	// empty).
	Plan string
	// Size is the deck's length in bytes when known (sent as
	// Content-Length; the upload is chunked otherwise).
	Size int64
	// Progress, when set, is called as the deck is sent with the bytes sent
	// so far and Size.
	Progress func(sent, total int64)
}

// PriceBookExport selects what ExportPriceBook writes.
type PriceBookExport struct {
	Type     kassa.ServiceType // required
	Format   string            // "csv" (the server's default when empty) or "json"
	Currency string            // of a JSON export; EUR when empty
}

const priceBooksPath = "/admin/v1/pricebooks"

// versionPath is the path of one version; version 0 means the active one.
func versionPath(version int64) string {
	if version == 0 {
		return priceBooksPath + "/active"
	}
	return priceBooksPath + "/" + strconv.FormatInt(version, 10)
}

// PriceBooks lists every price-book version, newest first (GET
// /admin/v1/pricebooks).
func (c *Client) PriceBooks(ctx context.Context) (*PriceBookList, error) {
	r := &request{method: http.MethodGet, path: priceBooksPath, auth: authAdmin}
	var l PriceBookList // "active": null leaves 0
	if err := c.getJSON(ctx, r, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// PriceBook returns one version; 0 means the one in effect now.
func (c *Client) PriceBook(ctx context.Context, version int64) (*PriceBookVersion, error) {
	r := &request{method: http.MethodGet, path: versionPath(version), auth: authAdmin}
	var v PriceBookVersion
	if err := c.getJSON(ctx, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ActivatePriceBook activates a version (0: the active one again) at
// effectiveAt; the zero time means now, a future time schedules it.
func (c *Client) ActivatePriceBook(ctx context.Context, version int64, effectiveAt time.Time) (*PriceBookVersion, error) {
	r := &request{method: http.MethodPost, path: versionPath(version) + "/activate", auth: authAdmin}
	body := map[string]string{}
	if !effectiveAt.IsZero() {
		body["effective_at"] = effectiveAt.UTC().Format(time.RFC3339)
	}
	if err := r.jsonBody(body); err != nil {
		return nil, err
	}
	var v PriceBookVersion
	if err := c.getJSON(ctx, r, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// ImportPriceBook sends a rate deck (POST /admin/v1/pricebooks), streaming
// it from deck, and returns the new version, which is not active yet. A
// rejected deck is an *Error whose InvalidParams name each bad line and
// column. The upload is not retried: deck is read once.
func (c *Client) ImportPriceBook(ctx context.Context, deck io.Reader, o ImportOptions) (*PriceBookImport, error) {
	q := url.Values{}
	setNonEmpty(q, "type", string(o.Type))
	setNonEmpty(q, "format", o.Format)
	setNonEmpty(q, "currency", o.Currency)
	setNonEmpty(q, "name", o.Name)
	setNonEmpty(q, "base", o.Base)
	setNonEmpty(q, "plan", o.Plan)
	r := &request{method: http.MethodPost, path: priceBooksPath, query: q, auth: authAdmin, contentType: deckContentType(o.Format)}
	req, err := c.newHTTPRequest(ctx, r)
	if err != nil {
		return nil, err
	}
	body := &progressReader{r: deck, total: o.Size, report: o.Progress}
	req.Body = io.NopCloser(body)
	req.ContentLength = -1
	if o.Size > 0 {
		req.ContentLength = o.Size
	}
	resp, err := c.send(r, req)
	if err != nil {
		return nil, err
	}
	var out PriceBookImport // "copied_from": null leaves 0
	if err := resp.decode(r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// deckContentType is the media type of a deck format.
func deckContentType(format string) string {
	if format == "json" {
		return "application/json"
	}
	return "text/csv"
}

// ExportPriceBook writes one service type of a version (0: the one in
// effect now) to w as a deck that ImportPriceBook reads back, and returns
// the number of bytes written. JSON is the get-full-pricing answer. The
// deck is streamed to w; the request is not retried.
func (c *Client) ExportPriceBook(ctx context.Context, version int64, e PriceBookExport, w io.Writer) (int64, error) {
	q := url.Values{}
	setNonEmpty(q, "type", string(e.Type))
	setNonEmpty(q, "format", e.Format)
	setNonEmpty(q, "currency", e.Currency)
	r := &request{method: http.MethodGet, path: versionPath(version) + "/export", query: q, auth: authAdmin}
	req, err := c.newHTTPRequest(ctx, r)
	if err != nil {
		return 0, err
	}
	hr, err := c.http.Do(req)
	if err != nil {
		return 0, c.connError(r, err)
	}
	defer hr.Body.Close()
	if hr.StatusCode < 200 || hr.StatusCode > 299 {
		body, _ := io.ReadAll(io.LimitReader(hr.Body, maxResponseBytes))
		return 0, parseError(r.method, r.path, hr, body)
	}
	n, err := io.Copy(w, hr.Body)
	if err != nil {
		return n, fmt.Errorf("%s %s: copy the export: %w", r.method, r.path, err)
	}
	return n, nil
}

// progressReader counts the bytes read through it and reports them.
type progressReader struct {
	r      io.Reader
	sent   int64
	total  int64
	report func(sent, total int64)
}

// Read implements io.Reader.
func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.sent += int64(n)
		if p.report != nil {
			p.report(p.sent, p.total)
		}
	}
	return n, err
}
