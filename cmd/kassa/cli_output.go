package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// view is what a command shows: value is written as JSON (-o json); header
// and rows make the table (-o table) and the CSV (-o csv). A vertical view
// prints one "FIELD  value" line per column in table form.
type view struct {
	value    any
	header   []string
	rows     [][]string
	vertical bool
}

// render writes v in the format (table, json or csv).
func render(w io.Writer, format string, v view) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v.value)
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(v.header); err != nil {
			return err
		}
		if err := cw.WriteAll(v.rows); err != nil {
			return fmt.Errorf("write csv: %w", err)
		}
		return nil
	}
	return renderTable(w, v)
}

// renderTable writes v as aligned columns.
func renderTable(w io.Writer, v view) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if v.vertical {
		for _, row := range v.rows {
			for i, h := range v.header {
				fmt.Fprintf(tw, "%s\t%s\n", strings.ToUpper(h), cell(row, i))
			}
		}
		return tw.Flush()
	}
	if len(v.rows) == 0 {
		fmt.Fprintln(w, "(none)")
		return nil
	}
	fmt.Fprintln(tw, strings.ToUpper(strings.Join(v.header, "\t")))
	for _, row := range v.rows {
		fmt.Fprintln(tw, strings.Join(sanitize(row), "\t"))
	}
	return tw.Flush()
}

func cell(row []string, i int) string {
	if i < len(row) {
		return sanitizeCell(row[i])
	}
	return ""
}

// sanitize keeps tabs and newlines in values from breaking the table.
func sanitize(row []string) []string {
	out := make([]string, len(row))
	for i, s := range row {
		out[i] = sanitizeCell(s)
	}
	return out
}

func sanitizeCell(s string) string {
	if s == "" {
		return "-"
	}
	return strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s)
}
