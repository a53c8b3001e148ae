package pricing

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/refdata"
)

// DefaultPollInterval is how often Run re-checks the active version.
const DefaultPollInterval = 5 * time.Second

// ServiceOptions configure a Service.
type ServiceOptions struct {
	FX           map[string]string // exchange rates, see CompileOptions.FX
	Now          func() time.Time  // the clock; time.Now when nil
	Logger       *slog.Logger      // slog.Default() when nil
	PollInterval time.Duration     // DefaultPollInterval when zero
	// Cache, when set, shares compiled snapshots with the other Services
	// of the process that use it (see SnapshotCache); nil compiles each
	// version this Service loads.
	Cache *SnapshotCache
	// PreRenderLimit is the estimated size of all of a book's answers up
	// to which they are kept pre-rendered; a larger book renders each
	// answer as it is written. 0 means DefaultPreRenderLimit (64 MiB); a
	// negative value pre-renders nothing.
	PreRenderLimit int64
}

// Service keeps the snapshot of the active price-book version current and
// imports and activates versions. Reads (Current) are lock-free.
type Service struct {
	store kassa.PriceBookStore
	ref   *refdata.Data
	opts  ServiceOptions

	current atomic.Pointer[Snapshot] // the default plan's
	plans   atomic.Pointer[planSet]  // every plan's, replaced whole by Load
	loadMu  sync.Mutex               // serialises Load so that compiles do not race

	changed chan struct{} // wakes Run after Activate or a notification
}

// NewService returns a Service over store; call Load (or Run) before
// serving.
func NewService(store kassa.PriceBookStore, ref *refdata.Data, opts ServiceOptions) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = DefaultPollInterval
	}
	return &Service{store: store, ref: ref, opts: opts, changed: make(chan struct{}, 1)}
}

// Current returns the snapshot in use, or nil before the first successful
// Load.
func (s *Service) Current() *Snapshot { return s.current.Load() }

// Ref returns the reference data the service compiles with.
func (s *Service) Ref() *refdata.Data { return s.ref }

// Load makes the version active at now of every plan current (and the
// derived plans' snapshots over them): it loads, compiles and swaps in each
// that is not current already. ENOTFOUND when no version of the default
// plan is active; a version that fails to compile leaves the plan's
// current one in place. A plan other than the default one without an
// active version has no prices (its answers are unavailable).
func (s *Service) Load(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	plans, err := s.listPlans(ctx)
	if err != nil {
		return fmt.Errorf("load price plans: %w", err)
	}
	prev := s.plans.Load()
	if prev == nil {
		prev = &planSet{}
	}
	next := &planSet{plans: make(map[string]*kassa.Plan, len(plans)), snaps: map[string]*Snapshot{}, sums: map[string]string{}}
	var firstErr error
	var swapped int64
	for _, p := range plans {
		next.plans[p.Name] = p
		if p.Derived() {
			continue
		}
		size, err := s.loadPlan(ctx, p.Name, prev, next)
		swapped = max(swapped, size)
		if err != nil && firstErr == nil && (p.Name == kassa.DefaultPlan || kassa.ErrorCode(err) != kassa.ENOTFOUND) {
			firstErr = err
		}
	}
	for _, p := range plans {
		if p.Derived() {
			if err := s.derivePlan(p, prev, next); err != nil && firstErr == nil {
				firstErr = err
			}
		}
	}
	s.plans.Store(next)
	if old := s.current.Swap(next.snaps[kassa.DefaultPlan]); old != nil && old != next.snaps[kassa.DefaultPlan] {
		swapped = max(swapped, old.MemoryBytes())
	}
	if swapped > 0 {
		releaseMemory(swapped)
	}
	return firstErr
}

// planSet is what Load made current: every plan, and the snapshot of each
// that has prices.
type planSet struct {
	plans map[string]*kassa.Plan
	snaps map[string]*Snapshot
	sums  map[string]string // per plan with books of its own: its snapshot's stored checksum (a restored store may reuse a version number)
}

// listPlans returns the store's plans; a store without plans has the
// default one only.
func (s *Service) listPlans(ctx context.Context) ([]*kassa.Plan, error) {
	if l, ok := s.store.(planLister); ok {
		return l.Plans(ctx)
	}
	return []*kassa.Plan{{Name: kassa.DefaultPlan}}, nil
}

// planLister is the part of kassa.PlanStore a Service reads.
type planLister interface {
	Plans(ctx context.Context) ([]*kassa.Plan, error)
}

// loadPlan puts the snapshot of plan's active version into next: prev's
// when it is current, else compiled. On an error, prev's (if any) stays.
// It returns the bytes a swap left behind (0 when none).
func (s *Service) loadPlan(ctx context.Context, plan string, prev, next *planSet) (int64, error) {
	keep := func() {
		if snap := prev.snaps[plan]; snap != nil {
			next.snaps[plan], next.sums[plan] = snap, prev.sums[plan]
		}
	}
	active, err := s.store.ActivePriceBook(ctx, plan, s.opts.Now())
	if err != nil {
		keep()
		if plan == kassa.DefaultPlan {
			return 0, fmt.Errorf("load active price book: %w", err)
		}
		return 0, fmt.Errorf("load active price book of plan %s: %w", plan, err)
	}
	if cur := prev.snaps[plan]; cur != nil && cur.version == active.Version && prev.sums[plan] == active.Checksum {
		keep()
		return 0, nil
	}
	snap, err := s.cachedSnapshot(ctx, active)
	if err != nil {
		keep()
		return 0, err
	}
	next.snaps[plan], next.sums[plan] = snap, active.Checksum
	size := snap.MemoryBytes()
	s.opts.Logger.Info("price book in use", "plan", plan, "version", active.Version, "name", active.Name, "demo", active.Demo,
		"networks", snap.Networks(), "bytes", size, "streamed", snap.Streamed())
	if old := prev.snaps[plan]; old != nil {
		size = max(size, old.MemoryBytes())
	}
	return size, nil
}

// derivePlan puts a derived plan's snapshot into next: prev's when its
// base snapshot and markup are the same, else derived from the base's.
func (s *Service) derivePlan(p *kassa.Plan, prev, next *planSet) error {
	base := next.snaps[p.Base]
	if base == nil {
		return nil
	}
	if old := prev.snaps[p.Name]; old != nil && old.base == base && old.markup == p.Markup {
		next.snaps[p.Name] = old
		return nil
	}
	snap, err := base.Derive(p.Name, p.Markup)
	if err != nil {
		if old := prev.snaps[p.Name]; old != nil {
			next.snaps[p.Name] = old
		}
		return err
	}
	next.snaps[p.Name] = snap
	s.opts.Logger.Info("price plan in use", "plan", p.Name, "base", p.Base, "version", snap.Version(), "bytes", snap.MemoryBytes())
	return nil
}

// cachedSnapshot returns the compiled snapshot of a stored version from
// the cache when it holds it, else compiles it (and caches it).
func (s *Service) cachedSnapshot(ctx context.Context, v *kassa.PriceBookVersion) (*Snapshot, error) {
	key := ""
	if s.opts.Cache != nil {
		if key = cacheKey(s.ref, v, s.opts.FX, s.opts.PreRenderLimit); key != "" {
			if snap := s.opts.Cache.get(key); snap != nil {
				return snap, nil
			}
		}
	}
	snap, err := s.snapshotOf(ctx, v.Version)
	if err != nil {
		return nil, err
	}
	if key != "" {
		s.opts.Cache.put(key, snap)
	}
	return snap, nil
}

// Import validates book by compiling it and stores it as a new version
// (not yet active). A book with any problem is rejected whole with an
// EINVALID error listing the reasons; nothing is stored then. Import takes
// a whole book in memory; rate decks stream through ReadCSV and ImportDeck.
func (s *Service) Import(ctx context.Context, book *kassa.PriceBook, source string) (*kassa.PriceBookVersion, error) {
	if book == nil {
		return nil, fmt.Errorf("import price book: nil book")
	}
	// Checked as Compile checks it, without building the answers: the
	// version is compiled when it is used.
	if _, err := compileBook(book, s.ref, CompileOptions{FX: s.opts.FX, contentID: "check", checkOnly: true}); err != nil {
		return nil, err
	}
	return s.ImportDeck(ctx, encodeBook(book), ImportOptions{Source: source})
}

// Activate marks a version active from effectiveAt (the zero time means
// now) and, when it is in effect already, makes it current before
// returning. ENOTFOUND when there is no such version.
func (s *Service) Activate(ctx context.Context, version int64, effectiveAt time.Time) error {
	now := s.opts.Now()
	if effectiveAt.IsZero() {
		effectiveAt = now
	}
	ev, err := s.activationEvent(ctx, version, effectiveAt)
	if err != nil {
		return fmt.Errorf("activate price book %d: %w", version, err)
	}
	if err := s.store.ActivatePriceBook(ctx, version, effectiveAt, ev); err != nil {
		return fmt.Errorf("activate price book %d: %w", version, err)
	}
	s.opts.Logger.Info("price book activated", "version", version, "effective_at", effectiveAt)
	s.notify()
	if effectiveAt.After(now) {
		return nil
	}
	if err := s.Load(ctx); err != nil {
		return fmt.Errorf("activate price book %d: %w", version, err)
	}
	return nil
}

// activationEvent is the pricebook.activated event of activating version
// at effectiveAt, written with the activation. ENOTFOUND when there is no
// such version.
func (s *Service) activationEvent(ctx context.Context, version int64, effectiveAt time.Time) (*kassa.Event, error) {
	v, err := s.store.PriceBook(ctx, version)
	if err != nil {
		return nil, err
	}
	return kassa.NewEvent(kassa.EventPriceBookActivated, "", kassa.PriceBookActivatedData{
		Version: v.Version, Plan: v.Plan, Name: v.Name, Demo: v.Demo, Prices: v.Prices, Checksum: v.Checksum,
		EffectiveAt: effectiveAt.UTC().Format(time.RFC3339Nano),
	})
}

// EnsureDefault imports and activates the demo tariff when the store holds
// no price book at all, so that a fresh installation answers prices.
func (s *Service) EnsureDefault(ctx context.Context) error {
	books, err := s.store.PriceBooks(ctx)
	if err != nil {
		return fmt.Errorf("ensure default price book: %w", err)
	}
	if len(books) > 0 {
		return nil
	}
	v, err := s.Import(ctx, DemoBook(s.ref), "demo")
	if err != nil {
		return fmt.Errorf("ensure default price book: %w", err)
	}
	return s.Activate(ctx, v.Version, time.Time{})
}

// Service is the kassa.Rater of the application layer.
var _ kassa.Rater = (*Service)(nil)

// PlanSnapshot returns the snapshot of a price plan's prices (the default
// plan's for "" and kassa.DefaultPlan): EUNAVAILABLE when the plan has
// none (no active version, or its base has none). A plan this node has
// not loaded yet (created on another node a moment ago) is loaded first.
func (s *Service) PlanSnapshot(ctx context.Context, plan string) (*Snapshot, error) {
	if plan == "" || plan == kassa.DefaultPlan {
		return s.Snapshot()
	}
	if snap, known := s.planSnapshot(plan); snap != nil || known {
		return snap, planUnavailable(plan, snap)
	}
	if err := s.Load(ctx); err != nil && ctx.Err() != nil {
		return nil, err
	}
	snap, _ := s.planSnapshot(plan)
	return snap, planUnavailable(plan, snap)
}

// planSnapshot returns a plan's snapshot and whether the plan is known.
func (s *Service) planSnapshot(plan string) (*Snapshot, bool) {
	set := s.plans.Load()
	if set == nil {
		return nil, false
	}
	_, known := set.plans[plan]
	return set.snaps[plan], known
}

// planUnavailable is the error of a plan without prices (nil when snap is
// set).
func planUnavailable(plan string, snap *Snapshot) error {
	if snap != nil {
		return nil
	}
	return &kassa.Error{Code: kassa.EUNAVAILABLE, Message: fmt.Sprintf("price plan %q has no active price book", plan)}
}

// RatePlan rates a number with a plan's snapshot (see Snapshot.Rate and
// PlanSnapshot). It implements kassa.Rater.
func (s *Service) RatePlan(ctx context.Context, plan string, t kassa.ServiceType, number string, cur kassa.Currency) (kassa.Rating, error) {
	snap, err := s.PlanSnapshot(ctx, plan)
	if err != nil {
		return kassa.Rating{}, err
	}
	return snap.Rate(t, number, cur)
}

// ErrNoPriceBook reports that no snapshot is loaded yet.
var ErrNoPriceBook = &kassa.Error{Code: kassa.EUNAVAILABLE, Message: "no price book is active"}

// Snapshot returns the current snapshot or ErrNoPriceBook.
func (s *Service) Snapshot() (*Snapshot, error) {
	if snap := s.current.Load(); snap != nil {
		return snap, nil
	}
	return nil, ErrNoPriceBook
}

// Rate rates a number with the current snapshot (see Snapshot.Rate);
// ErrNoPriceBook before the first load. It implements kassa.Rater.
func (s *Service) Rate(t kassa.ServiceType, number string, cur kassa.Currency) (kassa.Rating, error) {
	snap := s.current.Load()
	if snap == nil {
		return kassa.Rating{}, ErrNoPriceBook
	}
	return snap.Rate(t, number, cur)
}
