package server

import (
	"net/netip"
	"time"
)

// Config is the checked configuration of a kassa server: what kassa serve
// reads from its flags, the environment and the config file
// (docs/configuration.md names each setting).
type Config struct {
	Data         string // the data directory: the SQLite file, the pepper, generated tokens
	Store        string // a PostgreSQL connection string; empty: SQLite in Data (for Options.OpenStore)
	NoMigrate    bool
	Addr         string // listen address of the APIs and the dashboard ("127.0.0.1:0": any free port)
	OpsAddr      string // empty: /metrics on Addr
	PepperFile   string // empty: DATA/pepper
	AdminToken   string // empty: generated and kept in DATA/admin-token
	ServiceToken string // empty: generated and kept in DATA/service-token
	Demo         bool   // create the demo account on a store's first start
	DemoKey      string
	DemoSecret   string

	LogFormat       string
	LogLevel        string
	AccessLog       bool
	TrustedProxies  []netip.Prefix
	ShutdownTimeout time.Duration
	UI              bool
	FX              map[string]string // exchange rates by "FROM/TO"

	ReloadGateway       string
	ReloadWebhookURL    string
	ReloadWebhookSecret string
	ReloadInterval      time.Duration
	ReloadLeaseTTL      time.Duration
	ReloadEventsURL     string
	EventsLeaseTTL      time.Duration // the event dispatcher's lease; events.DefaultLeaseTTL when 0
	AllowCallbackNet    []netip.Prefix
	CallbackTimeout     time.Duration

	RateLimits      bool
	AuthMaxFailures int // negative: the brute-force limiter is off
	AuthLockout     time.Duration
}
