package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// maxBody is the most of a response body the tool reads.
const maxBody = 1 << 20

// newHTTPClient returns a client that connects only to loopback addresses,
// ignores proxy settings, follows no redirects, and keeps one idle
// connection per worker.
func newHTTPClient(concurrency int, timeout time.Duration) *http.Client {
	dialer := &net.Dialer{
		Timeout: timeout,
		// Control runs after name resolution, for the address actually
		// dialled: a name that resolves elsewhere is refused here.
		Control: func(network, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if err != nil {
				return fmt.Errorf("dial %s: %w", address, err)
			}
			if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
				return fmt.Errorf("dial %s: %w", address, errNotLoopback)
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:               nil,
		DialContext:         dialer.DialContext,
		MaxIdleConns:        concurrency,
		MaxIdleConnsPerHost: concurrency,
		IdleConnTimeout:     30 * time.Second,
		ForceAttemptHTTP2:   false,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// endpoints are the URLs the scenarios use, from the discovery document.
type endpoints struct {
	discovery     string
	authorization string
	token         string
	introspection string
	jwks          string
}

// discover reads the discovery document and checks that every endpoint it
// names is a loopback URL.
func discover(ctx context.Context, hc *http.Client, issuer *url.URL) (endpoints, error) {
	ep := endpoints{discovery: strings.TrimSuffix(issuer.String(), "/") + "/.well-known/openid-configuration"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ep.discovery, nil)
	if err != nil {
		return ep, fmt.Errorf("discovery: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return ep, fmt.Errorf("discovery: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return ep, fmt.Errorf("discovery: %s answered %s", ep.discovery, resp.Status)
	}
	var doc struct {
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		Introspection string `json:"introspection_endpoint"`
		JWKS          string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&doc); err != nil {
		return ep, fmt.Errorf("discovery: decode %s: %w", ep.discovery, err)
	}
	for _, e := range []struct {
		name string
		raw  string
		dst  *string
	}{
		{"authorization_endpoint", doc.Authorization, &ep.authorization},
		{"token_endpoint", doc.Token, &ep.token},
		{"introspection_endpoint", doc.Introspection, &ep.introspection},
		{"jwks_uri", doc.JWKS, &ep.jwks},
	} {
		if e.raw == "" {
			continue
		}
		u, err := checkTarget(e.raw)
		if err != nil {
			return ep, fmt.Errorf("discovery: %s: %w", e.name, err)
		}
		*e.dst = u.String()
	}
	return ep, nil
}

// outcome is the result of one request: "" for success, else the error
// key under which it is counted, such as "401 invalid_client".
type outcome string

// scenario sends one request of worker w and reports its outcome.
type scenario func(ctx context.Context, w int) outcome

// tokenAnswer is the part of a token or introspection answer the tool
// reads.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	Active       *bool  `json:"active"`
	Error        string `json:"error"`
}

// caller sends the requests of one run.
type caller struct {
	hc  *http.Client
	cfg config
	ep  endpoints
}

// do sends a request and decodes a JSON answer into ans when ans is not
// nil. It returns the outcome: "" for a 200 answer, else the status and
// the OAuth error code, or a short transport error class.
func (c *caller) do(req *http.Request, ans *tokenAnswer) outcome {
	resp, err := c.hc.Do(req)
	if err != nil {
		return transportOutcome(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return transportOutcome(err)
	}
	if resp.StatusCode != http.StatusOK {
		var e tokenAnswer
		json.Unmarshal(body, &e)
		key := strconv.Itoa(resp.StatusCode)
		if e.Error != "" {
			key += " " + sanitizeCode(e.Error)
		}
		return outcome(key)
	}
	if ans != nil {
		if err := json.Unmarshal(body, ans); err != nil {
			return "200 undecodable_body"
		}
	}
	return ""
}

// sanitizeCode keeps an error code short and printable, so that a
// misbehaving server cannot flood the report.
func sanitizeCode(s string) string {
	if len(s) > 40 {
		s = s[:40]
	}
	return strings.Map(func(r rune) rune {
		if r >= 0x21 && r <= 0x7E {
			return r
		}
		return '?'
	}, s)
}

// transportOutcome classifies an error without a response.
func transportOutcome(err error) outcome {
	var ne net.Error
	switch {
	case errors.Is(err, errNotLoopback):
		return "transport not_loopback"
	case errors.Is(err, context.Canceled):
		return "transport canceled"
	case errors.As(err, &ne) && ne.Timeout():
		return "transport timeout"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "transport connection_refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "transport connection_reset"
	default:
		return "transport other"
	}
}

// postForm builds a form POST authenticated as the client: with
// client_secret_basic, or with client_id in the form for a public client
// (refresh only).
func (c *caller) postForm(ctx context.Context, endpoint string, form url.Values) (*http.Request, error) {
	if c.cfg.clientSecret == "" {
		form.Set("client_id", c.cfg.clientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.cfg.clientSecret != "" {
		// RFC 6749, section 2.3.1: form-encode, then basic auth.
		req.SetBasicAuth(url.QueryEscape(c.cfg.clientID), url.QueryEscape(c.cfg.clientSecret))
	}
	return req, nil
}

// get sends a GET to endpoint.
func (c *caller) get(ctx context.Context, endpoint string) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return "request build_failed"
	}
	return c.do(req, nil)
}

// clientCredentials requests one token with the client_credentials grant.
func (c *caller) clientCredentials(ctx context.Context) (string, outcome) {
	req, err := c.postForm(ctx, c.ep.token, url.Values{"grant_type": {"client_credentials"}})
	if err != nil {
		return "", "request build_failed"
	}
	var ans tokenAnswer
	if o := c.do(req, &ans); o != "" {
		return "", o
	}
	if ans.AccessToken == "" {
		return "", "200 no_access_token"
	}
	return ans.AccessToken, ""
}

// chains holds the current refresh token of every worker. A worker only
// touches its own entry.
type chains struct {
	mu     sync.Mutex
	tokens []string
	broken []bool
}

func (ch *chains) get(w int) (string, bool) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	return ch.tokens[w], !ch.broken[w]
}

func (ch *chains) set(w int, token string) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.tokens[w] = token
}

func (ch *chains) breakChain(w int) {
	ch.mu.Lock()
	defer ch.mu.Unlock()
	ch.broken[w] = true
}

// brokenCount returns how many chains broke; 0 for nil chains.
func (ch *chains) brokenCount() int {
	if ch == nil {
		return 0
	}
	ch.mu.Lock()
	defer ch.mu.Unlock()
	n := 0
	for _, b := range ch.broken {
		if b {
			n++
		}
	}
	return n
}

// save writes the latest token of every chain, one a line, with mode 0600.
func (ch *chains) save(path string) error {
	ch.mu.Lock()
	data := strings.Join(ch.tokens, "\n") + "\n"
	ch.mu.Unlock()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		return fmt.Errorf("save refresh tokens: %w", err)
	}
	return nil
}

// refresh redeems worker w's current refresh token and keeps the new one.
// A failure breaks the chain.
func (c *caller) refresh(ctx context.Context, ch *chains, w int) outcome {
	rt, ok := ch.get(w)
	if !ok {
		return "chain broken"
	}
	req, err := c.postForm(ctx, c.ep.token, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
	if err != nil {
		return "request build_failed"
	}
	var ans tokenAnswer
	o := c.do(req, &ans)
	if o == "" && ans.RefreshToken == "" {
		o = "200 no_refresh_token"
	}
	if o != "" {
		// A transport error leaves it unknown whether the token was
		// rotated; either way the chain cannot go on safely.
		ch.breakChain(w)
		return o
	}
	ch.set(w, ans.RefreshToken)
	return ""
}

// introspect asks whether token is active.
func (c *caller) introspect(ctx context.Context, token string) outcome {
	req, err := c.postForm(ctx, c.ep.introspection, url.Values{"token": {token}})
	if err != nil {
		return "request build_failed"
	}
	var ans tokenAnswer
	if o := c.do(req, &ans); o != "" {
		return o
	}
	if ans.Active == nil || !*ans.Active {
		return "200 inactive"
	}
	return ""
}

// budget hands out the requests of a run: a fixed number, or as many as
// fit before the deadline.
type budget struct {
	left     atomic.Int64
	counted  bool
	deadline time.Time
}

// take reports whether one more request may be sent.
func (b *budget) take(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if b.counted {
		return b.left.Add(-1) >= 0
	}
	return time.Now().Before(b.deadline)
}

// sample is what a worker records of one request.
type sample struct {
	latency time.Duration
	outcome outcome
}

// drive runs the workers until the budget is spent and returns every
// sample and the wall time of the run. prog, when not nil, counts each
// request for the progress line.
func drive(ctx context.Context, cfg config, sc scenario, stopWorker func(w int) bool, prog *progress) ([]sample, time.Duration) {
	b := &budget{counted: cfg.requests > 0}
	if b.counted {
		b.left.Store(int64(cfg.requests))
	} else {
		b.deadline = time.Now().Add(cfg.duration)
	}
	per := make([][]sample, cfg.concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b.take(ctx) {
				t0 := time.Now()
				o := sc(ctx, w)
				if o != "" && ctx.Err() != nil {
					return // interrupted: not a server error
				}
				per[w] = append(per[w], sample{latency: time.Since(t0), outcome: o})
				prog.add(o)
				if o != "" && stopWorker != nil && stopWorker(w) {
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []sample
	for _, s := range per {
		all = append(all, s...)
	}
	return all, elapsed
}
