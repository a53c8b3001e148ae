package postgres

import (
	"strings"
	"testing"
)

// TestChannelPerSchema: each schema has its own notification channel, within
// PostgreSQL's identifier limit, so that deployments (and parallel tests) in
// other schemas of the same database are not woken by this one's activations.
func TestChannelPerSchema(t *testing.T) {
	plain := (&DB{}).channel()
	a := (&DB{schema: "tenant_a"}).channel()
	b := (&DB{schema: "tenant_b"}).channel()
	long := (&DB{schema: strings.Repeat("s", 63)}).channel()
	long2 := (&DB{schema: strings.Repeat("s", 62) + "t"}).channel()
	if plain != PriceBookChannel || a == b || a == plain || long == long2 {
		t.Errorf("channels %q %q %q %q %q are not distinct per schema", plain, a, b, long, long2)
	}
	for _, ch := range []string{plain, a, b, long, long2} {
		if len(ch) > maxIdentifier {
			t.Errorf("channel %q is longer than %d bytes", ch, maxIdentifier)
		}
	}
}
