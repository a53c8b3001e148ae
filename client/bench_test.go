package client_test

import (
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

// BenchmarkBalanceClient measures a balance call through the client against
// a real kassa; BenchmarkBalanceRawHTTP is its baseline: the same request
// with net/http and a plain JSON decode. The ratio is the client's overhead.
func BenchmarkBalanceClient(b *testing.B) {
	ts := startBenchKassa(b)
	c := accountClient(ts)
	ctx := testCtx(b)
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Balance(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBalanceRawHTTP(b *testing.B) {
	ts := startBenchKassa(b)
	req, err := http.NewRequest(http.MethodGet, ts.URL+"/account/get-balance", nil)
	if err != nil {
		b.Fatal(err)
	}
	req.SetBasicAuth(testKey, testSecret)
	req.Header.Set("Accept", "application/json")
	b.ResetTimer()
	for b.Loop() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var v struct {
			Value      json.Number `json:"value"`
			AutoReload bool        `json:"autoReload"`
		}
		err = json.NewDecoder(resp.Body).Decode(&v)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			b.Fatalf("status %d: %v", resp.StatusCode, err)
		}
	}
}

// startBenchKassa is startKassa with the account's per-second limits raised
// (as on the demo account), so that a benchmark measures calls, not 429s.
func startBenchKassa(b *testing.B) *testServer {
	b.Helper()
	ts := startKassa(b)
	l := kassa.DemoLimits
	_, err := adminClient(ts).SetLimits(testCtx(b), testKey, client.Limits{
		MaxOutboundRequest: l.MaxOutboundRequest, MaxInboundRequest: l.MaxInboundRequest,
		MaxCallsPerSecond: l.MaxCallsPerSecond, PricingPerSecond: l.PricingPerSecond,
	})
	if err != nil {
		b.Fatal(err)
	}
	return ts
}
