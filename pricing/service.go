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

	current    atomic.Pointer[Snapshot]
	currentSum string     // the checksum of current's stored data (a restored store may reuse a version number)
	loadMu     sync.Mutex // serialises Load so that compiles do not race; guards currentSum

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

// Load makes the version active at now current: it loads, compiles and
// swaps it in unless it is current already. ENOTFOUND when no version is
// active; a version that fails to compile leaves the current one in place.
func (s *Service) Load(ctx context.Context) error {
	s.loadMu.Lock()
	defer s.loadMu.Unlock()
	active, err := s.store.ActivePriceBook(ctx, kassa.DefaultPlan, s.opts.Now())
	if err != nil {
		return fmt.Errorf("load active price book: %w", err)
	}
	if cur := s.current.Load(); cur != nil && cur.version == active.Version && s.currentSum == active.Checksum {
		return nil
	}
	snap, err := s.cachedSnapshot(ctx, active)
	if err != nil {
		return err
	}
	old := s.current.Swap(snap)
	s.currentSum = active.Checksum
	size := snap.MemoryBytes()
	s.opts.Logger.Info("price book in use", "version", active.Version, "name", active.Name, "demo", active.Demo,
		"networks", snap.Networks(), "bytes", size, "streamed", snap.Streamed())
	if old != nil {
		size = max(size, old.MemoryBytes())
	}
	releaseMemory(size)
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
		Version: v.Version, Name: v.Name, Demo: v.Demo, Prices: v.Prices, Checksum: v.Checksum,
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
