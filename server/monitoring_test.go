package server

import (
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDeployMetricsExported: every metric that the monitoring kit in
// deploy/ (the Grafana dashboard, the Prometheus rules and their tests)
// names is exported by a running kassa serve, once it has served some
// traffic: a deploy file that names a metric kassa lost or renamed fails
// here. (metrics' TestMetricNamesInDocsExist checks the labels and values
// of their selectors.)
func TestDeployMetricsExported(t *testing.T) {
	n := startTest(t, testConfig(t), Options{})
	admin := func(method, path, body string, want int) {
		t.Helper()
		req, err := http.NewRequest(method, n.URL()+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+n.AdminToken())
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "monitoring-"+method+path)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d", method, path, resp.StatusCode, want)
		}
	}
	admin("POST", "/admin/v1/accounts", `{"api_key":"monitor1","credit":"1.00"}`, http.StatusCreated)
	admin("POST", "/admin/v1/accounts/monitor1/debits", `{"amount":"5.00","reason":"more than it has"}`, http.StatusPaymentRequired)
	admin("GET", "/admin/v1/verify", "", http.StatusOK)

	status, body := get(t, "GET", n.URL()+"/metrics", "", "")
	if status != http.StatusOK {
		t.Fatalf("GET /metrics: %d", status)
	}
	exported := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[1] == "TYPE" {
			exported[f[2]] = true // a histogram's own name, besides its _bucket, _sum and _count
		}
		if name, _, ok := strings.Cut(line, " "); ok && line != "" && !strings.HasPrefix(line, "#") {
			name, _, _ = strings.Cut(name, "{")
			exported[name] = true
		}
	}

	named := deployMetricNames(t)
	if len(named) < 20 {
		t.Fatalf("found only %d metric names in deploy/: %v", len(named), named)
	}
	for name, file := range named {
		if !exported[name] {
			t.Errorf("%s names %s, which a running kassa serve does not export", file, name)
		}
	}
}

// deployMetricNames returns the metric names of the monitoring kit's files
// (kassa_*, go_*, process_*), each with a file that names it. up, which
// Prometheus writes for every target, is left out.
func deployMetricNames(t *testing.T) map[string]string {
	t.Helper()
	metric := regexp.MustCompile(`\b(?:kassa|go|process)_[a-z0-9_]*[a-z0-9]\b`)
	named := map[string]string{}
	for _, dir := range []string{"../deploy/grafana", "../deploy/prometheus"} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, name := range metric.FindAllString(string(b), -1) {
				named[name] = path
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return named
}
