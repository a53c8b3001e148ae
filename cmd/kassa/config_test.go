package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// mapEnv is an environment made of a map.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// printedConfig runs kassa serve --print-config and returns the KEY=VALUE
// lines by key as "value  # source" (the source is the comment line above
// each), the exit code and stderr.
func printedConfig(t *testing.T, env map[string]string, args ...string) (map[string]string, int, string) {
	t.Helper()
	code, out, stderr := runCmd(t, mapEnv(env), append([]string{"serve", "--print-config"}, args...)...)
	return printedLines(out), code, stderr
}

// printedLines reads --print-config output into "value  # source" by key.
func printedLines(out string) map[string]string {
	lines := map[string]string{}
	source := ""
	for _, l := range strings.Split(out, "\n") {
		if s, ok := strings.CutPrefix(l, "# source: "); ok {
			source = s
			continue
		}
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			lines[k] = v + "  # " + source
		}
	}
	return lines
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kassa.conf")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestConfigPrecedence: a flag beats the environment, the environment beats
// the file, the file beats the default; each line names its source.
func TestConfigPrecedence(t *testing.T) {
	file := writeFile(t, `# kassa config
KASSA_ADDR=127.0.0.1:7001
KASSA_LOG_LEVEL=warn
KASSA_RELOAD_INTERVAL="3m"
KASSA_CALLBACK_TIMEOUT=7s
`)
	env := map[string]string{"KASSA_CONFIG": file, "KASSA_ADDR": "127.0.0.1:7002", "KASSA_LOG_LEVEL": "debug"}
	got, code, stderr := printedConfig(t, env, "--addr", "127.0.0.1:7003")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for key, want := range map[string]string{
		"KASSA_ADDR":             "127.0.0.1:7003  # flag",
		"KASSA_LOG_LEVEL":        "debug  # env",
		"KASSA_RELOAD_INTERVAL":  "3m  # file",
		"KASSA_CALLBACK_TIMEOUT": "7s  # file",
		"KASSA_LOG_FORMAT":       "text  # default",
		"KASSA_RATE_LIMITS":      "on  # default",
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %q", key, got[key], want)
		}
	}
	// --config beats KASSA_CONFIG.
	other := writeFile(t, "KASSA_LOG_FORMAT=json\n")
	got, _, _ = printedConfig(t, env, "--config", other)
	if got["KASSA_LOG_FORMAT"] != "json  # file" || got["KASSA_RELOAD_INTERVAL"] != "10m  # default" {
		t.Errorf("--config did not replace KASSA_CONFIG: %v", got)
	}
}

// TestConfigLists: a repeatable flag replaces the environment's comma list.
func TestConfigLists(t *testing.T) {
	env := map[string]string{"KASSA_ALLOW_CALLBACK_NET": "10.0.0.0/8, 192.168.1.0/24"}
	got, code, stderr := printedConfig(t, env)
	if code != 0 || got["KASSA_ALLOW_CALLBACK_NET"] != `"10.0.0.0/8, 192.168.1.0/24"  # env` {
		t.Errorf("exit %d %s: %q", code, stderr, got["KASSA_ALLOW_CALLBACK_NET"])
	}
	got, _, _ = printedConfig(t, env, "--allow-callback-net", "10.1.0.0/16", "--allow-callback-net", "10.2.0.0/16")
	if got["KASSA_ALLOW_CALLBACK_NET"] != "10.1.0.0/16,10.2.0.0/16  # flag" {
		t.Errorf("flag list: %q", got["KASSA_ALLOW_CALLBACK_NET"])
	}
}

// TestConfigRedaction: secrets given by flag, environment, *_FILE or the
// config file never appear in --print-config, nor does a password or token
// inside a URL-valued setting (the store's URL or key=value string, the
// webhook URLs). A secret read from a file is printed as its *_FILE line;
// a line whose value was redacted is commented out.
func TestConfigRedaction(t *testing.T) {
	secretFile := filepath.Join(t.TempDir(), "webhook-secret")
	if err := os.WriteFile(secretFile, []byte("whsec-0123456789abcdef-s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	conf := writeFile(t, "KASSA_SERVICE_TOKEN=svc-token-s3cr3t\nKASSA_DEMO_SECRET=DemoSecret-s3cr3t1\n")
	env := map[string]string{
		"KASSA_STORE":                      "postgres://kassa:pg-password-s3cr3t@db.internal/kassa?sslmode=require&password=again-s3cr3t",
		"KASSA_RELOAD_WEBHOOK_SECRET_FILE": secretFile,
		"KASSA_RELOAD_GATEWAY":             "webhook",
		"KASSA_RELOAD_WEBHOOK_URL":         "https://billing:pass-s3cr3t@billing.example.com/pay?account=7&token=tok-s3cr3t",
		"KASSA_RELOAD_EVENTS_URL":          "https://tok-s3cr3t@events.example.com/in",
	}
	code, out, stderr := runCmd(t, mapEnv(env), "serve", "--print-config", "--config", conf, "--admin-token", "adm-token-s3cr3t")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(out+stderr, "s3cr3t") {
		t.Fatalf("a secret was printed:\n%s", out)
	}
	for _, want := range []string{
		"# source: env; redacted: set it again, or use KASSA_STORE_FILE\n# KASSA_STORE=postgres://kassa:<redacted>@db.internal/kassa?sslmode=require&password=<redacted>",
		"# source: flag; redacted: set it again, or use KASSA_ADMIN_TOKEN_FILE\n# KASSA_ADMIN_TOKEN=<redacted>",
		"# source: file; redacted: set it again, or use KASSA_SERVICE_TOKEN_FILE\n# KASSA_SERVICE_TOKEN=<redacted>",
		"# KASSA_DEMO_SECRET=<redacted>",
		"# source: env\nKASSA_RELOAD_WEBHOOK_SECRET_FILE=" + secretFile,
		"# KASSA_RELOAD_WEBHOOK_URL=https://billing:<redacted>@billing.example.com/pay?account=7&token=<redacted>",
		"# KASSA_RELOAD_EVENTS_URL=https://<redacted>@events.example.com/in",
		"# source: env\nKASSA_RELOAD_GATEWAY=webhook",
	} {
		if !strings.Contains(out, want+"\n") {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
	for _, kv := range []struct{ store, want string }{
		{"host=db dbname=kassa user=kassa password='pg s3cr3t'", "# KASSA_STORE=\"host=db dbname=kassa user=kassa password=<redacted>\""},
		{"host=db dbname=kassa", "# source: flag\nKASSA_STORE=\"host=db dbname=kassa\""},
		{"postgres://kassa@db/kassa", "# source: flag\nKASSA_STORE=postgres://kassa@db/kassa"},
	} {
		code, out, stderr := runCmd(t, noEnv, "serve", "--print-config", "--store", kv.store)
		if code != 0 || strings.Contains(out, "s3cr3t") || !strings.Contains(out, kv.want+"\n") {
			t.Errorf("--store %q: exit %d %s:\n%s\nwant %q", kv.store, code, stderr, out, kv.want)
		}
	}
}

// TestPrintConfigRoundTrip: the output of --print-config is a valid config
// file; read back, it gives the same configuration, except the redacted
// lines, which are commented out (so "<redacted>" never becomes a value),
// and secrets from files, which come back as the same *_FILE.
func TestPrintConfigRoundTrip(t *testing.T) {
	tokenFile := filepath.Join(t.TempDir(), "service-token")
	if err := os.WriteFile(tokenFile, []byte("svc-s3cr3t\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"KASSA_SERVICE_TOKEN_FILE":    tokenFile,
		"KASSA_ALLOW_CALLBACK_NET":    "10.0.0.0/8, 192.168.1.0/24",
		"KASSA_RELOAD_EVENTS_URL":     "https://user:pw-s3cr3t@events.example.com/in",
		"KASSA_FX":                    "EUR/USD=1.0825",
		"KASSA_RELOAD_WEBHOOK_SECRET": "0123456789abcdef-s3cr3t",
	}
	code, first, stderr := runCmd(t, mapEnv(env), "serve", "--print-config", "--admin-token", "adm-s3cr3t", "--addr", "127.0.0.1:7070")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	vals, err := parseConfig(strings.NewReader(first), serveSettings)
	if err != nil {
		t.Fatalf("the output is not a valid config file: %v\n%s", err, first)
	}
	for k, v := range vals {
		if strings.Contains(v, "redacted") || strings.Contains(v, "s3cr3t") {
			t.Errorf("%s=%q read back", k, v)
		}
	}
	if vals["KASSA_SERVICE_TOKEN_FILE"] != tokenFile || vals["KASSA_ADDR"] != "127.0.0.1:7070" || vals["KASSA_ALLOW_CALLBACK_NET"] != "10.0.0.0/8, 192.168.1.0/24" {
		t.Errorf("read back: %v", vals)
	}
	if _, ok := vals["KASSA_ADMIN_TOKEN"]; ok {
		t.Error("the redacted admin token was read back")
	}
	// Fed back as the config file, it prints the same lines (sources aside),
	// but for the ones redacted.
	conf := writeFile(t, first)
	code, second, stderr := runCmd(t, noEnv, "serve", "--print-config", "--config", conf)
	if code != 0 {
		t.Fatalf("second run: exit %d: %s", code, stderr)
	}
	strip := func(out string) map[string]string {
		m := printedLines(out)
		for k, v := range m {
			m[k], _, _ = strings.Cut(v, "  # ")
		}
		return m
	}
	a, b := strip(first), strip(second)
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %q, read back as %q", k, v, b[k])
		}
	}
	for k, v := range b {
		if _, ok := a[k]; !ok && v != "" {
			t.Errorf("%s=%q appeared: only redacted settings may change (to their empty default)", k, v)
		}
	}
}

// TestConfigSecretFileConflict: NAME and NAME_FILE together are refused.
func TestConfigSecretFileConflict(t *testing.T) {
	env := map[string]string{"KASSA_ADMIN_TOKEN": "a", "KASSA_ADMIN_TOKEN_FILE": "/nonexistent"}
	_, code, stderr := printedConfig(t, env)
	if code != exitUsage || !strings.Contains(stderr, "KASSA_ADMIN_TOKEN and KASSA_ADMIN_TOKEN_FILE are both set") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	env = map[string]string{"KASSA_ADMIN_TOKEN_FILE": filepath.Join(t.TempDir(), "missing")}
	_, code, stderr = printedConfig(t, env)
	if code != exitUsage || !strings.Contains(stderr, "KASSA_ADMIN_TOKEN_FILE: cannot read") {
		t.Errorf("missing secret file: exit %d: %s", code, stderr)
	}
}

// TestConfigValidation: each invalid setting fails at start with a message
// naming the setting and why, exit code 2, and never echoes a secret.
func TestConfigValidation(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"bad address", nil, []string{"--addr", "localhost"}, `--addr (KASSA_ADDR): "localhost" is not a host:port address`},
		{"bad port", nil, []string{"--addr", "127.0.0.1:99999"}, `--addr (KASSA_ADDR): "127.0.0.1:99999": the port must be a number from 0 to 65535`},
		{"bad ops address", map[string]string{"KASSA_OPS_ADDR": "nope"}, nil, `--ops-addr (KASSA_OPS_ADDR): "nope" is not a host:port address`},
		{"unknown gateway", map[string]string{"KASSA_RELOAD_GATEWAY": "stripe"}, nil, `--reload-gateway (KASSA_RELOAD_GATEWAY): "stripe": use webhook or ledger-only, or leave it empty for none`},
		{"bad CIDR", nil, []string{"--allow-callback-net", "10.0.0.0/33"}, `--allow-callback-net (KASSA_ALLOW_CALLBACK_NET): allowed network "10.0.0.0/33"`},
		{"bad trusted proxy", map[string]string{"KASSA_TRUSTED_PROXY": "proxy.local"}, nil, `--trusted-proxy (KASSA_TRUSTED_PROXY): proxy network "proxy.local": want CIDR such as 10.0.0.0/8 or a single address`},
		{"zero interval", nil, []string{"--reload-interval", "0s"}, `--reload-interval (KASSA_RELOAD_INTERVAL): must be positive, not 0s`},
		{"zero lease", map[string]string{"KASSA_RELOAD_LEASE_TTL": "0s"}, nil, `--reload-lease-ttl (KASSA_RELOAD_LEASE_TTL): must be positive, not 0s`},
		{"negative timeout", nil, []string{"--callback-timeout", "-1s"}, `--callback-timeout (KASSA_CALLBACK_TIMEOUT): must be positive, not -1s`},
		{"not a duration", nil, []string{"--auth-lockout", "five"}, `--auth-lockout (KASSA_AUTH_LOCKOUT): "five" is not a duration`},
		{"bad max failures", nil, []string{"--auth-max-failures", "0"}, `--auth-max-failures (KASSA_AUTH_MAX_FAILURES): "0": use a count from 1 to 1000000, or off`},
		{"negative max failures", nil, []string{"--auth-max-failures", "-1"}, `--auth-max-failures (KASSA_AUTH_MAX_FAILURES): "-1": use a count from 1 to 1000000, or off`},
		{"bad bool", nil, []string{"--rate-limits", "maybe"}, `--rate-limits (KASSA_RATE_LIMITS): "maybe" is not on or off`},
		{"bad exchange rate", nil, []string{"--fx", "EUR/USD=1,08"}, `--fx (KASSA_FX): exchange rate`},
		{"negative exchange rate", map[string]string{"KASSA_FX": "EUR/USD=-1.08"}, nil, `--fx (KASSA_FX): `},
		{"bad log format", nil, []string{"--log-format", "yaml"}, `--log-format (KASSA_LOG_FORMAT): "yaml": use text or json`},
		{"webhook without URL", map[string]string{"KASSA_RELOAD_GATEWAY": "webhook", "KASSA_RELOAD_WEBHOOK_SECRET": "0123456789abcdefs3cr3t"}, nil, `--reload-webhook-url (KASSA_RELOAD_WEBHOOK_URL): the webhook gateway needs the billing service's URL`},
		{"webhook without secret", map[string]string{"KASSA_RELOAD_GATEWAY": "webhook", "KASSA_RELOAD_WEBHOOK_URL": "https://billing.example.com/pay"}, nil, `KASSA_RELOAD_WEBHOOK_SECRET: the webhook gateway needs a signing secret of at least 16 bytes`},
		{"webhook short secret", map[string]string{"KASSA_RELOAD_GATEWAY": "webhook", "KASSA_RELOAD_WEBHOOK_URL": "https://billing.example.com/pay", "KASSA_RELOAD_WEBHOOK_SECRET": "shorts3cr3t"}, nil, `KASSA_RELOAD_WEBHOOK_SECRET: the webhook gateway needs a signing secret of at least 16 bytes`},
		{"webhook bad URL", map[string]string{"KASSA_RELOAD_GATEWAY": "webhook", "KASSA_RELOAD_WEBHOOK_URL": "ftp://billing", "KASSA_RELOAD_WEBHOOK_SECRET": "0123456789abcdefs3cr3t"}, nil, `--reload-webhook-url (KASSA_RELOAD_WEBHOOK_URL): `},
		{"bad store", map[string]string{"KASSA_STORE": "mysql://root:s3cr3t@db/kassa"}, nil, `--store (KASSA_STORE): use a postgres:// or postgresql:// URL or a key=value connection string`},
		{"unparsable key=value store", map[string]string{"KASSA_STORE": "host=db port=notaport password=s3cr3t"}, nil, `--store (KASSA_STORE): the PostgreSQL connection string cannot be parsed`},
		{"unknown file key", map[string]string{"KASSA_CONFIG": "FILE:KASSA_ADRR=1.2.3.4:80\n"}, nil, `line 1: unknown setting "KASSA_ADRR"`},
		{"file line without =", map[string]string{"KASSA_CONFIG": "FILE:# c\nKASSA_ADDR\n"}, nil, `line 2: want KEY=VALUE`},
		{"repeated file key", map[string]string{"KASSA_CONFIG": "FILE:KASSA_ADDR=127.0.0.1:1\nKASSA_ADDR=127.0.0.1:2\n"}, nil, `line 2: KASSA_ADDR is set twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range c.env {
				if content, ok := strings.CutPrefix(v, "FILE:"); ok {
					v = writeFile(t, content)
				}
				env[k] = v
			}
			args := append([]string{"serve", "--data", t.TempDir()}, c.args...)
			code, _, stderr := runCmd(t, mapEnv(env), args...)
			if code != exitUsage || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitUsage, c.want)
			}
			if strings.Contains(stderr, "s3cr3t") {
				t.Errorf("the message shows a secret: %s", stderr)
			}
		})
	}
}

// TestConfigBoolFlagAlone: a boolean flag without a value means true.
func TestConfigBoolFlagAlone(t *testing.T) {
	got, code, stderr := printedConfig(t, nil, "--no-migrate", "--ui=off")
	if code != 0 || got["KASSA_NO_MIGRATE"] != "true  # flag" || got["KASSA_UI"] != "off  # flag" {
		t.Errorf("exit %d %s: %v", code, stderr, got)
	}
}

// TestConfigExampleFile: the example environment file in deploy/ is a valid
// config file (it is also the systemd EnvironmentFile).
func TestConfigExampleFile(t *testing.T) {
	got, code, stderr := printedConfig(t, nil, "--config", filepath.Join("..", "..", "deploy", "kassa.env.example"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got["KASSA_OPS_ADDR"] != "127.0.0.1:9090  # file" || got["KASSA_TRUSTED_PROXY"] != "127.0.0.1/32  # file" {
		t.Errorf("example file not applied: %v", got)
	}
}

// TestHelpMetavars: --help names each value by what it is (an exchange
// rate is not a CIDR), and every store command offers --config.
func TestHelpMetavars(t *testing.T) {
	_, out, _ := runCmd(t, noEnv, "serve", "--help")
	for _, want := range []string{"--fx FROM/TO=RATE", "--trusted-proxy cidr", "--allow-callback-net cidr", "--store url", "--config string"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q", want)
		}
	}
	if strings.Contains(out, "--fx cidr") {
		t.Error("serve --help calls an exchange rate a cidr")
	}
	for _, cmd := range []string{"verify", "migrate", "backup", "restore"} {
		_, out, _ := runCmd(t, noEnv, cmd, "--help")
		if !strings.Contains(out, "--config string") || !strings.Contains(out, "KASSA_CONFIG") {
			t.Errorf("%s --help offers no --config:\n%s", cmd, out)
		}
	}
}
