package httpapi

import (
	"fmt"
	"net/http"
	"testing"
)

// TestBodyTooLargeWrapped: a body-too-large error keeps its 413 and its
// problem type when a caller wraps it with context (#13.12: it was
// compared with ==, so a wrapped one fell back to 400 invalid).
func TestBodyTooLargeWrapped(t *testing.T) {
	wrapped := fmt.Errorf("decode import: %w", errBodyTooLarge)
	if st := statusFor(wrapped); st != http.StatusRequestEntityTooLarge {
		t.Errorf("statusFor: %d, want 413", st)
	}
	if st, p := kassaProblem(wrapped); st != http.StatusRequestEntityTooLarge || p.Type != problemTypeBase+"payload-too-large" {
		t.Errorf("kassaProblem: %d %+v, want 413 payload-too-large", st, p)
	}
	if st, p := secretsProblem(wrapped); st != http.StatusRequestEntityTooLarge || p.Detail != "The request body is too large" {
		t.Errorf("secretsProblem: %d %+v, want 413 and the body-too-large detail", st, p)
	}
	if st, label := legacyStatus(wrapped); st != http.StatusRequestEntityTooLarge || label != "request body too large" {
		t.Errorf("legacyStatus: %d %q, want 413", st, label)
	}
}
