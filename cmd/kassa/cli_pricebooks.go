package main

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// demoNote marks the demo tariff in listings.
const demoNote = "demo tariff (not real prices)"

// newPricingListCmd builds `kassa pricing list`.
func newPricingListCmd(e *env, f *cliFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "list",
		Short: "List the price-book versions (admin)",
		Long: `List every stored price-book version of every price plan, newest first (GET
/admin/v1/pricebooks), marking the one in effect in its plan, versions scheduled
for later and the demo tariff.
Needs the admin token.`,
		Example: `  kassa pricing list
  kassa pricing list -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			l, err := c.PriceBooks(cmd.Context())
			if err != nil {
				return apiError(err)
			}
			v := view{value: l, header: priceBookHeader}
			for _, b := range l.Versions {
				v.rows = append(v.rows, priceBookRow(b))
			}
			return render(e.stdout, f.output, v)
		},
	}
}

// priceBookHeader are the columns of a price-book version.
var priceBookHeader = []string{"version", "plan", "name", "source", "prices", "created_at", "effective_at", "status", "note"}

// priceBookRow shows one version: its status is active (in effect now),
// scheduled (activated for later), superseded (was activated) or empty.
func priceBookRow(b client.PriceBookVersion) []string {
	status := ""
	switch {
	case b.Active:
		status = "active"
	case b.Scheduled:
		status = "scheduled"
	case !b.ActivatedAt.IsZero():
		status = "superseded"
	}
	note := ""
	switch {
	case b.Demo && len(b.DemoTypes) > 0 && len(b.DemoTypes) < len(kassa.ServiceTypes):
		note = "demo prices (not real) for " + strings.ReplaceAll(kassa.FormatServiceTypes(b.DemoTypes), ",", ", ")
	case b.Demo:
		note = demoNote
	}
	return []string{strconv.FormatInt(b.Version, 10), b.Plan, b.Name, b.Source, strconv.Itoa(b.Prices),
		formatTime(b.CreatedAt), formatTime(b.EffectiveAt), status, note}
}

// priceBookView shows one version vertically.
func priceBookView(value any, b client.PriceBookVersion) view {
	return view{value: value, header: priceBookHeader, rows: [][]string{priceBookRow(b)}, vertical: true}
}

// versionArg parses a VERSION argument: a number, or "active" (0).
func versionArg(s string) (int64, error) {
	if s == "active" {
		return 0, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < 1 {
		return 0, usageError("VERSION %q: must be a version number (see 'kassa pricing list') or \"active\"", s)
	}
	return v, nil
}

// atUsage is the help text of --at.
const atUsage = "take effect at this time instead of now: RFC 3339 (2027-01-01T00:00:00Z), a date (2027-01-01, midnight UTC) or +DURATION from now (+24h, +90m)"

// atFlag parses --at: an RFC 3339 time, a date (midnight UTC), or +DURATION
// after now (so that a script or an example never holds a date that will
// have passed).
func atFlag(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if rest, ok := strings.CutPrefix(s, "+"); ok {
		if d, err := time.ParseDuration(rest); err == nil && d >= 0 {
			return now.Add(d).UTC().Truncate(time.Second), nil
		}
	}
	return time.Time{}, usageError("--at %q: must be an RFC 3339 time (2027-01-01T00:00:00Z), a date (2027-01-01) or a duration from now (+24h)", s)
}

// deckFormat picks csv or json: the flag, else the file's extension, else csv.
func deckFormat(flag, file string) (string, error) {
	switch strings.ToLower(flag) {
	case "csv", "json":
		return strings.ToLower(flag), nil
	case "":
	default:
		return "", usageError("--format %q: must be csv or json", flag)
	}
	if strings.EqualFold(filepath.Ext(file), ".json") {
		return "json", nil
	}
	return "csv", nil
}

// importFlags are the flags of `kassa pricing import`.
type importFlags struct {
	format, currency, name, base, at, plan string
	activate, progress                     bool
}

// newPricingImportCmd builds `kassa pricing import`.
func newPricingImportCmd(e *env, f *cliFlags, typ func() kassa.ServiceType) *cobra.Command {
	var fl importFlags
	cmd := &cobra.Command{
		Use:   "import FILE",
		Short: "Import a rate deck as a new price-book version (admin)",
		Long: `Import a rate deck (POST /admin/v1/pricebooks) as a new price-book version.
FILE is a CSV rate deck or a get-full-pricing JSON answer ("-" reads stdin);
--format defaults from the extension (.json is JSON, anything else CSV). The
deck prices one service type, --type (sms unless given); a CSV type column
overrides it row by row. The types the deck does not price are copied from the
version in effect (--base active, the default) or left unpriced (--base none).
--plan imports into a price plan other than "default" (its own line of
versions; the version in effect there is the --base).

The new version is not active until you activate it: pass --activate (with
--at for a later time) or run 'kassa pricing activate VERSION'. A bad deck is
rejected whole, with every bad line and column listed; nothing is stored.

Progress is shown on stderr for files over 1 MiB when stderr is a terminal,
or always with --progress (plain lines when stderr is not a terminal).
Needs the admin token.`,
		Example: `  kassa pricing import carrier-a-sms.csv --type sms --name "Carrier A December"
  kassa pricing import voice.csv --type voice --currency USD --activate
  kassa pricing import sms.json --activate --at +24h
  kassa plans create retail && kassa pricing import carrier-a-sms.csv --plan retail --activate
  kassa pricing export --type sms -O sms.csv && kassa pricing import sms.csv --base none`,
		Args: exactArgs(1, "FILE, the rate deck (CSV or JSON; - for stdin)"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runPricingImport(cmd, e, f, typ(), args[0], fl)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&fl.format, "format", "", "csv or json (default: from the file's extension)")
	fs.StringVar(&fl.currency, "currency", "", "currency of CSV rows without a currency column: EUR (default) or USD")
	fs.StringVar(&fl.name, "name", "", `name of the new version (default "CSV import" or "JSON import")`)
	fs.StringVar(&fl.base, "base", "", "where the other service types come from: active (default) or none")
	fs.StringVar(&fl.plan, "plan", "", `the price plan the version belongs to (default "default"; see 'kassa plans')`)
	fs.BoolVar(&fl.activate, "activate", false, "activate the new version after the import")
	fs.StringVar(&fl.at, "at", "", "with --activate: "+atUsage)
	fs.BoolVar(&fl.progress, "progress", false, "show upload progress on stderr even for small files or when stderr is not a terminal")
	return cmd
}

func runPricingImport(cmd *cobra.Command, e *env, f *cliFlags, typ kassa.ServiceType, file string, fl importFlags) error {
	format, err := deckFormat(fl.format, file)
	if err != nil {
		return err
	}
	at, err := atFlag(fl.at, time.Now())
	if err != nil {
		return err
	}
	if !at.IsZero() && !fl.activate {
		return usageError("--at needs --activate (or run 'kassa pricing activate VERSION --at TIME' later)")
	}
	if fl.base != "" && fl.base != "active" && fl.base != "none" {
		return usageError("--base %q: must be active or none", fl.base)
	}
	c, err := f.adminClient(e)
	if err != nil {
		return err
	}
	deck, size, closeDeck, err := openDeck(e, file)
	if err != nil {
		return err
	}
	defer closeDeck()
	opts := client.ImportOptions{Type: typ, Format: format, Currency: strings.ToUpper(fl.currency), Name: fl.name, Base: fl.base, Plan: fl.plan, Size: size}
	p := newProgress(e.stderr, filepath.Base(file), size, fl.progress)
	if p != nil {
		opts.Progress = p.update
	}
	imp, err := c.ImportPriceBook(cmd.Context(), deck, opts)
	p.finish()
	if err != nil {
		return apiError(deckRejected(err))
	}
	if !fl.activate {
		fmt.Fprintf(e.stderr, "imported version %d (not active: run 'kassa pricing activate %d')\n", imp.Version, imp.Version)
		return render(e.stdout, f.output, priceBookView(imp, imp.PriceBookVersion))
	}
	v, err := c.ActivatePriceBook(cmd.Context(), imp.Version, at)
	if err != nil {
		return apiError(fmt.Errorf("imported version %d, but activating it failed: %w", imp.Version, err))
	}
	return render(e.stdout, f.output, priceBookView(v, *v))
}

// rejectedDeck is a deck the server refused, shown one problem a line.
type rejectedDeck struct {
	err *client.Error
}

func (r *rejectedDeck) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "rate deck rejected (%d problems listed), nothing imported:", len(r.err.InvalidParams))
	for _, p := range r.err.InvalidParams {
		b.WriteString("\n  ")
		if p.Name != "body" {
			b.WriteString(p.Name + ": ")
		}
		b.WriteString(p.Reason)
	}
	if strings.Contains(r.err.Detail, " more problems") {
		b.WriteString("\n  " + r.err.Detail[strings.LastIndex(r.err.Detail, "; ")+2:])
	}
	return b.String()
}

// Unwrap returns the server's answer (for the exit code).
func (r *rejectedDeck) Unwrap() error { return r.err }

// deckRejected lists a 400 answer's problems one a line; other errors are
// returned as they are.
func deckRejected(err error) error {
	var ce *client.Error
	if errors.As(err, &ce) && ce.Status == http.StatusBadRequest && len(ce.InvalidParams) > 0 {
		return &rejectedDeck{err: ce}
	}
	return err
}

// openDeck opens FILE ("-" is stdin) and returns its size (0 if unknown).
func openDeck(e *env, file string) (io.Reader, int64, func(), error) {
	if file == "-" {
		return e.stdin, 0, func() {}, nil
	}
	fh, err := os.Open(file)
	if err != nil {
		return nil, 0, nil, usageError("open rate deck: %v", err)
	}
	st, err := fh.Stat()
	if err != nil || !st.Mode().IsRegular() {
		fh.Close()
		return nil, 0, nil, usageError("rate deck %s: not a regular file", file)
	}
	return fh, st.Size(), func() { fh.Close() }, nil
}

// newPricingExportCmd builds `kassa pricing export`.
func newPricingExportCmd(e *env, f *cliFlags, typ func() kassa.ServiceType) *cobra.Command {
	var format, currency, outFile string
	cmd := &cobra.Command{
		Use:   "export [VERSION]",
		Short: "Export a price-book version as a rate deck (admin)",
		Long: `Export one service type (--type, sms unless given) of a price-book version
(the one in effect when VERSION is left out) as a deck that 'kassa pricing
import' reads back (GET /admin/v1/pricebooks/{version}/export). CSV has one
row per price line; JSON is the get-full-pricing answer in --currency.
Writes to stdout, or to -O FILE (--format then defaults from its extension).
Needs the admin token.`,
		Example: `  kassa pricing export --type sms -O sms.csv
  kassa pricing export 3 --type voice --format json --currency USD > voice.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError("%s takes at most one VERSION (see '%s --help')", cmd.CommandPath(), cmd.CommandPath())
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			version := int64(0)
			if len(args) == 1 {
				v, err := versionArg(args[0])
				if err != nil {
					return err
				}
				version = v
			}
			fmtName, err := deckFormat(format, outFile)
			if err != nil {
				return err
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			exp := client.PriceBookExport{Type: typ(), Format: fmtName, Currency: strings.ToUpper(currency)}
			return runPricingExport(cmd, e, c, version, exp, outFile)
		},
	}
	cmd.Flags().StringVar(&format, "format", "", "csv or json (default: from -O's extension, else csv)")
	cmd.Flags().StringVar(&currency, "currency", "", "currency of a JSON export: EUR (default) or USD")
	cmd.Flags().StringVarP(&outFile, "output-file", "O", "", "write the deck to this file instead of stdout")
	return cmd
}

// runPricingExport writes the export to stdout or to outFile (removed
// again when the export fails).
func runPricingExport(cmd *cobra.Command, e *env, c *client.Client, version int64, exp client.PriceBookExport, outFile string) error {
	if outFile == "" {
		_, err := c.ExportPriceBook(cmd.Context(), version, exp, e.stdout)
		return apiError(err)
	}
	fh, err := os.Create(outFile)
	if err != nil {
		return usageError("create %s: %v", outFile, err)
	}
	n, err := c.ExportPriceBook(cmd.Context(), version, exp, fh)
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(outFile)
		return apiError(err)
	}
	fmt.Fprintf(e.stderr, "wrote %s (%s)\n", outFile, humanBytes(n))
	return nil
}

// newPricingActivateCmd builds `kassa pricing activate`.
func newPricingActivateCmd(e *env, f *cliFlags) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "activate VERSION",
		Short: "Activate a price-book version now or at a later time (admin)",
		Long: `Activate a price-book version (POST /admin/v1/pricebooks/{version}/activate):
at once, or with --at at a later time (the version is then "scheduled" until
that time). Every kassa node sharing the store switches to it. Going back is
activating the previous version again. Needs the admin token.`,
		Example: `  kassa pricing activate 3
  kassa pricing activate 2 --at +24h      # scheduled: in effect from this time tomorrow`,
		Args: exactArgs(1, "VERSION (see 'kassa pricing list')"),
		RunE: func(cmd *cobra.Command, args []string) error {
			version, err := versionArg(args[0])
			if err != nil {
				return err
			}
			when, err := atFlag(at, time.Now())
			if err != nil {
				return err
			}
			c, err := f.adminClient(e)
			if err != nil {
				return err
			}
			v, err := c.ActivatePriceBook(cmd.Context(), version, when)
			if err != nil {
				return apiError(err)
			}
			return render(e.stdout, f.output, priceBookView(v, *v))
		},
	}
	cmd.Flags().StringVar(&at, "at", "", atUsage)
	return cmd
}
