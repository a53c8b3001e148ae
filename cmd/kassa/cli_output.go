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
// prints one "FIELD  value" line per column in table form. Every format
// escapes the characters that could drive a terminal (cli_escape.go).
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
		var buf strings.Builder
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v.value); err != nil {
			return err
		}
		_, err := io.WriteString(w, escapeJSON(buf.String()))
		return err
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(escapeRow(v.header)); err != nil {
			return err
		}
		for _, row := range v.rows {
			if err := cw.Write(escapeRow(row)); err != nil {
				return fmt.Errorf("write csv: %w", err)
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
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

// sanitize makes every cell of a row safe for the table (see sanitizeCell).
func sanitize(row []string) []string {
	out := make([]string, len(row))
	for i, s := range row {
		out[i] = sanitizeCell(s)
	}
	return out
}

// sanitizeCell shows an empty value as "-" and escapes every character
// that is not graphic (escapeText): a tab or a newline cannot break the
// table, an escape sequence in stored data cannot reach the terminal.
func sanitizeCell(s string) string {
	if s == "" {
		return "-"
	}
	return escapeText(s)
}
