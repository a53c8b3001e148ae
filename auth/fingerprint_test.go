package auth

import (
	"encoding/hex"
	"strings"
	"testing"
)

// TestFingerprint: the fingerprint is stable for a pepper, differs between
// peppers, and shows no part of the pepper.
func TestFingerprint(t *testing.T) {
	p1, p2 := NewPepper(), NewPepper()
	h1, _ := NewHasher(p1)
	h1again, _ := NewHasher(append([]byte(nil), p1...))
	h2, _ := NewHasher(p2)
	fp := h1.Fingerprint()
	if fp != h1again.Fingerprint() || fp == h2.Fingerprint() || len(fp) != 64 {
		t.Fatalf("fingerprints %s, %s, %s", fp, h1again.Fingerprint(), h2.Fingerprint())
	}
	if strings.Contains(fp, hex.EncodeToString(p1[:4])) {
		t.Error("the fingerprint shows the pepper")
	}
}
