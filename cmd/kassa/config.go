package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// setting is one configuration setting of kassa serve. Every setting has an
// environment variable and a config-file key (the same name) and, unless it
// is a secret that must not show in `ps`, a flag. Secrets also take a
// *_FILE variant in the environment and the config file.
type setting struct {
	name   string // flag name ("addr"); also the name in messages
	env    string // environment variable and config-file key ("KASSA_ADDR")
	def    string // default, as text
	usage  string // one line of --help
	kind   settingKind
	secret bool   // redacted by --print-config; accepts NAME_FILE
	noFlag bool   // environment and config file only
	typ    string // the value's name in --help when the kind does not say it
}

// settingKind is how a setting's text is read.
type settingKind int

const (
	kindString settingKind = iota
	kindBool               // true/false, on/off, yes/no, 1/0
	kindList               // repeatable flag; comma-separated in env and file
)

// Sources of an effective value, as --print-config names them.
const (
	fromDefault = "default"
	fromFile    = "file"
	fromEnv     = "env"
	fromFlag    = "flag"
)

// serveSettings lists every setting of kassa serve, in --print-config order.
var serveSettings = []setting{
	{name: "data", env: "KASSA_DATA", def: "./kassa-data", usage: "data directory: the SQLite database, the pepper and generated tokens"},
	{name: "store", env: "KASSA_STORE", secret: true, usage: "PostgreSQL URL (postgres://… or postgresql://…) or key=value connection string (host=… dbname=…); empty means the SQLite file in --data"},
	{name: "no-migrate", env: "KASSA_NO_MIGRATE", def: "false", kind: kindBool, usage: "refuse to start on an older schema instead of migrating it (run 'kassa migrate' first)"},
	{name: "addr", env: "KASSA_ADDR", def: "127.0.0.1:8080", usage: "listen address (host:port) of the APIs and the dashboard"},
	{name: "ops-addr", env: "KASSA_OPS_ADDR", usage: "listen address of /metrics; empty means /metrics is served on --addr"},
	{name: "pepper-file", env: "KASSA_PEPPER_FILE", usage: "file holding the hex key of the secret hashes, created when missing (default DATA/pepper; nodes sharing a database must share it)"},
	{name: "admin-token", env: "KASSA_ADMIN_TOKEN", secret: true, usage: "admin API bearer token (default: generated and kept in the data directory)"},
	{name: "service-token", env: "KASSA_SERVICE_TOKEN", secret: true, usage: "platform API bearer token (default: generated and kept in the data directory)"},
	{name: "demo", env: "KASSA_DEMO", def: "on", kind: kindBool, usage: "create the demo account (10.00 EUR of demo money) on a store's first start: on or off (off for production)"},
	{name: "demo-key", env: "KASSA_DEMO_KEY", usage: "api key of the demo account, created when missing (default: generated on the first start)"},
	{name: "demo-secret", env: "KASSA_DEMO_SECRET", secret: true, usage: "api secret of the demo account when it is created (default: generated)"},
	{name: "log-format", env: "KASSA_LOG_FORMAT", def: "text", usage: "log format: text or json"},
	{name: "log-level", env: "KASSA_LOG_LEVEL", def: "info", usage: "log level: debug, info, warn or error"},
	{name: "access-log", env: "KASSA_ACCESS_LOG", def: "on", kind: kindBool, usage: "one log line per request (method, route, status, duration, bytes, request id, remote): on or off"},
	{name: "trusted-proxy", env: "KASSA_TRUSTED_PROXY", kind: kindList, typ: "cidr", usage: "network (CIDR) or address of a reverse proxy whose X-Forwarded-For names the client (repeatable); none by default"},
	{name: "shutdown-timeout", env: "KASSA_SHUTDOWN_TIMEOUT", def: "15s", usage: "how long in-flight requests may take to finish on shutdown"},
	{name: "ui", env: "KASSA_UI", def: "on", kind: kindBool, usage: "serve the dashboard under /ui/: on or off"},
	{name: "fx", env: "KASSA_FX", kind: kindList, typ: "FROM/TO=RATE", usage: "exchange rate for prices in another currency than the price book's (e.g. EUR/USD=1.0825; repeatable); converted exactly, half-even at 8 decimals"},
	{name: "reload-gateway", env: "KASSA_RELOAD_GATEWAY", usage: "payment gateway of top-ups and auto-reload: webhook or ledger-only; empty means none (every top-up is declined)"},
	{name: "reload-webhook-url", env: "KASSA_RELOAD_WEBHOOK_URL", usage: "the billing service's payment endpoint (webhook gateway)"},
	{name: "reload-webhook-secret", env: "KASSA_RELOAD_WEBHOOK_SECRET", secret: true, noFlag: true, usage: "shared signing secret of the payment webhook and events, at least 16 bytes"},
	{name: "reload-interval", env: "KASSA_RELOAD_INTERVAL", def: "10m", usage: "how often the scheduler looks for accounts to reload"},
	{name: "reload-lease-ttl", env: "KASSA_RELOAD_LEASE_TTL", def: "1m", usage: "how long a node holds the scheduler lease between renewals; when a node dies another takes over after at most this long"},
	{name: "reload-events-url", env: "KASSA_RELOAD_EVENTS_URL", usage: "where to POST auto-reload events (optional, signed with the webhook secret)"},
	{name: "events-lease-ttl", env: "KASSA_EVENTS_LEASE_TTL", def: "30s", usage: "how long a node holds the event dispatcher lease between renewals; when it dies another node delivers the webhooks after at most this long"},
	{name: "allow-callback-net", env: "KASSA_ALLOW_CALLBACK_NET", kind: kindList, typ: "cidr", usage: "network (CIDR) that callbacks and webhooks may reach although it is private (repeatable)"},
	{name: "callback-timeout", env: "KASSA_CALLBACK_TIMEOUT", def: "5s", usage: "how long a callback URL check may take"},
	{name: "rate-limits", env: "KASSA_RATE_LIMITS", def: "on", kind: kindBool, usage: "enforce the per-account rate limits (max-calls-per-second, pricing, max-outbound-request): on or off"},
	{name: "auth-max-failures", env: "KASSA_AUTH_MAX_FAILURES", def: "20", usage: "failed authentications of one client on one api key within a minute before a lock-out; off disables the brute-force limiter"},
	{name: "auth-lockout", env: "KASSA_AUTH_LOCKOUT", def: "5m", usage: "how long a brute-force lock-out lasts"},
	{name: "emulator", env: "KASSA_EMULATOR", def: "false", kind: kindBool, usage: "run as a test double (throw-away SQLite data, top-ups without a gateway, callbacks to local networks, the /_emulator/ control API; see docs/emulator.md)"},
	{name: "fixtures", env: "KASSA_FIXTURES", typ: "file", usage: "with --emulator: accounts and price overrides to load (JSON or YAML), restored by every reset"},
}

// value is a setting's effective value and where it came from.
type value struct {
	text   string
	source string
	file   string // the NAME_FILE a secret was read from, if it was
}

// settingValues are the effective values, by setting name.
type settingValues map[string]value

// addSettingFlags defines a flag for every setting that has one. Values are
// read as text; parseServeConfig checks them. The environment is not read
// here: resolveSettings applies the precedence after parsing.
func addSettingFlags(f *pflag.FlagSet, settings []setting) {
	for _, s := range settings {
		if s.noFlag {
			continue
		}
		usage := s.usage + " (env " + s.env
		if s.secret {
			usage += " or " + s.env + "_FILE"
		}
		usage += ")"
		switch s.kind {
		case kindList:
			f.Var(&listValue{typ: s.flagType()}, s.name, usage)
		default:
			v := &textValue{text: s.def, typ: s.flagType()}
			f.Var(v, s.name, usage)
			if s.kind == kindBool && s.def == "false" {
				// A switch (--no-migrate); on/off settings take a value
				// (--rate-limits off).
				f.Lookup(s.name).NoOptDefVal = "true"
			}
		}
	}
}

// flagType is the value's kind as --help shows it.
func (s setting) flagType() string {
	switch {
	case s.typ != "":
		return s.typ
	case s.kind == kindBool && s.def == "false":
		return "bool"
	case s.kind == kindBool:
		return "on|off"
	case s.kind == kindList:
		return "list"
	case strings.HasSuffix(s.name, "addr"):
		return "host:port"
	case strings.HasSuffix(s.name, "-interval"), strings.HasSuffix(s.name, "-timeout"), strings.HasSuffix(s.name, "-lockout"):
		return "duration"
	case strings.HasSuffix(s.name, "-url"), s.name == "store":
		return "url"
	case strings.HasSuffix(s.name, "-file"):
		return "file"
	case s.name == "data":
		return "dir"
	}
	return "string"
}

// textValue is a flag kept as text; parseServeConfig checks it.
type textValue struct {
	text string
	typ  string
}

func (v *textValue) String() string     { return v.text }
func (v *textValue) Set(s string) error { v.text = s; return nil }
func (v *textValue) Type() string       { return v.typ }

// listValue is a repeatable flag kept as text.
type listValue struct {
	items []string
	typ   string
}

func (v *listValue) String() string     { return strings.Join(v.items, ",") }
func (v *listValue) Set(s string) error { v.items = append(v.items, s); return nil }
func (v *listValue) Type() string       { return v.typ }

// resolveSettings returns every setting's effective value: flag, else
// environment, else config file, else default.
func resolveSettings(settings []setting, f *pflag.FlagSet, getenv func(string) string, file map[string]string) (settingValues, error) {
	out := settingValues{}
	for _, s := range settings {
		v, err := resolveSetting(s, f, getenv, file)
		if err != nil {
			return nil, err
		}
		out[s.name] = v
	}
	return out, nil
}

// resolveSetting applies the precedence to one setting.
func resolveSetting(s setting, f *pflag.FlagSet, getenv func(string) string, file map[string]string) (value, error) {
	if !s.noFlag && f.Changed(s.name) {
		return value{text: f.Lookup(s.name).Value.String(), source: fromFlag}, nil
	}
	v, ok, err := lookupSetting(s, getenv, "the environment")
	if err != nil || ok {
		v.source = fromEnv
		return v, err
	}
	v, ok, err = lookupSetting(s, func(k string) string { return file[k] }, "the config file")
	if err != nil || ok {
		v.source = fromFile
		return v, err
	}
	return value{text: s.def, source: fromDefault}, nil
}

// lookupSetting reads the setting from one source: its variable, or for a
// secret the file named by its *_FILE variable (not both).
func lookupSetting(s setting, get func(string) string, where string) (value, bool, error) {
	v := get(s.env)
	if !s.secret {
		return value{text: v}, v != "", nil
	}
	path := get(s.env + "_FILE")
	switch {
	case v != "" && path != "":
		return value{}, false, usageError("%s and %s_FILE are both set in %s: use one", s.env, s.env, where)
	case path != "":
		secret, err := readSecretFile(s.env+"_FILE", path)
		return value{text: secret, file: path}, err == nil, err
	}
	return value{text: v}, v != "", nil
}

// printConfig writes the effective configuration as a config file: one
// KEY=value line per setting, each after a comment line with its source, no
// trailing comments (a systemd EnvironmentFile has none). Read back as a
// config file it gives the same configuration, without any secret: a secret
// read from a NAME_FILE is printed as that NAME_FILE line; a line whose
// value had to be redacted (a secret given directly, a URL with a password
// or a token in it) is commented out, showing the redacted value, so that
// "<redacted>" is never read back as a value.
func printConfig(w io.Writer, settings []setting, vals settingValues) {
	fmt.Fprint(w, `# kassa serve: the effective configuration, a valid config file (--config).
# Lines commented out held a secret: set them again, or use NAME_FILE.
`)
	for _, s := range settings {
		v := vals[s.name]
		if s.secret && v.file != "" {
			fmt.Fprintf(w, "# source: %s\n%s_FILE=%s\n", v.source, s.env, quoteIfNeeded(v.file))
			continue
		}
		shown := redactSetting(s, v.text)
		if shown != v.text {
			fmt.Fprintf(w, "# source: %s; redacted: set it again, or use %s_FILE\n# %s=%s\n", v.source, s.env, s.env, quoteIfNeeded(shown))
			continue
		}
		fmt.Fprintf(w, "# source: %s\n%s=%s\n", v.source, s.env, quoteIfNeeded(v.text))
	}
}

// redactSetting returns a setting's value fit to print: the store's
// connection string and every URL without password or token, any other
// secret replaced whole.
func redactSetting(s setting, text string) string {
	switch {
	case text == "":
		return ""
	case s.name == "store":
		return redactConnString(text)
	case s.flagType() == "url":
		return redactURL(text, true)
	case s.secret:
		return redacted
	}
	return text
}

// quoteIfNeeded quotes a value that holds spaces or a '#'.
func quoteIfNeeded(s string) string {
	if strings.ContainsAny(s, " \t#\"'") {
		return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
	}
	return s
}
