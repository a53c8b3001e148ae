package charging

import (
	"context"

	"github.com/kassa-dev/kassa"
)

// Queued reports how many operations wait for the writer, for tests that
// need several operations in one batch.
func (l *Ledger) Queued() int { return len(l.queue) }

// SubmitApply queues an operation with a custom apply function, for tests
// of the writer's own failure handling.
func (l *Ledger) SubmitApply(ctx context.Context, account string, apply func(kassa.LedgerTx) (any, bool, error)) (any, bool, error) {
	return l.submit(ctx, &op{name: "test", account: account, apply: apply})
}
