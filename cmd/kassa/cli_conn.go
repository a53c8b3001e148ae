package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/kassa-dev/kassa/client"
	"github.com/spf13/cobra"
)

// defaultURL is where the CLI looks for kassa when nothing says otherwise:
// the address `kassa serve` listens on by default.
const defaultURL = "http://127.0.0.1:8080"

// cliFlags are the connection and output flags every client command has.
type cliFlags struct {
	url        string
	apiKey     string
	apiSecret  string
	adminToken string
	configPath string
	output     string
	data       string // where a local server keeps its admin token
}

// fileConfig is ~/.config/kassa/config.json (or --config).
type fileConfig struct {
	URL        string `json:"url"`
	APIKey     string `json:"api_key"`
	APISecret  string `json:"api_secret"`
	AdminToken string `json:"admin_token"`
}

// connection is the resolved URL and credentials.
type connection struct {
	URL        string
	APIKey     string
	APISecret  string
	AdminToken string
}

// addClientFlags adds the connection and output flags to a top-level client
// command; its subcommands inherit them.
func addClientFlags(cmd *cobra.Command) *cliFlags {
	f := &cliFlags{}
	pf := cmd.PersistentFlags()
	pf.StringVar(&f.url, "url", "", "kassa base URL (env KASSA_URL; default "+defaultURL+")")
	pf.StringVar(&f.apiKey, "api-key", "", "account api key (env KASSA_API_KEY or VONAGE_API_KEY)")
	pf.StringVar(&f.apiSecret, "api-secret", "", "account api secret (env KASSA_API_SECRET or VONAGE_API_SECRET)")
	pf.StringVar(&f.adminToken, "admin-token", "", "admin API token (env KASSA_ADMIN_TOKEN)")
	pf.StringVar(&f.configPath, "config", "", "config file (env KASSA_CONFIG; default ~/.config/kassa/config.json)")
	pf.StringVar(&f.data, "data", "", "data directory of a server on this machine, whose admin-token is used when no admin token is given (env KASSA_DATA; default ./kassa-data)")
	pf.StringVarP(&f.output, "output", "o", "table", "output format: table, json or csv")
	return f
}

// resolve picks every setting from the flag, else the environment, else the
// config file, else the default.
func (f *cliFlags) resolve(e *env) (connection, error) {
	fc, err := loadFileConfig(e, f.configPath)
	if err != nil {
		return connection{}, err
	}
	c := connection{
		URL:        first(f.url, e.getenv("KASSA_URL"), fc.URL, defaultURL),
		APIKey:     first(f.apiKey, e.getenv("KASSA_API_KEY"), e.getenv("VONAGE_API_KEY"), fc.APIKey),
		APISecret:  first(f.apiSecret, e.getenv("KASSA_API_SECRET"), e.getenv("VONAGE_API_SECRET"), fc.APISecret),
		AdminToken: first(f.adminToken, e.getenv("KASSA_ADMIN_TOKEN"), fc.AdminToken),
	}
	if !strings.HasPrefix(c.URL, "http://") && !strings.HasPrefix(c.URL, "https://") {
		return connection{}, usageError("--url %q: must start with http:// or https://", c.URL)
	}
	return c, nil
}

// loadFileConfig reads the config file: path (from --config), else
// KASSA_CONFIG, else the default path, which may be absent.
func loadFileConfig(e *env, path string) (fileConfig, error) {
	explicit := true
	if path == "" {
		path = e.getenv("KASSA_CONFIG")
	}
	if path == "" {
		explicit = false
		path = defaultConfigPath(e)
		if path == "" {
			return fileConfig{}, nil
		}
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return fileConfig{}, nil
	}
	if err != nil {
		return fileConfig{}, usageError("read config: %v", err)
	}
	var fc fileConfig
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&fc); err != nil {
		return fileConfig{}, usageError("read config %s: %v", path, err)
	}
	return fc, nil
}

// defaultConfigPath is $XDG_CONFIG_HOME/kassa/config.json, else
// $HOME/.config/kassa/config.json.
func defaultConfigPath(e *env) string {
	if dir := e.getenv("XDG_CONFIG_HOME"); dir != "" {
		return filepath.Join(dir, "kassa", "config.json")
	}
	if home := e.getenv("HOME"); home != "" {
		return filepath.Join(home, ".config", "kassa", "config.json")
	}
	return ""
}

func first(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// accountClient builds a client with the account's credentials.
func (f *cliFlags) accountClient(e *env) (*client.Client, error) {
	c, err := f.resolve(e)
	if err != nil {
		return nil, err
	}
	if c.APIKey == "" || c.APISecret == "" {
		return nil, usageError("no account credentials: pass --api-key and --api-secret, set KASSA_API_KEY and KASSA_API_SECRET, or put api_key and api_secret in the config file")
	}
	return client.New(c.URL, client.WithCredentials(c.APIKey, c.APISecret), client.WithUserAgent(cliUserAgent)), nil
}

// adminClient builds a client with the admin token: the one given (flag,
// environment, config file), else, for a server on this machine, the one
// that server keeps in its data directory (said on stderr).
func (f *cliFlags) adminClient(e *env) (*client.Client, error) {
	c, err := f.resolve(e)
	if err != nil {
		return nil, err
	}
	if c.AdminToken == "" {
		data := first(f.data, e.getenv("KASSA_DATA"), defaultDataDir)
		token, why := localAdminToken(c.URL, data)
		if token == "" {
			return nil, usageError("no admin token: pass --admin-token, set KASSA_ADMIN_TOKEN, or put admin_token in the config file (%s)", why)
		}
		fmt.Fprintf(e.stderr, "kassa: using the admin token of the local server in %s (--admin-token to use another)\n", filepath.Join(data, adminTokenFile))
		c.AdminToken = token
	}
	return client.New(c.URL, client.WithAdminToken(c.AdminToken), client.WithUserAgent(cliUserAgent)), nil
}

// defaultDataDir is kassa serve's default --data.
const defaultDataDir = "./kassa-data"

// localAdminToken reads the admin token that a server on this machine
// generated in data (DATA/admin-token), when rawURL is on loopback; else
// it says why there is none.
func localAdminToken(rawURL, data string) (token, why string) {
	u, err := url.Parse(rawURL)
	if err != nil || !loopbackHost(u.Hostname()) {
		return "", "the server at " + rawURL + " is not on this machine, so its data directory's admin-token is not looked for"
	}
	path := filepath.Join(data, adminTokenFile)
	b, err := os.ReadFile(path)
	if err != nil {
		return "", "no readable " + path + " either: run this where kassa serve keeps its data, or pass --data"
	}
	token = strings.TrimSpace(string(b))
	if token == "" {
		return "", path + " is empty"
	}
	return token, ""
}

// loopbackHost reports whether a URL's host is this machine: localhost or
// a loopback address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}

// cliUserAgent identifies the CLI to the server.
const cliUserAgent = "kassa-cli/1"

// checkOutput validates -o before any request is made.
func (f *cliFlags) checkOutput() error {
	switch f.output {
	case "table", "json", "csv":
		return nil
	}
	return usageError("-o %q: must be table, json or csv", f.output)
}

// preRun is the PersistentPreRunE of client commands.
func (f *cliFlags) preRun(*cobra.Command, []string) error { return f.checkOutput() }
