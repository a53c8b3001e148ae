package client_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/client"
)

func TestSecretsLifecycle(t *testing.T) {
	ts := startKassa(t)
	ctx := testCtx(t)
	c := accountClient(ts)

	list, err := c.ListSecrets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID == "" || list[0].CreatedAt.IsZero() {
		t.Fatalf("secrets of a new account = %+v, want one with id and time", list)
	}
	first := list[0]

	created, err := c.CreateSecret(ctx, "Second456")
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.ID == first.ID || !strings.HasSuffix(created.Self, "/secrets/"+created.ID) {
		t.Fatalf("created = %+v", created)
	}
	// The new secret works as a credential.
	if _, err := client.New(ts.URL, client.WithCredentials(testKey, "Second456")).Balance(ctx); err != nil {
		t.Fatalf("balance with the new secret: %v", err)
	}
	got, err := c.GetSecret(ctx, created.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != created.ID || !got.CreatedAt.Equal(created.CreatedAt) || got.CreatedAt.Location() != time.UTC {
		t.Fatalf("get = %+v, want %+v in UTC", got, created)
	}

	// A third secret is over the limit.
	_, err = c.CreateSecret(ctx, "Third7890")
	if code := kassaCode(t, err); code != kassa.ELIMIT {
		t.Fatalf("third secret: code %q (%v), want %q", code, err, kassa.ELIMIT)
	}
	// A weak secret is invalid, with the parameter named.
	_, err = c.CreateSecret(ctx, "weak")
	var e *client.Error
	if !errors.As(err, &e) || e.Status != 400 || e.KassaCode() != kassa.EINVALID || len(e.InvalidParams) == 0 || e.InvalidParams[0].Name != "secret" {
		t.Fatalf("weak secret: err = %#v, want 400 invalid naming 'secret'", err)
	}

	if err := c.RevokeSecret(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	// The old secret no longer authenticates; use the new one from here.
	c2 := client.New(ts.URL, client.WithCredentials(testKey, "Second456"))
	if _, err := c.Balance(ctx); kassaCode(t, err) != kassa.EUNAUTHORIZED {
		t.Fatalf("balance with the revoked secret: %v, want unauthorized", err)
	}
	// The last secret cannot go.
	err = c2.RevokeSecret(ctx, created.ID)
	if code := kassaCode(t, err); code != kassa.EFORBIDDEN {
		t.Fatalf("revoking the last secret: code %q (%v), want %q", code, err, kassa.EFORBIDDEN)
	}
	// Unknown ids are not found.
	_, err = c2.GetSecret(ctx, "01234567-aaaa-bbbb-cccc-defdefdefdef")
	if code := kassaCode(t, err); code != kassa.ENOTFOUND {
		t.Fatalf("unknown secret: code %q (%v), want %q", code, err, kassa.ENOTFOUND)
	}
}

// kassaCode returns the KassaCode of err, failing the test when err is not
// a *client.Error.
func kassaCode(t *testing.T, err error) string {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want *client.Error", err, err)
	}
	return e.KassaCode()
}
