package storetest

import (
	"testing"

	"github.com/kassa-dev/kassa"
)

func (h harness) testPingClose(t *testing.T) {
	s, _ := h.fresh(t)
	ctx := t.Context()
	noErr(t, s.Ping(ctx), "ping")
	MustCreateAccount(t, s, "ping0001", 0)
	noErr(t, s.Close(), "close")
	wantCode(t, s.Ping(ctx), kassa.EUNAVAILABLE)
	_, err := s.FindAccount(ctx, "ping0001")
	wantCode(t, err, kassa.EUNAVAILABLE)
	err = s.InLedgerTx(ctx, func(tx kassa.LedgerTx) error { return nil })
	wantCode(t, err, kassa.EUNAVAILABLE)
}
