package main

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kassa-dev/kassa"
	"github.com/kassa-dev/kassa/emulator"
	"github.com/kassa-dev/kassa/pricing"
	"github.com/kassa-dev/kassa/reload"
	"github.com/kassa-dev/kassa/server"
	"github.com/kassa-dev/kassa/webhook"
)

// serveConfig is the checked configuration of kassa serve: the server's,
// and whether it runs as the emulator.
type serveConfig struct {
	server.Config
	Emulator bool   // --emulator
	Fixtures string // --fixtures: a fixture file to load (emulator only)
}

// emulatorAuthMaxFailures is --auth-max-failures under --emulator when it is
// not set: a test suite that tries wrong secrets on purpose must not lock
// itself out.
const emulatorAuthMaxFailures = 1000

// configError is an invalid setting: the message names the setting, its
// flag and variable, and why the value is refused (never a secret's value).
func configError(s setting, format string, args ...any) error {
	name := "--" + s.name + " (" + s.env + ")"
	if s.noFlag {
		name = s.env
	}
	return usageError("%s: %s", name, fmt.Sprintf(format, args...))
}

// settingByName returns the setting called name; it panics on a name that
// is not in the table (a programming error).
func settingByName(settings []setting, name string) setting {
	for _, s := range settings {
		if s.name == name {
			return s
		}
	}
	panic("no setting " + name)
}

// settingsNamed returns the settings with the given names, in that order;
// it panics on a name that is not in the table (a programming error).
func settingsNamed(settings []setting, names ...string) []setting {
	out := make([]setting, len(names))
	for i, name := range names {
		out[i] = settingByName(settings, name)
	}
	return out
}

// configParser reads typed values out of resolved settings and keeps the
// first error.
type configParser struct {
	settings []setting
	vals     settingValues
	err      error
}

func (p *configParser) fail(name, format string, args ...any) {
	if p.err == nil {
		p.err = configError(settingByName(p.settings, name), format, args...)
	}
}

func (p *configParser) str(name string) string { return p.vals[name].text }

func (p *configParser) bool(name string) bool {
	switch strings.ToLower(p.str(name)) {
	case "true", "on", "yes", "1":
		return true
	case "false", "off", "no", "0":
		return false
	}
	p.fail(name, "%q is not on or off (true/false)", truncate(p.str(name), 32))
	return false
}

func (p *configParser) duration(name string) time.Duration {
	d, err := time.ParseDuration(p.str(name))
	switch {
	case err != nil:
		p.fail(name, "%q is not a duration such as 30s or 10m", truncate(p.str(name), 32))
	case d <= 0:
		p.fail(name, "must be positive, not %s", d)
	}
	return d
}

// maxFailures reads a positive count, or "off" (returned as -1).
func (p *configParser) maxFailures(name string) int {
	v := p.str(name)
	if strings.EqualFold(v, "off") {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 1_000_000 {
		p.fail(name, "%q: use a count from 1 to 1000000, or off", truncate(v, 32))
	}
	return n
}

func (p *configParser) addr(name string) string {
	v := p.str(name)
	if v == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		p.fail(name, "%q is not a host:port address", truncate(v, 64))
		return v
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.fail(name, "%q: the port must be a number from 0 to 65535", truncate(v, 64))
	}
	if host != "" && net.ParseIP(host) == nil && strings.ContainsAny(host, " /?#") {
		p.fail(name, "%q: not a host name or IP address", truncate(v, 64))
	}
	return v
}

// cidrs reads a list of networks (CIDR, or a single address); noun names
// one of them in a refusal ("allowed network", "proxy network").
func (p *configParser) cidrs(name, noun string) []netip.Prefix {
	v := p.str(name)
	if v == "" {
		return nil
	}
	var out []netip.Prefix
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s == "" {
			continue
		}
		prefix, err := parseNetwork(s)
		if err != nil {
			p.fail(name, "%s %q: want CIDR such as 10.0.0.0/8 or a single address", noun, truncate(s, 64))
			return nil
		}
		out = append(out, prefix)
	}
	return out
}

// parseNetwork reads a CIDR or a single address (a /32 or /128).
func parseNetwork(s string) (netip.Prefix, error) {
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (p *configParser) oneOf(name string, allowed ...string) string {
	v := p.str(name)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, "%q: use %s", truncate(v, 32), strings.Join(allowed, " or "))
	return v
}

// gateway reads the reload gateway kind; empty means none.
func (p *configParser) gateway(name string) string {
	switch v := p.str(name); v {
	case reload.GatewayNone, reload.GatewayWebhook, reload.GatewayLedgerOnly:
		return v
	default:
		p.fail(name, "%q: use webhook or ledger-only, or leave it empty for none", truncate(v, 32))
		return v
	}
}

// parseServeConfig checks every resolved setting and builds the
// configuration. The first invalid setting is the error.
func parseServeConfig(settings []setting, vals settingValues) (*serveConfig, error) {
	p := &configParser{settings: settings, vals: vals}
	c := &serveConfig{Config: server.Config{
		Data:         p.str("data"),
		Store:        p.str("store"),
		NoMigrate:    p.bool("no-migrate"),
		Addr:         p.addr("addr"),
		OpsAddr:      p.addr("ops-addr"),
		PepperFile:   p.str("pepper-file"),
		AdminToken:   p.str("admin-token"),
		ServiceToken: p.str("service-token"),
		Demo:         p.bool("demo"),
		DemoKey:      p.str("demo-key"),
		DemoSecret:   p.str("demo-secret"),

		LogFormat:       p.oneOf("log-format", "text", "json"),
		LogLevel:        p.oneOf("log-level", "debug", "info", "warn", "error"),
		AccessLog:       p.bool("access-log"),
		TrustedProxies:  p.cidrs("trusted-proxy", "proxy network"),
		ShutdownTimeout: p.duration("shutdown-timeout"),
		UI:              p.bool("ui"),
		FX:              p.fx("fx"),

		ReloadGateway:       p.gateway("reload-gateway"),
		ReloadWebhookURL:    p.str("reload-webhook-url"),
		ReloadWebhookSecret: p.str("reload-webhook-secret"),
		ReloadInterval:      p.duration("reload-interval"),
		ReloadLeaseTTL:      p.duration("reload-lease-ttl"),
		ReloadEventsURL:     p.str("reload-events-url"),
		EventsLeaseTTL:      p.duration("events-lease-ttl"),
		AllowCallbackNet:    p.cidrs("allow-callback-net", "allowed network"),
		CallbackTimeout:     p.duration("callback-timeout"),

		RateLimits:      p.bool("rate-limits"),
		AuthMaxFailures: p.maxFailures("auth-max-failures"),
		AuthLockout:     p.duration("auth-lockout"),
	}, Emulator: p.bool("emulator"), Fixtures: p.str("fixtures")}
	if p.err != nil {
		return nil, p.err
	}
	if c.Data == "" {
		p.fail("data", "must not be empty")
	}
	if _, err := parseStoreURL(c.Store); err != nil {
		p.fail("store", "%s", err)
	}
	if c.Addr == "" {
		p.fail("addr", "must not be empty")
	}
	p.checkReload(&c.Config)
	p.checkEmulator(c)
	if p.err != nil {
		return nil, p.err
	}
	return c, nil
}

// checkEmulator checks --emulator with the settings it needs, and makes the
// brute-force limiter generous under it unless it is set.
func (p *configParser) checkEmulator(c *serveConfig) {
	if !c.Emulator {
		if c.Fixtures != "" {
			p.fail("fixtures", "fixtures are loaded by the emulator: add --emulator")
		}
		return
	}
	switch {
	case c.Store != "":
		p.fail("emulator", "%v", emulator.ErrPostgres)
	case !c.Demo:
		p.fail("emulator", "%v", emulator.ErrDemoOff)
	}
	if p.vals["auth-max-failures"].source == fromDefault {
		c.AuthMaxFailures = emulatorAuthMaxFailures
	}
}

// fx reads the exchange rates of a list setting ("EUR/USD=1.0825" items).
func (p *configParser) fx(name string) map[string]string {
	v := p.str(name)
	if v == "" {
		return nil
	}
	rates, err := pricing.ParseFX(v)
	if err != nil {
		p.fail(name, "%s", kassa.ErrorMessage(err))
		return nil
	}
	return rates
}

// checkReload checks the settings of the payment gateway together.
func (p *configParser) checkReload(c *server.Config) {
	if c.ReloadGateway == reload.GatewayWebhook {
		switch {
		case c.ReloadWebhookURL == "":
			p.fail("reload-webhook-url", "the webhook gateway needs the billing service's URL")
		case len(c.ReloadWebhookSecret) < 16:
			p.fail("reload-webhook-secret", "the webhook gateway needs a signing secret of at least 16 bytes")
		}
	}
	if c.ReloadWebhookURL != "" {
		if _, err := webhook.ValidateURL(c.ReloadWebhookURL); err != nil {
			p.fail("reload-webhook-url", "%v", err)
		}
	}
	if c.ReloadEventsURL != "" {
		if _, err := webhook.ValidateURL(c.ReloadEventsURL); err != nil {
			p.fail("reload-events-url", "%v", err)
		}
		if len(c.ReloadWebhookSecret) < 16 {
			p.fail("reload-webhook-secret", "events are signed: set a secret of at least 16 bytes")
		}
	}
}
