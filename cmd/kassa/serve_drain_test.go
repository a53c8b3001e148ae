package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/sqlite"
)

// TestShutdownDrainsCharges: 16 clients charge while the server is told to
// stop. Every charge that was answered 201 is in the ledger afterwards
// (in-flight requests finished, the ledger drained before the store
// closed), the server exits 0, and the ledger verifies.
func TestShutdownDrainsCharges(t *testing.T) {
	data := t.TempDir()
	base, _, _, stop := startServeFull(t, noEnv, "--addr", "127.0.0.1:0", "--data", data,
		"--demo-key", "drain001", "--demo-secret", "Drain0001Secret", "--service-token", "svc-token", "--access-log", "off")
	var (
		mu    sync.Mutex
		acked = map[int64]bool{}
		wg    sync.WaitGroup
		half  = make(chan struct{})
		once  sync.Once
	)
	for c := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				id, status, err := charge(base, fmt.Sprintf("c%d-%d", c, i))
				if err != nil || (status != http.StatusCreated && status != http.StatusPaymentRequired) {
					return // the server is going away
				}
				if status == http.StatusPaymentRequired {
					return
				}
				mu.Lock()
				acked[id] = true
				if len(acked) == 50 {
					once.Do(func() { close(half) })
				}
				mu.Unlock()
			}
		}()
	}
	<-half
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	wg.Wait()

	db, err := sqlite.Open(context.Background(), filepath.Join(data, dbFile), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, _, err := db.ListEntries(context.Background(), kassa.EntryFilter{Account: "drain001", Kinds: []kassa.EntryKind{kassa.KindCharge}, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]bool{}
	for _, e := range entries {
		stored[e.ID] = true
	}
	for id := range acked {
		if !stored[id] {
			t.Errorf("charge %d was answered 201 but is not in the ledger", id)
		}
	}
	if ds, err := db.Verify(context.Background()); err != nil || len(ds) != 0 {
		t.Errorf("verify after shutdown: %v %v", ds, err)
	}
	t.Logf("%d charges acknowledged, %d stored", len(acked), len(stored))
}

// charge sends one platform charge and returns the entry id on 201.
func charge(base, key string) (int64, int, error) {
	req, _ := http.NewRequest("POST", base+"/platform/v1/charges",
		strings.NewReader(`{"account":"drain001","type":"sms","to":"447700900123","units":1}`))
	req.Header.Set("Authorization", "Bearer svc-token")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var body struct {
		ID string `json:"id"`
	}
	if resp.StatusCode != http.StatusCreated {
		return 0, resp.StatusCode, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return 0, resp.StatusCode, err
	}
	id, err := strconv.ParseInt(body.ID, 10, 64)
	return id, resp.StatusCode, err
}
