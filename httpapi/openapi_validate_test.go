package httpapi

import (
	"net/http"
	"sync"
	"testing"

	"github.com/kassa-dev/kassa/openapi/openapitest"
)

// The response validation: every answer a test gets through harness.do is
// checked against the OpenAPI document of its API (openapitest.Check:
// status, documented headers, Content-Type and body), so that a handler
// that changes a field, a status or a header without its document fails
// the tests that see it. Answers to paths or methods that no document
// lists (an unknown path, a wrong method) have nothing to be checked
// against and pass.

// apiCoverage records, per operation id, whether a success (2xx or 304)
// and an error answer were validated.
type apiCoverage struct {
	mu      sync.Mutex
	success map[string]bool
	failure map[string]bool
}

func newAPICoverage() *apiCoverage {
	return &apiCoverage{success: map[string]bool{}, failure: map[string]bool{}}
}

// note records a validated answer of an operation.
func (c *apiCoverage) note(opID string, status int) {
	if c == nil || opID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if status < 400 {
		c.success[opID] = true
	} else {
		c.failure[opID] = true
	}
}

// validateAnswer checks an answer a test received and fails the test when
// it does not match its document.
func validateAnswer(t testing.TB, cov *apiCoverage, r *http.Request, status int, header http.Header, body []byte) {
	t.Helper()
	opID, err := openapitest.Check(r, status, header, body)
	if err != nil {
		t.Errorf("%v\nbody: %.600s", err, body)
		return
	}
	cov.note(opID, status)
}
