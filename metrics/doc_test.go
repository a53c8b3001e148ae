package metrics

import (
	"context"
	"io/fs"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/events"
	"github.com/kassa-dev/kassa/httpfront"
	"github.com/kassa-dev/kassa/reload"
)

// The documentation checks of this file keep docs/operations.md's metrics
// table, and every metric a document or a deploy file names, true to the
// code: names, types, labels and label values, in both directions where
// the values are a closed set.

// family is a metric as the registry exposes it.
type family struct {
	typ    string
	labels []string
}

// codeFamilies returns kassa's metric families (go_* and process_* left
// out), each vector touched once so that it is exposed.
func codeFamilies(t *testing.T) map[string]family {
	t.Helper()
	m := New(func() int64 { return 1 })
	m.RequestStarted()
	m.RequestDone("/account/get-balance", http.MethodGet, http.StatusPaymentRequired, time.Millisecond)
	m.ReloadEvent(reload.ActionReloaded)
	m.LedgerCommitted([]*kassa.Entry{{Kind: kassa.KindCredit}})
	m.storeObserver("ping").Observe(0.001)
	m.RegisterReadiness(func(context.Context) string { return "" })
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]family{}
	runtime := 0
	for _, mf := range mfs {
		name := mf.GetName()
		if strings.HasPrefix(name, "go_") || strings.HasPrefix(name, "process_") {
			runtime++
			continue
		}
		var labels []string
		for _, l := range mf.GetMetric()[0].GetLabel() {
			labels = append(labels, l.GetName())
		}
		slices.Sort(labels)
		families[name] = family{typ: strings.ToLower(mf.GetType().String()), labels: labels}
	}
	if runtime == 0 {
		t.Error("no go_* or process_* metrics, which docs/operations.md promises")
	}
	return families
}

// documentedMetric is a row of docs/operations.md's metrics table.
type documentedMetric struct {
	typ     string
	labels  []string
	meaning string
}

// tableCells splits a Markdown table row on its unescaped pipes.
func tableCells(row string) []string {
	row = strings.TrimSpace(row)
	row = strings.TrimSuffix(strings.TrimPrefix(row, "|"), "|")
	var cells []string
	var cell strings.Builder
	for i := 0; i < len(row); i++ {
		switch {
		case row[i] == '\\' && i+1 < len(row) && row[i+1] == '|':
			cell.WriteByte('|')
			i++
		case row[i] == '|':
			cells = append(cells, strings.TrimSpace(cell.String()))
			cell.Reset()
		default:
			cell.WriteByte(row[i])
		}
	}
	return append(cells, strings.TrimSpace(cell.String()))
}

// backticked returns the `code spans` of s.
func backticked(s string) []string {
	var out []string
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(s, -1) {
		out = append(out, m[1])
	}
	return out
}

// documentedMetrics reads the metrics table of docs/operations.md.
func documentedMetrics(t *testing.T) map[string]documentedMetric {
	t.Helper()
	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "| metric | type | labels | meaning |")
	if !ok {
		t.Fatal("docs/operations.md has no metrics table")
	}
	table, _, _ = strings.Cut(table, "\n\n")
	rows := strings.Split(strings.TrimSpace(table), "\n")[1:] // after the |---| line
	documented := map[string]documentedMetric{}
	for _, row := range rows {
		c := tableCells(row)
		if len(c) != 4 {
			t.Errorf("docs/operations.md: metrics row with %d cells: %s", len(c), row)
			continue
		}
		labels := backticked(c[2])
		slices.Sort(labels)
		for _, name := range backticked(c[0]) {
			documented[name] = documentedMetric{typ: c[1], labels: labels, meaning: c[3]}
		}
	}
	return documented
}

// labelValues are the closed sets of label values, from the code.
func labelValues(t *testing.T) map[string][]string {
	t.Helper()
	var kinds []string
	for _, k := range kassa.EntryKinds {
		kinds = append(kinds, string(k))
	}
	return map[string][]string{
		"kind":    kinds,
		"outcome": {"committed", "failed"},
		"op":      storeOps(t),
		"type":    reload.Actions,
		"result":  {events.ResultDelivered, events.ResultFailed, events.ResultGivenUp},
		"method":  {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"},
	}
}

// metricLabelValues are the closed sets of the metrics whose label of a
// shared name (result) has values of its own.
var metricLabelValues = map[string]map[string][]string{
	"kassa_ledger_verifications_total": {"result": VerifyResults},
}

// valuesFor returns the closed label value sets of metric name.
func valuesFor(all map[string][]string, name string) map[string][]string {
	own, ok := metricLabelValues[name]
	if !ok {
		return all
	}
	m := maps.Clone(all)
	maps.Copy(m, own)
	return m
}

// mustDocumentAll are the labels whose every value the table must name.
var mustDocumentAll = []string{"kind", "outcome", "op", "type", "result"}

// storeOps returns the op label values InstrumentStore times: the names
// its methods pass to since.
func storeOps(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("store.go")
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, m := range regexp.MustCompile(`s\.since\("([a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
		ops = append(ops, m[1])
	}
	if len(ops) < 5 {
		t.Fatalf("found only %d store ops in store.go: %v", len(ops), ops)
	}
	return ops
}

// TestMetricsDocumented: docs/operations.md's table lists every kassa
// metric with its type and labels and no other, every value of the labels
// with a closed set of values (kind, outcome, op, type), and names no value
// that the code does not have.
func TestMetricsDocumented(t *testing.T) {
	code, documented := codeFamilies(t), documentedMetrics(t)
	values := labelValues(t)
	for name, f := range code {
		values := valuesFor(values, name)
		d, ok := documented[name]
		if !ok {
			t.Errorf("metric %s is not in docs/operations.md's table", name)
			continue
		}
		if d.typ != f.typ || !slices.Equal(d.labels, f.labels) {
			t.Errorf("%s: documented as %s with labels %v, is a %s with labels %v", name, d.typ, d.labels, f.typ, f.labels)
		}
		spans := backticked(d.meaning)
		for _, l := range f.labels {
			if !slices.Contains(mustDocumentAll, l) {
				continue
			}
			for _, v := range values[l] {
				if !slices.Contains(spans, v) {
					t.Errorf("%s: the value %s of label %s is not documented", name, v, l)
				}
			}
		}
		for _, s := range spans {
			if sel := regexp.MustCompile(`^([a-z_]+)="([^"]*)"$`).FindStringSubmatch(s); sel != nil {
				checkLabelValue(t, values, name, f, sel[1], sel[2])
				continue
			}
			if !isValueOf(values, f.labels, s) {
				t.Errorf("%s: docs/operations.md names `%s`, which is no value of its labels %v", name, s, f.labels)
			}
		}
	}
	for name := range documented {
		if _, ok := code[name]; !ok && name != "go_*" && name != "process_*" {
			t.Errorf("docs/operations.md documents %s, which kassa does not expose", name)
		}
	}
}

// isValueOf reports whether v is a known value of one of the labels (a
// route label's values are the route patterns and unmatched).
func isValueOf(values map[string][]string, labels []string, v string) bool {
	for _, l := range labels {
		if slices.Contains(values[l], v) || (l == "route" && v == httpfront.Unmatched) {
			return true
		}
	}
	return false
}

// checkLabelValue reports a selector label="value" of metric name whose
// label the metric lacks or whose value is not one the code writes.
func checkLabelValue(t *testing.T, values map[string][]string, name string, f family, label, value string) {
	t.Helper()
	switch {
	case !slices.Contains(f.labels, label):
		t.Errorf("%s has no label %s", name, label)
	case label == "route":
		if value != httpfront.Unmatched && !routePatterns(t)[value] {
			t.Errorf("%s{route=%q}: no route has that pattern", name, value)
		}
	case label == "status":
		if !regexp.MustCompile(`^[1-5][0-9][0-9]$`).MatchString(value) {
			t.Errorf("%s{status=%q}: not a status code", name, value)
		}
	case !slices.Contains(values[label], value):
		t.Errorf("%s{%s=%q}: the code writes no such value (it writes %v)", name, label, value, values[label])
	}
}

// targetLabels are the labels Prometheus adds to every series it scrapes,
// which the deploy files' rules and their tests select on.
var targetLabels = []string{"instance", "job"}

// routePatterns returns the patterns httpapi/routes.go registers.
func routePatterns(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile("../httpapi/routes.go")
	if err != nil {
		t.Fatal(err)
	}
	patterns := map[string]bool{}
	for _, m := range regexp.MustCompile(`"(/[^"]*)"`).FindAllStringSubmatch(string(src), -1) {
		patterns[m[1]] = true
	}
	return patterns
}

// TestMetricNamesInDocsExist: every kassa_* metric named anywhere in the
// documentation (README.md, docs/, deploy/) exists, and every selector
// ({label="value"}) names a label it has and a value the code writes.
func TestMetricNamesInDocsExist(t *testing.T) {
	code := codeFamilies(t)
	values := labelValues(t)
	files := []string{"../README.md"}
	for _, dir := range []string{"../docs", "../deploy"} {
		filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err == nil && !d.IsDir() && !strings.HasSuffix(path, ".go") {
				files = append(files, path)
			}
			return nil
		})
	}
	// A kassa_ name that is no metric is taken for one (and reported) when
	// a selector follows it or it ends like a metric name.
	metricLike := regexp.MustCompile(`_(total|seconds|bytes|bucket|sum|count|info|ratio|entries|version|in_flight)$`)
	mention := regexp.MustCompile(`\bkassa_[a-z_]*[a-z]\b(\{[^}]*\})?`)
	selector := regexp.MustCompile(`([a-z_]+)\s*(=~|!=|!~|=)\s*"([^"]*)"`)
	seen := 0
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range mention.FindAllStringSubmatch(string(b), -1) {
			name := strings.TrimSuffix(m[0], m[1])
			f, ok := code[name]
			if !ok && m[1] == "" && !metricLike.MatchString(name) {
				continue // another kassa_ name: a role, a database, a cookie
			}
			if !ok {
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
				if f, ok = code[base]; !ok || f.typ != "histogram" {
					t.Errorf("%s names %s, which kassa does not expose", file, name)
					continue
				}
			}
			seen++
			values := valuesFor(values, name)
			for _, s := range selector.FindAllStringSubmatch(m[1], -1) {
				if slices.Contains(targetLabels, s[1]) {
					continue // added by Prometheus to every scraped series
				}
				if s[2] == "=" {
					checkLabelValue(t, values, name, f, s[1], s[3])
				} else if !slices.Contains(f.labels, s[1]) && s[1] != "le" {
					t.Errorf("%s: %s has no label %s", file, name, s[1])
				}
			}
		}
	}
	if seen < 10 {
		t.Fatalf("found only %d metric names in the documentation", seen)
	}
}
