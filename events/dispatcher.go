package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/webhook"
)

// LeaseName is the store lease under which one node of a cluster at a
// time fans events out and delivers them.
const LeaseName = "events-dispatcher"

// Defaults of Options.
const (
	DefaultLeaseTTL    = 30 * time.Second
	DefaultPoll        = time.Second
	DefaultRetryFor    = 72 * time.Hour
	DefaultTimeout     = 10 * time.Second
	DefaultConcurrency = 8
	// FanOutPage is how many events one fan-out step reads per endpoint.
	FanOutPage = 500
)

// Results of a delivery attempt, as Options.OnAttempt reports them.
const (
	ResultDelivered = "delivered" // the endpoint answered 2xx
	ResultFailed    = "failed"    // it did not; retried later
	ResultGivenUp   = "given_up"  // it did not, and the retry period is over
)

// Store is what the dispatcher needs of the store.
type Store interface {
	kassa.EventStore
	kassa.WebhookStore
	kassa.LeaseStore
}

// Options configure a Dispatcher. Zero fields take their defaults.
type Options struct {
	Now      func() time.Time // time.Now when nil
	Logger   *slog.Logger     // discarded when nil
	NodeID   string           // this node's name as lease holder; host name and a random suffix when empty
	LeaseTTL time.Duration    // how long the lease lasts between renewals; DefaultLeaseTTL when 0
	Poll     time.Duration    // how often Run looks for new events and due retries; DefaultPoll when 0
	// RetryFor is how long after an event a failed delivery of it is
	// retried before it is given up; DefaultRetryFor (three days) when 0.
	RetryFor time.Duration
	// Timeout bounds one delivery attempt; DefaultTimeout when 0.
	Timeout time.Duration
	// Concurrency is how many deliveries (to different endpoints or
	// accounts) may be in flight at once; DefaultConcurrency when 0.
	Concurrency int
	// Guard is the outbound guard every delivery goes through (its Allow
	// lists the private networks endpoints may be in: --allow-callback-net).
	Guard webhook.Guard
	// Client, when set, replaces the guarded client built from Guard and
	// Timeout (tests).
	Client *http.Client
	// OnAttempt, when set, hears each attempt's result (ResultDelivered,
	// ResultFailed, ResultGivenUp) and duration; it is called from the
	// concurrent deliveries, so it must be safe for concurrent use.
	OnAttempt func(result string, d time.Duration)
	// OnBacklog, when set, hears after each run the number of pending
	// deliveries and the creation time of the oldest (zero when none).
	OnBacklog func(pending int, oldest time.Time)
}

// Dispatcher fans the outbox's events out to the webhook endpoints and
// delivers them. It is safe for concurrent use.
type Dispatcher struct {
	store  Store
	opts   Options
	log    *slog.Logger
	client *http.Client
	nudge  chan struct{}
	run    sync.Mutex // one RunOnce at a time in this process
}

// New returns a Dispatcher over store.
func New(store Store, opts Options) *Dispatcher {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.NodeID == "" {
		opts.NodeID = defaultNodeID()
	}
	if opts.LeaseTTL <= 0 {
		opts.LeaseTTL = DefaultLeaseTTL
	}
	if opts.Poll <= 0 {
		opts.Poll = DefaultPoll
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = DefaultRetryFor
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	client := opts.Client
	if client == nil {
		client = newClient(opts.Guard, opts.Timeout)
	}
	return &Dispatcher{store: store, opts: opts, log: opts.Logger, client: client, nudge: make(chan struct{}, 1)}
}

// newClient is the guarded client of deliveries: it follows no redirect
// (a delivery must reach the URL registered, and a redirected POST would
// change into a GET), answers are read up to 64 KiB.
func newClient(g webhook.Guard, timeout time.Duration) *http.Client {
	c := webhook.Client(g, timeout, 64<<10)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

// defaultNodeID is the host name with a random suffix, unique per process.
func defaultNodeID() string {
	host, _ := os.Hostname()
	var b [6]byte
	_, _ = rand.Read(b[:])
	return host + "-" + hex.EncodeToString(b[:])
}

// Nudge asks Run to look for new events now instead of at its next poll.
// The ledger's commits that wrote events call it. Nudges coalesce; Nudge
// never blocks.
func (d *Dispatcher) Nudge() {
	select {
	case d.nudge <- struct{}{}:
	default:
	}
}

// Run calls RunOnce every Options.Poll and soon after a Nudge until ctx
// ends; then it gives the lease up.
func (d *Dispatcher) Run(ctx context.Context) {
	defer d.releaseLease()
	tick := time.NewTicker(d.opts.Poll)
	defer tick.Stop()
	for {
		d.runLogged(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-d.nudge:
		}
	}
}

// runLogged runs RunOnce and logs what went wrong.
func (d *Dispatcher) runLogged(ctx context.Context) {
	s, err := d.RunOnce(ctx)
	if err != nil && ctx.Err() == nil {
		d.log.Error("event dispatcher", "err", err)
	}
	if s.GivenUp > 0 {
		d.log.Warn("event deliveries given up after the retry period", "count", s.GivenUp)
	}
}

// releaseLease gives the lease up when Run stops.
func (d *Dispatcher) releaseLease() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := d.store.ReleaseLease(ctx, LeaseName, d.opts.NodeID); err != nil {
		d.log.Warn("release the event dispatcher lease", "err", err)
	}
}

// Summary says what one RunOnce did.
type Summary struct {
	Leader    bool // this node held the lease; nothing else is set otherwise
	FannedOut int  // deliveries created for new events
	Delivered int  // attempts answered 2xx
	Failed    int  // failed attempts that will be retried
	GivenUp   int  // failed attempts after the retry period
}

// RunOnce does one round, if this node holds (or can take) the lease:
// it creates the deliveries of the events written since the last round,
// then attempts every delivery that is due, again and again while
// deliveries succeed (the next event of an account is due once the one
// before it is delivered), until none is due.
func (d *Dispatcher) RunOnce(ctx context.Context) (Summary, error) {
	d.run.Lock()
	defer d.run.Unlock()
	var s Summary
	ok, err := d.store.AcquireLease(ctx, LeaseName, d.opts.NodeID, d.opts.LeaseTTL)
	if err != nil {
		return s, fmt.Errorf("take the event dispatcher lease: %w", err)
	}
	if !ok {
		return s, nil
	}
	s.Leader = true
	endpoints, err := d.store.WebhookEndpoints(ctx)
	if err != nil {
		return s, fmt.Errorf("list webhook endpoints: %w", err)
	}
	for _, ep := range endpoints {
		n, err := d.fanOut(ctx, ep)
		s.FannedOut += n
		if err != nil {
			return s, err
		}
	}
	err = d.deliverDue(ctx, endpoints, &s)
	d.reportBacklog(ctx)
	return s, err
}

// fanOut creates the endpoint's deliveries of the events after its cursor.
func (d *Dispatcher) fanOut(ctx context.Context, ep *kassa.WebhookEndpoint) (int, error) {
	n := 0
	for {
		list, err := d.store.ListEvents(ctx, kassa.EventFilter{After: ep.Cursor, Limit: FanOutPage})
		if err != nil {
			return n, fmt.Errorf("read events for %s: %w", ep.ID, err)
		}
		if len(list) == 0 {
			return n, nil
		}
		var wanted []*kassa.Event
		for _, e := range list {
			if ep.Wants(e.Type) {
				wanted = append(wanted, e)
			}
		}
		upTo := list[len(list)-1].ID
		err = d.store.FanOut(ctx, ep.ID, ep.Cursor, upTo, wanted)
		switch kassa.ErrorCode(err) {
		case "":
		case kassa.ENOTFOUND, kassa.ECONFLICT:
			// Deleted, or moved by another dispatcher (a lease that
			// changed hands meanwhile): the next round reads it afresh.
			d.log.Warn("fan-out to a webhook endpoint skipped", "endpoint", ep.ID, "err", err)
			return n, nil
		default:
			return n, fmt.Errorf("fan out to %s: %w", ep.ID, err)
		}
		n += len(wanted)
		ep.Cursor = upTo
		if len(list) < FanOutPage {
			return n, nil
		}
	}
}

// deliverDue attempts the due deliveries, round after round while some
// succeed, renewing the lease between rounds.
func (d *Dispatcher) deliverDue(ctx context.Context, endpoints []*kassa.WebhookEndpoint, s *Summary) error {
	byID := make(map[string]*kassa.WebhookEndpoint, len(endpoints))
	for _, ep := range endpoints {
		byID[ep.ID] = ep
	}
	for round := 0; ; round++ {
		if round > 0 {
			ok, err := d.store.AcquireLease(ctx, LeaseName, d.opts.NodeID, d.opts.LeaseTTL)
			if err != nil || !ok {
				return fmt.Errorf("the event dispatcher lease was lost (%v)", err)
			}
		}
		due, err := d.store.DueDeliveries(ctx, d.opts.Now(), 4*d.opts.Concurrency)
		if err != nil {
			return fmt.Errorf("due deliveries: %w", err)
		}
		delivered := d.attemptAll(ctx, byID, due, s)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if delivered == 0 || len(due) == 0 {
			return nil
		}
	}
}

// attemptAll attempts the deliveries, at most Concurrency at once (each
// is the first pending delivery of its endpoint and account, so they are
// independent), and returns how many were delivered.
func (d *Dispatcher) attemptAll(ctx context.Context, byID map[string]*kassa.WebhookEndpoint, due []*kassa.Delivery, s *Summary) int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	slots := make(chan struct{}, d.opts.Concurrency)
	delivered := 0
	for _, dl := range due {
		ep, ok := byID[dl.Endpoint]
		if !ok {
			continue // created after this round listed the endpoints: the next round has it
		}
		if ctx.Err() != nil {
			break
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			result := d.attempt(ctx, ep, dl)
			mu.Lock()
			defer mu.Unlock()
			switch result {
			case ResultDelivered:
				delivered++
				s.Delivered++
			case ResultFailed:
				s.Failed++
			case ResultGivenUp:
				s.GivenUp++
			}
		})
	}
	wg.Wait()
	return delivered
}

// attempt posts one delivery and records the outcome; it returns the
// result ("" when the outcome could not be recorded: the delivery is
// attempted again later, at least once as promised).
func (d *Dispatcher) attempt(ctx context.Context, ep *kassa.WebhookEndpoint, dl *kassa.Delivery) string {
	start := d.opts.Now()
	// An attempt under way finishes (within Timeout) and is recorded even
	// when ctx ends: the endpoint may have taken it, and a node shutting
	// down must not leave it to be sent again.
	status, err := d.post(context.WithoutCancel(ctx), ep, dl)
	at := d.opts.Now()
	o := kassa.DeliveryOutcome{Endpoint: ep.ID, EventID: dl.Event.ID, At: at, Status: status}
	result := ResultDelivered
	if err != nil {
		o.Error = err.Error()
		o.RetryAt = d.retryAt(dl, at)
		result = ResultFailed
		if o.RetryAt.IsZero() {
			result = ResultGivenUp
		}
	} else {
		o.Delivered = true
	}
	if ferr := d.store.FinishAttempt(context.WithoutCancel(ctx), o); ferr != nil {
		d.log.Error("record a delivery attempt", "endpoint", ep.ID, "event", dl.Event.ID, "err", ferr)
		return ""
	}
	if d.opts.OnAttempt != nil {
		d.opts.OnAttempt(result, at.Sub(start))
	}
	if result != ResultDelivered {
		d.log.Info("event delivery failed", "endpoint", ep.ID, "event", dl.Event.ID, "attempt", dl.Attempts+1,
			"status", status, "err", o.Error, "retry_at", o.RetryAt)
	}
	return result
}

// Back-off of failed deliveries: the first retry after FirstRetry, each
// next one after twice as long, never more than MaxRetryInterval.
const (
	FirstRetry       = 30 * time.Second
	MaxRetryInterval = time.Hour
)

// RetryDelay is the wait after the n-th failed attempt (n ≥ 1).
func RetryDelay(n int) time.Duration {
	if n < 1 {
		n = 1
	}
	if n > 8 {
		return MaxRetryInterval
	}
	return min(FirstRetry<<(n-1), MaxRetryInterval)
}

// retryAt is when a delivery that failed at t is tried again, or the zero
// time when its event is older than RetryFor by then (given up).
func (d *Dispatcher) retryAt(dl *kassa.Delivery, t time.Time) time.Time {
	next := t.Add(RetryDelay(dl.Attempts + 1))
	if next.After(dl.Event.CreatedAt.Add(d.opts.RetryFor)) {
		return time.Time{}
	}
	return next
}

// reportBacklog tells OnBacklog how many deliveries are pending.
func (d *Dispatcher) reportBacklog(ctx context.Context) {
	if d.opts.OnBacklog == nil {
		return
	}
	n, oldest, err := d.store.DeliveryBacklog(ctx)
	if err != nil {
		d.log.Warn("count pending deliveries", "err", err)
		return
	}
	d.opts.OnBacklog(n, oldest)
}
