package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/password"
)

// Bounds on a run. The tool is for measuring a server on this machine, not
// for soaking it.
const (
	maxRequests    = 1_000_000
	maxDuration    = 10 * time.Minute
	maxConcurrency = 1024
	// defaultRequests is the total when neither --requests nor --duration
	// is given.
	defaultRequests = 1000
)

// Scenarios.
const (
	scenarioClientCredentials = "client_credentials"
	scenarioRefresh           = "refresh"
	scenarioIntrospect        = "introspect"
	scenarioDiscovery         = "discovery"
	scenarioJWKS              = "jwks"
	// scenarioSignIn is the full sign-in through the hosted pages
	// (signin.go); scenarioSignInRefresh seeds one refresh chain per
	// worker with a sign-in, then runs the refresh scenario.
	scenarioSignIn        = "signin"
	scenarioSignInRefresh = "signin_refresh"
)

var scenarios = []string{scenarioClientCredentials, scenarioRefresh, scenarioIntrospect, scenarioDiscovery, scenarioJWKS,
	scenarioSignIn, scenarioSignInRefresh, scenarioArgon2}

// defaultCodeWait is how long a sign-in waits for its code e-mail.
const defaultCodeWait = 10 * time.Second

// envClientSecret is the environment variable read when --client-secret is
// not given.
const envClientSecret = "GATEHOUSE_LOAD_CLIENT_SECRET"

// usageError is a problem with the command line; the exit status is 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...)}
}

// errHelp is returned by parseConfig after printing the usage for -h.
var errHelp = errors.New("help requested")

// errSomeFailed is returned after the report when some requests failed.
var errSomeFailed = errors.New("some requests failed")

// exitCode maps an error of run to the process exit status.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// config is a validated command line.
type config struct {
	issuer        *url.URL
	clientID      string
	clientSecret  string
	scenario      string
	concurrency   int
	requests      int           // total; 0 when duration bounds the run
	duration      time.Duration // 0 when requests bounds the run
	timeout       time.Duration // per request
	refreshTokens []string      // one chain per worker
	saveRefresh   string
	accessToken   string
	json          bool
	// The sign-in scenarios: the registered redirect URI (never
	// requested), the users (users[w] is worker w's), the development
	// outbox directory and how long to wait for a code e-mail.
	redirectURI string
	users       []signInUser
	outboxDir   string
	codeWait    time.Duration
	// progress prints a progress line to standard error while it runs.
	progress bool
	// argon2 are the parameters of the argon2 scenario.
	argon2 password.Params
}

// signsIn reports whether the scenario signs in through the pages.
func (c config) signsIn() bool {
	return c.scenario == scenarioSignIn || c.scenario == scenarioSignInRefresh
}

// parseConfig parses and validates the arguments (without the program
// name). stdin is read when --refresh-tokens-file is "-".
func parseConfig(args []string, getenv func(string) string, stdin io.Reader, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("gatehouse-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	issuer := fs.String("issuer", "http://localhost:8080", "issuer `URL` of the Gatehouse server; must be localhost or a loopback address")
	clientID := fs.String("client-id", "", "client `ID` for the token and introspection scenarios")
	clientSecret := fs.String("client-secret", "", "client `secret`; default $"+envClientSecret)
	scenario := fs.String("scenario", scenarioClientCredentials, "what to request: "+strings.Join(scenarios, ", "))
	concurrency := fs.Int("concurrency", 4, "number of concurrent `workers`")
	requests := fs.Int("requests", 0, fmt.Sprintf("total number of requests (at most %d); default %d unless --duration is given", maxRequests, defaultRequests))
	duration := fs.Duration("duration", 0, "run for this long instead of a number of requests (at most "+maxDuration.String()+")")
	timeout := fs.Duration("timeout", 10*time.Second, "timeout of one request")
	refreshToken := fs.String("refresh-token", "", "refresh `token` of the single chain of the refresh scenario (needs --concurrency 1)")
	refreshFile := fs.String("refresh-tokens-file", "", "`file` with one refresh token a line, at least one per worker; - for standard input")
	saveRefresh := fs.String("save-refresh-tokens", "", "write the latest refresh token of every chain to this `file` after the run")
	accessToken := fs.String("access-token", "", "access `token` to introspect; default: one obtained with client_credentials")
	jsonOut := fs.Bool("json", false, "print each report as one JSON object")
	redirectURI := fs.String("redirect-uri", "", "registered redirect `URI` of --client-id for the sign-in scenarios; the tool stops at the redirect and never requests it")
	usersFile := fs.String("users-file", "", "`file` of the sign-in scenarios: one user a line, the e-mail address, a space and the password; at least one per worker")
	outboxDir := fs.String("outbox", "", "the server's development outbox `directory` (<data_dir>/outbox), where the sign-in scenarios read the e-mailed codes")
	codeWait := fs.Duration("code-wait", defaultCodeWait, "how long a sign-in waits for its code e-mail")
	progress := fs.Bool("progress", true, "print a progress line to standard error during the run")
	argon2Params := fs.String("argon2-params", "", "argon2id `parameters` of --scenario argon2, as m=KiB,t=passes,p=threads; default Gatehouse's")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, errHelp
		}
		return config{}, &usageError{err: err}
	}
	if fs.NArg() > 0 {
		return config{}, usagef("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	c := config{
		clientID:     *clientID,
		clientSecret: *clientSecret,
		scenario:     *scenario,
		concurrency:  *concurrency,
		requests:     *requests,
		duration:     *duration,
		timeout:      *timeout,
		saveRefresh:  *saveRefresh,
		accessToken:  *accessToken,
		json:         *jsonOut,
		redirectURI:  *redirectURI,
		outboxDir:    *outboxDir,
		codeWait:     *codeWait,
		progress:     *progress,
	}
	if c.clientSecret == "" && getenv != nil {
		c.clientSecret = getenv(envClientSecret)
	}
	u, err := checkTarget(*issuer)
	if err != nil {
		return config{}, &usageError{err: fmt.Errorf("--issuer: %w", err)}
	}
	c.issuer = u
	if !slices.Contains(scenarios, c.scenario) {
		return config{}, usagef("--scenario: unknown scenario %q; want one of %s", c.scenario, strings.Join(scenarios, ", "))
	}
	if c.concurrency < 1 || c.concurrency > maxConcurrency {
		return config{}, usagef("--concurrency: %d is out of range 1 to %d", c.concurrency, maxConcurrency)
	}
	if err := c.checkBounds(set["requests"], set["duration"]); err != nil {
		return config{}, err
	}
	if c.timeout <= 0 || c.timeout > maxDuration {
		return config{}, usagef("--timeout: %s is out of range (0, %s]", c.timeout, maxDuration)
	}
	if err := c.checkScenario(*refreshToken, *refreshFile, *usersFile, stdin); err != nil {
		return config{}, err
	}
	if c.scenario != scenarioArgon2 && *argon2Params != "" {
		return config{}, usagef("--argon2-params needs --scenario %s", scenarioArgon2)
	}
	if c.argon2, err = parseArgon2Params(*argon2Params); err != nil {
		return config{}, err
	}
	return c, nil
}

// checkScenario checks the flags each scenario needs and refuses those
// of other scenarios; it reads the refresh tokens and the users.
func (c *config) checkScenario(refreshToken, refreshFile, usersFile string, stdin io.Reader) error {
	switch c.scenario {
	case scenarioClientCredentials, scenarioIntrospect:
		if c.clientID == "" || c.clientSecret == "" {
			return usagef("--scenario %s needs --client-id and --client-secret (or $%s)", c.scenario, envClientSecret)
		}
	case scenarioRefresh:
		if c.clientID == "" {
			return usagef("--scenario refresh needs --client-id")
		}
		var err error
		if c.refreshTokens, err = readRefreshTokens(refreshToken, refreshFile, stdin); err != nil {
			return err
		}
		if len(c.refreshTokens) < c.concurrency {
			return usagef("--scenario refresh: %d refresh tokens for %d workers; a rotation chain is sequential, so give one token per worker", len(c.refreshTokens), c.concurrency)
		}
		c.refreshTokens = c.refreshTokens[:c.concurrency]
	case scenarioSignIn, scenarioSignInRefresh:
		if err := c.checkSignIn(usersFile); err != nil {
			return err
		}
	}
	if !c.signsIn() && (c.redirectURI != "" || usersFile != "" || c.outboxDir != "") {
		return usagef("--redirect-uri, --users-file and --outbox need --scenario %s or %s", scenarioSignIn, scenarioSignInRefresh)
	}
	if c.scenario != scenarioRefresh && (refreshToken != "" || refreshFile != "") {
		return usagef("--refresh-token and --refresh-tokens-file need --scenario refresh")
	}
	if c.scenario != scenarioRefresh && c.scenario != scenarioSignInRefresh && c.saveRefresh != "" {
		return usagef("--save-refresh-tokens needs --scenario refresh or %s", scenarioSignInRefresh)
	}
	if c.scenario != scenarioIntrospect && c.accessToken != "" {
		return usagef("--access-token needs --scenario introspect")
	}
	return nil
}

// checkSignIn checks the flags of the sign-in scenarios and reads the
// users, keeping one per worker.
func (c *config) checkSignIn(usersFile string) error {
	if c.clientID == "" || c.redirectURI == "" || usersFile == "" || c.outboxDir == "" {
		return usagef("--scenario %s needs --client-id, --redirect-uri, --users-file and --outbox (--client-secret too for a confidential client)", c.scenario)
	}
	if u, err := url.Parse(c.redirectURI); err != nil || !u.IsAbs() || u.Host == "" {
		return usagef("--redirect-uri: %q is not an absolute URL", c.redirectURI)
	}
	if c.codeWait <= 0 || c.codeWait > maxDuration {
		return usagef("--code-wait: %s is out of range (0, %s]", c.codeWait, maxDuration)
	}
	if info, err := os.Stat(c.outboxDir); err != nil || !info.IsDir() {
		return usagef("--outbox: %q is not a directory", c.outboxDir)
	}
	users, err := readUsers(usersFile)
	if err != nil {
		return err
	}
	if len(users) < c.concurrency {
		return usagef("--scenario %s: %d users for %d workers; each worker signs in its own user", c.scenario, len(users), c.concurrency)
	}
	c.users = users[:c.concurrency]
	return nil
}

// checkBounds makes sure that exactly one of requests and duration bounds
// the run.
func (c *config) checkBounds(requestsSet, durationSet bool) error {
	switch {
	case requestsSet && durationSet:
		return usagef("--requests and --duration are exclusive; give one")
	case durationSet:
		if c.duration <= 0 || c.duration > maxDuration {
			return usagef("--duration: %s is out of range (0, %s]", c.duration, maxDuration)
		}
	case requestsSet:
		if c.requests < 1 || c.requests > maxRequests {
			return usagef("--requests: %d is out of range 1 to %d", c.requests, maxRequests)
		}
	default:
		c.requests = defaultRequests
	}
	return nil
}

// readRefreshTokens returns the single --refresh-token, or the tokens of
// the file, one a line (blank lines and lines starting with # are skipped).
func readRefreshTokens(token, file string, stdin io.Reader) ([]string, error) {
	switch {
	case token != "" && file != "":
		return nil, usagef("--refresh-token and --refresh-tokens-file are exclusive")
	case token != "":
		return []string{token}, nil
	case file == "":
		return nil, usagef("--scenario refresh needs --refresh-token or --refresh-tokens-file")
	}
	r := stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return nil, fmt.Errorf("read refresh tokens: %w", err)
		}
		defer f.Close()
		r = f
	}
	var tokens []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		tokens = append(tokens, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read refresh tokens: %w", err)
	}
	return tokens, nil
}

// errNotLoopback is wrapped by every refusal of a non-loopback target.
var errNotLoopback = errors.New("only loopback addresses (localhost, 127.0.0.0/8, ::1) may be targeted")

// checkTarget parses an http(s) URL and refuses any host that is not
// localhost or a loopback IP address.
func checkTarget(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("parse %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: scheme must be http or https", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q: no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: user information is not allowed", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q: query and fragment are not allowed", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("refusing %q: %w", u.Hostname(), errNotLoopback)
	}
	return u, nil
}

// isLoopbackHost reports whether host is "localhost" or a loopback IP
// literal. Other names are refused even if they resolve to loopback, so
// that the decision never depends on DNS.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
