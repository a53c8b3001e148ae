package emulator

import (
	"strings"
	"testing"
	"time"
)

// TestJournalBounds: the journal keeps the last MaxJournalRequests
// requests and at most MaxJournalBytes, counting what it evicted; Clear
// resets the count; ids keep increasing.
func TestJournalBounds(t *testing.T) {
	j := NewJournal()
	for i := range MaxJournalRequests + 10 {
		j.add(&Request{Method: "GET", Path: "/p", Time: time.Unix(int64(i), 0)})
	}
	reqs, evicted := j.Requests(Filter{})
	if len(reqs) != MaxJournalRequests || evicted != 10 || reqs[0].ID != 11 {
		t.Fatalf("after %d requests: %d kept (first id %d), %d evicted", MaxJournalRequests+10, len(reqs), reqs[0].ID, evicted)
	}
	j.Clear()
	big := strings.Repeat("x", MaxJournalBody)
	for range 400 { // 400 × 64 KiB bodies: far over the byte bound
		j.add(&Request{Method: "POST", Path: "/big", Body: big})
	}
	reqs, evicted = j.Requests(Filter{})
	held := 0
	for _, r := range reqs {
		held += len(r.Body)
	}
	if held > MaxJournalBytes || evicted == 0 || len(reqs) == 0 {
		t.Errorf("big bodies: %d bytes held in %d requests (bound %d), %d evicted", held, len(reqs), MaxJournalBytes, evicted)
	}
	if reqs[len(reqs)-1].ID <= MaxJournalRequests+10 {
		t.Errorf("ids restarted after Clear: %d", reqs[len(reqs)-1].ID)
	}
}
