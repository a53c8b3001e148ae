package main

// The examples of the documentation run here as a reader runs them: every
// `sh` and `console` block of README.md and docs/*.md and every --help
// example, in bash, with the real kassa command, against a real `kassa
// serve` on loopback, so that a change of behaviour breaks a test and not a
// reader. docs/architecture.md ("Examples are tested") is the contract for
// doc writers; this comment is the one for the harness.
//
// Why a harness of our own and not testscript: the examples are shell
// (pipes, $(…), jq, curl, variables, `go run ./cmd/kassa`) and must run
// exactly as printed; testscript runs its own small command language, so the
// docs would need a second, translated copy of each example that could drift
// from the first. Here the block itself is the test.
//
// Each example (a block, or blocks joined by <!-- example: continues -->)
// runs in a fresh directory against a fresh server:
//
//   - the test binary is the kassa command (a symlink named kassa on PATH;
//     TestMain runs main when called by that name), so the examples run the
//     code under test without a separate build;
//   - the server is the README's emulator: demo account abcd1234 with the
//     secret Demo12345secret and the trx demo-trx, the demo tariff as price
//     book version 1, and two imported, inactive versions (2: the sms deck
//     carrier-a-sms.csv, 3: the voice deck voice.csv, in USD), a subaccount
//     with its own balance, a webhook endpoint with a delivery; ledger-only
//     top-ups; callbacks to 127.0.0.0/8 allowed; its data in ./kassa-data.
//     An example that starts a server of its own (kassa serve) gets none,
//     and an empty directory, as a reader's first start;
//   - the environment is what docs/cli.md tells a reader to export:
//     KASSA_URL, KASSA_API_KEY, KASSA_API_SECRET and, with the test's
//     server, KASSA_ADMIN_TOKEN; the
//     rate decks of testdata/examples are in the current directory; a
//     server started by an example gets the test's address as KASSA_ADDR
//     unless its environment names one;
//   - addresses and paths a reader has but a test must not use are
//     rewritten (see newRewriter): 127.0.0.1:8080 is the test server,
//     127.0.0.1:9000 and https://…example.com a receiver answering 200,
//     absolute paths under /var/lib, /backups, /etc/kassa, /run/secrets
//     and /srv live under a fake root (with a copy of the data directory in
//     /var/lib/kassa, backups and the pepper in /backups, secrets in
//     /run/secrets), PostgreSQL URLs of the docs (…@db/kassa) name a fresh,
//     migrated schema of KASSA_TEST_POSTGRES_URL, and the stand-in ids of
//     the --help examples (exampleSecretID, exampleSubaccount,
//     exampleWebhook) are the template's;
//   - `kassa serve` (not --print-config) starts in the background, as in a
//     second terminal: the line returns once the server answers /readyz, and
//     the server is stopped (SIGTERM, exit 0 required) when the block ends
//     or when the block starts another one; a block that starts its own
//     server gets no default one. `kassa events tail` without --no-follow
//     prints what there is and exits, as with --no-follow;
//   - `go run ./cmd/kassa ARGS` is `kassa ARGS`, `go install …/cmd/kassa@…`
//     does nothing (the kassa under test is on PATH); curl fails on an HTTP
//     error (--fail-with-body); bash runs with -euo pipefail, so any failing
//     command fails the block;
//   - a `console` block is a session: each "$ command" runs in one shell and
//     its output (stdout and stderr) must match the lines shown, with "..."
//     standing for any lines or characters (mdexample.Match); a command whose
//     shown output has a line starting "kassa: " must fail, any other must
//     succeed;
//   - a block after <!-- example: file PATH --> is not run: it is written to
//     PATH (rewritten as above; a relative PATH in the example's directory)
//     before every example, so that other examples use it;
//     <!-- example: skip REASON --> skips a block, with its reason.
//
// The test needs bash, curl and jq; without them it skips, unless
// KASSA_TEST_EXAMPLES_REQUIRED=1 (set by .ci/run). Blocks that use
// PostgreSQL skip without KASSA_TEST_POSTGRES_URL, unless
// KASSA_TEST_POSTGRES_REQUIRED=1.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/kassa-dev/kassa/internal/mdexample"
)

// The pinned demo credentials of the examples (README.md's emulator).
const (
	exampleKey    = "abcd1234"
	exampleSecret = "Demo12345secret"
	// Stand-ins of the --help examples for ids they cannot know: the test
	// replaces them with the ids of the demo secret, a subaccount (own
	// balance), and a webhook endpoint with a delivery (of event 1042).
	exampleSecretID   = "01234567-aaaa-bbbb-cccc-defdefdefdef"
	exampleSubaccount = "5f0e2a1c"
	exampleWebhook    = "wh_3f2a9c01d4e5b6a7"
)

// Environment variables of the harness.
const (
	envExamplesControl  = "KASSA_EXAMPLES_CONTROL" // the URL the kassa shim asks to start a server
	envExamplesRequired = "KASSA_TEST_EXAMPLES_REQUIRED"
)

// exampleBlockTimeout bounds one block, so that a hung example fails
// instead of holding the suite (a guard, not a measure of speed).
const exampleBlockTimeout = 5 * time.Minute

// exampleShim is main for the examples: this test binary called through a
// symlink named kassa. A `kassa serve` asks the test (envExamplesControl)
// to run the server in the background; `kassa events tail` stops once it
// has caught up; anything else is the real command.
func exampleShim() {
	args := os.Args[1:]
	if control := os.Getenv(envExamplesControl); control != "" && isServe(args) {
		os.Exit(startThroughControl(control, args))
	}
	if len(args) >= 2 && args[0] == "events" && args[1] == "tail" && !slices.Contains(args, "--no-follow") {
		os.Args = append(os.Args, "--no-follow")
	}
	main()
}

// isServe reports whether args run a server (not --print-config or help).
func isServe(args []string) bool {
	if len(args) == 0 || args[0] != "serve" {
		return false
	}
	for _, a := range args[1:] {
		if a == "--print-config" || strings.HasPrefix(a, "--print-config=") || a == "-h" || a == "--help" {
			return false
		}
	}
	return true
}

// controlRequest asks the test to start a kassa process.
type controlRequest struct {
	Args []string
	Env  []string
	Dir  string
}

// controlAnswer is what the shim prints and its exit code.
type controlAnswer struct {
	Code   int
	Output string
}

// startThroughControl sends args to the test's control server and prints
// its answer; it returns the exit code.
func startThroughControl(control string, args []string) int {
	dir, _ := os.Getwd()
	body, _ := json.Marshal(controlRequest{Args: args, Env: os.Environ(), Dir: dir})
	resp, err := http.Post(control, "application/json", bytes.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, "kassa (examples): cannot reach the test:", err)
		return 1
	}
	defer resp.Body.Close()
	var a controlAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil {
		fmt.Fprintln(os.Stderr, "kassa (examples): bad answer from the test:", err)
		return 1
	}
	os.Stdout.WriteString(a.Output)
	return a.Code
}

// exampleWorld is what every block starts from, made once.
type exampleWorld struct {
	bin      string            // the directory holding the kassa symlink
	kassa    string            // the kassa symlink
	template string            // a data directory: first start, two imported decks
	backup   string            // a kassa backup of template
	token    string            // the admin token of template
	ids      map[string]string // the examples' stand-ins for ids → the template's ids
	files    map[string]string
	fixtures string // testdata/examples
}

// TestExamples runs every example of README.md, docs/*.md and every
// --help (see the comment at the top of this file).
func TestExamples(t *testing.T) {
	requireExampleTools(t)
	blocks := docBlocks(t)
	blocks = append(blocks, helpBlocks(t)...)
	w := newExampleWorld(t, blocks)
	chains := exampleChains(t, blocks)
	for _, chain := range chains {
		t.Run(chain[0].Name(), func(t *testing.T) {
			if chain[0].Skip != "" {
				t.Skip("skipped in the doc: " + chain[0].Skip)
			}
			t.Parallel()
			runExample(t, w, chain)
		})
	}
	if len(chains) < 40 {
		t.Errorf("only %d examples found; the harness is not seeing the docs", len(chains))
	}
}

// exampleChains groups the runnable blocks (sh and console, not files)
// into examples: a block that continues the one before it in its file
// joins that one's example.
func exampleChains(t *testing.T, blocks []mdexample.Block) [][]mdexample.Block {
	t.Helper()
	var chains [][]mdexample.Block
	for _, b := range blocks {
		if b.Path != "" || (b.Lang != "sh" && b.Lang != "console") {
			if b.Continues {
				t.Errorf("%s: only an sh or console block can continue another", b.Name())
			}
			continue
		}
		if b.Continues {
			if len(chains) == 0 || chains[len(chains)-1][0].File != b.File {
				t.Errorf("%s: continues, but no example comes before it in the file", b.Name())
				continue
			}
			chains[len(chains)-1] = append(chains[len(chains)-1], b)
			continue
		}
		chains = append(chains, []mdexample.Block{b})
	}
	return chains
}

// requireExampleTools skips (or fails, when required) without bash, curl
// and jq.
func requireExampleTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := "the examples need " + tool + " on PATH"
			if os.Getenv(envExamplesRequired) == "1" {
				t.Fatal(msg + " (" + envExamplesRequired + "=1)")
			}
			t.Skip(msg)
		}
	}
	if testing.Short() {
		t.Skip("the examples start servers; not in -short")
	}
}

// docBlocks parses README.md and docs/*.md.
func docBlocks(t *testing.T) []mdexample.Block {
	t.Helper()
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	var blocks []mdexample.Block
	for _, f := range append([]string{"../../README.md"}, files...) {
		md, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(f, "../../")
		bs, err := mdexample.Parse(name, md)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Lang == "" && b.Path == "" && b.Skip != "" {
				t.Errorf("%s: a skip before a block that would not run anyway (tag it sh or console)", b.Name())
			}
		}
		blocks = append(blocks, bs...)
	}
	return blocks
}

// helpBlocks returns the Example of every kassa command as an sh block
// named after the command.
func helpBlocks(t *testing.T) []mdexample.Block {
	t.Helper()
	var blocks []mdexample.Block
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example != "" {
			var text strings.Builder
			for _, l := range strings.Split(strings.TrimRight(c.Example, "\n"), "\n") {
				text.WriteString(strings.TrimPrefix(l, "  ") + "\n")
			}
			blocks = append(blocks, mdexample.Block{File: "help/" + strings.ReplaceAll(c.CommandPath(), " ", "_"), Line: 1, Lang: "sh", Text: text.String()})
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(&env{getenv: func(string) string { return "" }}))
	if len(blocks) < 25 {
		t.Fatalf("only %d --help examples found", len(blocks))
	}
	return blocks
}

// newExampleWorld builds the kassa symlink and the template data
// directory: a first start with the pinned demo account, then two rate
// decks imported (versions 2 and 3, not active) and a backup.
func newExampleWorld(t *testing.T, blocks []mdexample.Block) *exampleWorld {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	w := &exampleWorld{bin: filepath.Join(dir, "bin"), template: filepath.Join(dir, "template"), backup: filepath.Join(dir, "backup.db"), files: map[string]string{}}
	w.kassa = filepath.Join(w.bin, "kassa")
	if w.fixtures, err = filepath.Abs(filepath.Join("testdata", "examples")); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(w.bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(self, w.kassa); err != nil {
		t.Fatal(err)
	}
	for _, b := range blocks {
		if b.Path != "" {
			w.files[b.Path] = b.Text
		}
	}
	env := append(cleanEnviron(), "PATH="+w.bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	p, err := startKassa(context.Background(), w.kassa, []string{"serve", "--addr", "127.0.0.1:0", "--data", w.template,
		"--demo-key", exampleKey, "--demo-secret", exampleSecret, "--reload-gateway", "ledger-only", "--allow-callback-net", "127.0.0.0/8"}, env, dir)
	if err != nil {
		t.Fatalf("start the template server: %v", err)
	}
	token, err := os.ReadFile(filepath.Join(w.template, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	w.token = strings.TrimSpace(string(token))
	env = append(env, "KASSA_URL="+p.url, "KASSA_ADMIN_TOKEN="+w.token, "KASSA_API_KEY="+exampleKey, "KASSA_API_SECRET="+exampleSecret)
	kassa := func(args ...string) string {
		cmd := exec.Command(w.kassa, args...)
		cmd.Env, cmd.Dir = env, w.fixtures
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("template: kassa %s: %v\n%s", strings.Join(args, " "), err, exitStderr(err))
		}
		return string(out)
	}
	kassa("pricing", "import", "carrier-a-sms.csv", "--type", "sms", "--name", "Carrier A December")
	kassa("pricing", "import", "voice.csv", "--type", "voice", "--currency", "USD", "--name", "Carrier B voice")
	var secrets []struct{ ID string }
	if err := json.Unmarshal([]byte(kassa("secrets", "list", "-o", "json")), &secrets); err != nil || len(secrets) != 1 {
		t.Fatalf("template: the demo secret: %v %v", secrets, err)
	}
	var sub struct {
		APIKey string `json:"api_key"`
	}
	if err := json.Unmarshal([]byte(kassa("subaccounts", "create", "shop 0", "--own-balance", "-o", "json")), &sub); err != nil || sub.APIKey == "" {
		t.Fatalf("template: a subaccount: %v", err)
	}
	var hook struct{ ID string }
	if err := json.Unmarshal([]byte(kassa("webhooks", "create", "http://127.0.0.1:1/kassa", "-o", "json")), &hook); err != nil || hook.ID == "" {
		t.Fatalf("template: a webhook endpoint: %v", err)
	}
	kassa("pricing", "activate", "1") // an event (pricebook.activated) for the endpoint's delivery log
	w.ids = map[string]string{
		exampleSecretID:          secrets[0].ID,
		exampleSubaccount:        sub.APIKey,
		exampleWebhook + " 1042": hook.ID + " " + firstDelivery(t, kassa, hook.ID),
		exampleWebhook:           hook.ID,
	}
	kassa("backup", "--data", w.template, w.backup)
	if code, out := p.stop(); code != 0 {
		t.Fatalf("template server: exit %d\n%s", code, out)
	}
	return w
}

// firstDelivery waits until the dispatcher has logged a delivery to the
// endpoint and returns its event id (a bound, not a measure: a minute).
func firstDelivery(t *testing.T, kassa func(args ...string) string, hook string) string {
	t.Helper()
	for range 600 {
		var log struct {
			Deliveries []struct {
				EventID int64 `json:"event_id"`
			}
		}
		if err := json.Unmarshal([]byte(kassa("webhooks", "deliveries", hook, "-o", "json")), &log); err != nil {
			t.Fatal(err)
		}
		if len(log.Deliveries) > 0 {
			return fmt.Sprint(log.Deliveries[0].EventID)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("template: no delivery to the webhook endpoint within a minute")
	return ""
}

// exitStderr is the stderr of a failed command, if any.
func exitStderr(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return string(ee.Stderr)
	}
	return ""
}

// cleanEnviron is the test's environment without the variables that
// would change what an example does (KASSA_*, VONAGE_*, PG*).
func cleanEnviron() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "KASSA_") || strings.HasPrefix(k, "VONAGE_") || strings.HasPrefix(k, "PG") || k == "GOFLAGS" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// kassaProc is a kassa process started by the harness.
type kassaProc struct {
	cmd            *exec.Cmd
	stdout, stderr *lineWatcher
	done           chan struct{}
	url            string // a server's base URL, once it listens
}

// startKassa starts kassa with args and, for a server, waits until it
// answers /readyz (or exits: then the error holds its output).
func startKassa(ctx context.Context, kassa string, args, env []string, dir string) (*kassaProc, error) {
	p := &kassaProc{cmd: exec.Command(kassa, args...), stdout: &lineWatcher{}, stderr: &lineWatcher{}, done: make(chan struct{})}
	p.cmd.Env, p.cmd.Dir, p.cmd.Stdout, p.cmd.Stderr = env, dir, p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-p.done:
			return p, fmt.Errorf("exit %d", p.cmd.ProcessState.ExitCode())
		case <-ctx.Done():
			p.stop()
			return p, fmt.Errorf("not ready within a minute")
		case <-tick.C:
		}
		if p.url == "" {
			if m := listeningLine.FindStringSubmatch(p.stdout.String()); m != nil {
				p.url = m[1]
			}
			continue
		}
		if resp, err := http.Get(p.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
	}
}

// output is what the process printed.
func (p *kassaProc) output() string { return p.stdout.String() + p.stderr.String() }

// stop sends SIGTERM and waits; it returns the exit code (-1 when killed
// after a minute) and the output.
func (p *kassaProc) stop() (int, string) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		<-p.done
		return -1, p.output()
	}
	return p.cmd.ProcessState.ExitCode(), p.output()
}

// exampleServers are the servers one block started, stopped in order.
type exampleServers struct {
	t     *testing.T
	kassa string
	addr  string // the default --addr of a server (KASSA_ADDR, which a flag or a file may override)
	mu    sync.Mutex
	procs []*kassaProc
}

// start starts a server for the block, stopping the one before.
func (s *exampleServers) start(ctx context.Context, req controlRequest) controlAnswer {
	s.stopAll()
	env := slices.DeleteFunc(req.Env, func(kv string) bool { return strings.HasPrefix(kv, envExamplesControl+"=") })
	if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, "KASSA_ADDR=") }) {
		env = append(env, "KASSA_ADDR="+s.addr) // in place of the default 127.0.0.1:8080
	}
	p, err := startKassa(ctx, s.kassa, req.Args, env, req.Dir)
	if err != nil {
		if p != nil && p.cmd.ProcessState != nil && p.cmd.ProcessState.ExitCode() > 0 {
			return controlAnswer{Code: p.cmd.ProcessState.ExitCode(), Output: p.output()} // it said why
		}
		out := ""
		if p != nil {
			out = p.output()
		}
		return controlAnswer{Code: 1, Output: out + fmt.Sprintf("kassa serve (examples): %v\n", err)}
	}
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	return controlAnswer{Output: p.stdout.String()}
}

// stopAll stops the block's servers; each must exit 0.
func (s *exampleServers) stopAll() {
	s.mu.Lock()
	procs := s.procs
	s.procs = nil
	s.mu.Unlock()
	for _, p := range procs {
		if code, out := p.stop(); code != 0 {
			s.t.Errorf("kassa %s: exit %d when stopped\n%s", strings.Join(p.cmd.Args[1:], " "), code, out)
		}
	}
}

// ServeHTTP is the control server the shim asks to start a server.
func (s *exampleServers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var req controlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	json.NewEncoder(w).Encode(s.start(r.Context(), req))
}

// needsPostgres finds the examples that use a PostgreSQL store: a URL, a
// KASSA_STORE setting, or a store command reading kassa.env (whose
// KASSA_STORE_FILE names the PostgreSQL store). Without PostgreSQL the
// store files hold a URL nothing listens on.
var needsPostgres = regexp.MustCompile(`postgres(ql)?://|KASSA_STORE|(verify|migrate|backup|restore) [^\n]*kassa\.env|\bpg_|\bpsql\b`)

// hasServe finds the blocks that start a server of their own.
var hasServe = regexp.MustCompile(`(?m)(^|[;&|(]\s*|\s)(kassa|go run \./cmd/kassa) serve\b`)

// exampleAttempts bounds the runs of an example whose server lost its
// port to another process between freeAddr and its listen.
const exampleAttempts = 3

// runExample runs one example (a block, or blocks that continue each
// other) in a fresh directory against a fresh server, again on new ports
// when a port picked free was taken before the server listened on it (the
// other test packages run at the same time).
func runExample(t *testing.T, w *exampleWorld, chain []mdexample.Block) {
	for attempt := 1; ; attempt++ {
		if !runExampleOnce(t, w, chain, attempt < exampleAttempts) {
			return
		}
		t.Logf("%s: a port was taken before the server listened on it: running it again on new ports", chain[0].Name())
	}
}

// addrInUse reports whether output says a listen failed on a taken port.
func addrInUse(output string) bool { return strings.Contains(output, "address already in use") }

// runExampleOnce runs an example once. When mayRetry is set and it fails
// because a port was taken, it reports true instead of failing the test.
func runExampleOnce(t *testing.T, w *exampleWorld, chain []mdexample.Block, mayRetry bool) (retry bool) {
	ctx, cancel := context.WithTimeout(context.Background(), exampleBlockTimeout)
	defer cancel()
	var all strings.Builder // what the example runs: a session's commands, not its outputs
	for _, b := range chain {
		if b.Lang != "console" {
			all.WriteString(b.Text)
			continue
		}
		steps, _ := mdexample.ParseSession(b.Text)
		for _, st := range steps {
			all.WriteString(st.Command + "\n")
		}
	}
	work := t.TempDir()
	root := filepath.Join(work, "root")
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok\n") }))
	defer receiver.Close()
	rw := &rewriter{root: root, addr: freeAddr(t), ops: freeAddr(t), receiver: strings.TrimPrefix(receiver.URL, "http://"), ids: w.ids}
	env := append(cleanEnviron(),
		"PATH="+w.bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"HOME="+filepath.Join(work, "home"), "XDG_CONFIG_HOME="+filepath.Join(work, "home", ".config"),
		"TMPDIR="+filepath.Join(work, "tmp"), "TERM=dumb",
		"KASSA_URL=http://"+rw.addr, "KASSA_API_KEY="+exampleKey, "KASSA_API_SECRET="+exampleSecret)
	if needsPostgres.MatchString(all.String()) {
		pgURL, pgEnv := examplePostgres(t)
		rw.pg = pgURL
		env = append(env, pgEnv...)
	}
	// An example that starts its own server starts it as a reader would,
	// in a new directory; the others get the test's server and its token.
	ownServer := hasServe.MatchString(all.String())
	prepareExampleDirs(t, w, work, rw, !ownServer)
	servers := &exampleServers{t: t, kassa: w.kassa, addr: rw.addr}
	control := httptest.NewServer(servers)
	defer control.Close()
	defer servers.stopAll()
	env = append(env, envExamplesControl+"="+control.URL)
	if rw.pg != "" {
		runKassa(t, w, env, work, "migrate", "--store", rw.pg)
	}
	if !ownServer {
		env = append(env, "KASSA_ADMIN_TOKEN="+w.token)
		a := servers.start(ctx, controlRequest{Args: []string{"serve", "--data", filepath.Join(work, "kassa-data"),
			"--reload-gateway", "ledger-only", "--allow-callback-net", "127.0.0.0/8"}, Env: env, Dir: work})
		if a.Code != 0 {
			if mayRetry && addrInUse(a.Output) {
				return true
			}
			t.Fatalf("the example server did not start: %s", a.Output)
		}
	}
	for _, b := range chain {
		if b.Lang == "console" {
			runConsole(ctx, t, b, env, work, rw)
			continue
		}
		text := rw.apply(b.Text)
		out, err := runBash(ctx, shellPrelude+"set -e\n"+text, env, work)
		if err != nil && mayRetry && addrInUse(out) {
			return true
		}
		if err != nil {
			t.Fatalf("%s: the example fails (%v)\n--- as run:\n%s--- output:\n%s", b.Name(), err, text, rw.reverse(out))
		}
	}
	return false
}

// shellPrelude is the start of every example's script.
const shellPrelude = `set -uo pipefail
curl() { command curl --silent --show-error --fail-with-body "$@"; }
go() {
  if [ "${1-}" = run ] && [ "${2-}" = ./cmd/kassa ]; then shift 2; kassa "$@"; return; fi
  case "${1-} ${2-}" in "install github.com/kassa-dev/kassa/cmd/kassa@"*) return 0;; esac # the kassa under test is on PATH
  echo "examples: 'go $*' is not run by the examples test: skip the block (<!-- example: skip REASON -->)" >&2
  return 127
}
for tool in docker npm npx pip apt-get sudo systemctl createdb dropdb pg_dump pg_restore; do
  eval "$tool() { echo \"examples: '$tool' is not run by the examples test: skip the block (<!-- example: skip REASON -->)\" >&2; return 127; }"
done
`

// runBash runs script in bash and returns its combined output.
func runBash(ctx context.Context, script string, env []string, dir string) (string, error) {
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Env, cmd.Dir = env, dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("did not finish within %s", exampleBlockTimeout)
	}
	return out.String(), err
}

// runKassa runs a kassa command the harness needs; it must succeed.
func runKassa(t *testing.T, w *exampleWorld, env []string, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(w.kassa, args...)
	cmd.Env, cmd.Dir = env, dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("kassa %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// stepMarker and exitMarker delimit a console step's output.
const (
	stepMarker = "@@kassa-example-step@@"
	exitMarker = "@@kassa-example-exit "
)

// runConsole runs a console session's commands in one shell and compares
// each output with the documented one.
func runConsole(ctx context.Context, t *testing.T, b mdexample.Block, env []string, dir string, rw *rewriter) {
	steps, err := mdexample.ParseSession(b.Text)
	if err != nil {
		t.Fatalf("%s: %v", b.Name(), err)
	}
	var script strings.Builder
	script.WriteString(shellPrelude)
	for _, s := range steps {
		fmt.Fprintf(&script, "printf '%%s\\n' '%s'\n%s\nprintf '\\n%s%%d@@\\n' $?\n", stepMarker, rw.apply(s.Command), exitMarker)
	}
	out, err := runBash(ctx, script.String(), env, dir)
	if err != nil {
		t.Fatalf("%s: the session fails (%v)\n%s", b.Name(), err, rw.reverse(out))
	}
	parts := strings.Split(out, stepMarker+"\n")[1:]
	if len(parts) != len(steps) {
		t.Fatalf("%s: %d of %d commands ran\n%s", b.Name(), len(parts), len(steps), rw.reverse(out))
	}
	for i, s := range steps {
		got, code := parts[i], -1
		if j := strings.LastIndex(got, "\n"+exitMarker); j >= 0 {
			fmt.Sscanf(got[j+1+len(exitMarker):], "%d@@", &code)
			got = got[:j]
		}
		got = rw.reverse(got)
		want := strings.TrimSuffix(s.Output, "\n")
		fails := regexp.MustCompile(`(?m)^kassa: `).MatchString(s.Output)
		switch {
		case !mdexample.Match(want, got):
			t.Errorf("%s: line %d: $ %s\n--- documented:\n%s\n--- printed:\n%s", b.Name(), s.Line, s.Command, want, got)
		case fails && code == 0:
			t.Errorf("%s: line %d: $ %s succeeded; its documented output is an error", b.Name(), s.Line, s.Command)
		case !fails && code != 0:
			t.Errorf("%s: line %d: $ %s: exit %d\n%s", b.Name(), s.Line, s.Command, code, got)
		}
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// examplePostgres returns the URL of a fresh, empty schema of the test
// database (pgSchemaURL) without its query, so that the shell needs no
// quoting, and the environment that selects the schema (PGOPTIONS) and
// the query's other settings.
func examplePostgres(t *testing.T) (string, []string) {
	t.Helper()
	u, err := url.Parse(pgSchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for k, v := range u.Query() {
		switch k {
		case "search_path":
			env = append(env, "PGOPTIONS=-c search_path="+v[0])
		case "sslmode":
			env = append(env, "PGSSLMODE="+v[0])
		case "pool_max_conns":
		default:
			t.Fatalf("KASSA_TEST_POSTGRES_URL: the examples cannot pass its parameter %q", k)
		}
	}
	u.RawQuery = ""
	return u.String(), env
}

// prepareExampleDirs fills a block's directory: the data directory, the
// rate decks, and the fake root with a data directory, backups, the
// pepper, secrets and the files of the docs.
func prepareExampleDirs(t *testing.T, w *exampleWorld, work string, rw *rewriter, data bool) {
	t.Helper()
	root := rw.root
	for _, d := range []string{"home/.config", "tmp", "root/var/lib", "root/backups", "root/etc/kassa", "root/run/secrets", "root/srv"} {
		if err := os.MkdirAll(filepath.Join(work, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if data {
		copyDir(t, w.template, filepath.Join(work, "kassa-data"))
	}
	copyDir(t, w.template, filepath.Join(root, "var/lib/kassa"))
	copyDir(t, w.fixtures, work)
	for _, name := range []string{"kassa-2026-11-26.db", "kassa-20261126T0400Z.db"} {
		copyFile(t, w.backup, filepath.Join(root, "backups", name))
	}
	copyFile(t, filepath.Join(w.template, "pepper"), filepath.Join(root, "backups", "pepper"))
	store := rw.pg
	if store == "" {
		store = "postgres://kassa@127.0.0.1:1/kassa" // never reached: blocks using it need PostgreSQL
	}
	files := map[string]string{
		"/etc/kassa/store-url":       store + "\n",
		"/run/secrets/kassa-store":   store + "\n",
		"/run/secrets/reload-secret": "examples-webhook-signing-secret-0123456789\n",
	}
	for p, content := range w.files {
		files[p] = rw.apply(content)
	}
	for p, content := range files {
		full := filepath.Join(root, p)
		if !filepath.IsAbs(p) {
			full = filepath.Join(work, p)
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// copyDir copies the regular files of src into dst (one level).
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			copyFile(t, filepath.Join(src, e.Name()), filepath.Join(dst, e.Name()))
		}
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// rewriter turns a reader's addresses and paths into the test's, and back
// for messages and documented outputs.
type rewriter struct {
	root, addr, ops, receiver, pg string
	ids                           map[string]string // stand-ins → real ids
}

// docPostgresURL is a PostgreSQL URL of the docs (user@db/kassa).
var docPostgresURL = regexp.MustCompile(`postgres(?:ql)?://[A-Za-z0-9_]+@db(?:\.internal)?(?::5432)?/[a-z_]+`)

// docAbsPath is an absolute path of the docs that lives under the fake root.
var docAbsPath = regexp.MustCompile(`(^|[\s"'=(:])(/(?:var/lib|backups|etc/kassa|run/secrets|srv)(?:/|\b))`)

// docExampleURL is an https URL of example.com (a reader's receiver).
var docExampleURL = regexp.MustCompile(`https://([a-z0-9-]+\.)*example\.com\b`)

// apply rewrites a doc's text for the test.
func (r *rewriter) apply(s string) string {
	pairs := []string{
		"127.0.0.1:8080", r.addr, "0.0.0.0:8080", r.addr, "localhost:8080", r.addr,
		"127.0.0.1:9090", r.ops, "127.0.0.1:9000", r.receiver,
	}
	keys := slices.SortedFunc(maps.Keys(r.ids), func(a, b string) int { return len(b) - len(a) })
	for _, k := range keys {
		pairs = append(pairs, k, r.ids[k]) // longest first: "wh_… 1042" before "wh_…"
	}
	s = strings.NewReplacer(pairs...).Replace(s)
	s = docExampleURL.ReplaceAllLiteralString(s, "http://"+r.receiver)
	if r.pg != "" {
		s = docPostgresURL.ReplaceAllLiteralString(s, r.pg)
	}
	return docAbsPath.ReplaceAllString(s, "${1}"+r.root+"${2}")
}

// reverse rewrites the test's addresses and paths back to the doc's.
func (r *rewriter) reverse(s string) string {
	pairs := []string{r.root + "/", "/", r.addr, "127.0.0.1:8080", r.ops, "127.0.0.1:9090", r.receiver, "127.0.0.1:9000"}
	if r.pg != "" {
		pairs = append(pairs, r.pg, "postgres://kassa@db/kassa")
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
