package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxSignInHops bounds the redirects and forms of one sign-in.
const maxSignInHops = 16

// signInScope is what the sign-ins ask for: offline_access brings the
// refresh token that seeds the refresh chains.
const signInScope = "openid email offline_access"

// signInUser is one line of --users-file.
type signInUser struct {
	email    string
	password string
}

// readUsers reads --users-file: one user a line, the e-mail address, a
// space or tab, then the password (the rest of the line, which may hold
// spaces). Blank lines and lines starting with # are skipped.
func readUsers(path string) ([]signInUser, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	defer f.Close()
	var users []signInUser
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		line = strings.TrimLeft(line, " \t")
		email, pw := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			email, pw = line[:i], strings.TrimLeft(line[i+1:], " \t")
		}
		if pw == "" || !strings.Contains(email, "@") {
			return nil, usagef("--users-file: line %d: want an e-mail address, a space and the password", n)
		}
		users = append(users, signInUser{email: email, password: pw})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read users: %w", err)
	}
	return users, nil
}

// signer runs full sign-ins through the hosted pages, as a browser with a
// cookie jar would, reading the e-mailed code from the outbox.
type signer struct {
	c      *caller
	users  []signInUser // users[w] is worker w's
	outbox *outbox
}

// signIn runs one whole sign-in of worker w's user in a fresh cookie jar:
// authorize, the e-mail, password and code pages (and any interstitial,
// such as the recovery codes of a first sign-in), the callback, then the
// code exchange at the token endpoint. It returns the token answer.
func (s *signer) signIn(ctx context.Context, w int) (tokenAnswer, outcome) {
	u := s.users[w]
	jar, err := cookiejar.New(nil)
	if err != nil {
		return tokenAnswer{}, "request build_failed"
	}
	hc := *s.c.hc // same transport, own jar
	hc.Jar = jar
	verifier := randomToken()
	sum := sha256.Sum256([]byte(verifier))
	state := randomToken()
	q := url.Values{
		"client_id": {s.c.cfg.clientID}, "redirect_uri": {s.c.cfg.redirectURI}, "response_type": {"code"},
		"scope": {signInScope}, "state": {state}, "nonce": {randomToken()},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
	}
	cb, o := s.browse(ctx, &hc, u, s.c.ep.authorization+"?"+q.Encode())
	if o != "" {
		return tokenAnswer{}, o
	}
	if cb.Query().Get("state") != state {
		return tokenAnswer{}, "signin callback bad_state"
	}
	code := cb.Query().Get("code")
	if code == "" {
		return tokenAnswer{}, outcome("signin callback " + sanitizeCode(cb.Query().Get("error")))
	}
	req, err := s.c.postForm(ctx, s.c.ep.token, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {s.c.cfg.redirectURI}, "code_verifier": {verifier}})
	if err != nil {
		return tokenAnswer{}, "request build_failed"
	}
	var ans tokenAnswer
	if o := s.c.do(req, &ans); o != "" {
		return tokenAnswer{}, "signin token " + o
	}
	if ans.AccessToken == "" {
		return tokenAnswer{}, "signin token 200 no_access_token"
	}
	return ans, ""
}

// browse follows next through the redirects and forms of the hosted pages
// until the server redirects to the relying party's redirect URI, and
// returns that redirect.
func (s *signer) browse(ctx context.Context, hc *http.Client, u signInUser, next string) (*url.URL, outcome) {
	status, loc, body, o := fetch(ctx, hc, http.MethodGet, next, nil)
	posted := "" // the path of the form just posted, until a redirect
	for range maxSignInHops {
		if o != "" {
			return nil, o
		}
		switch status {
		case http.StatusFound, http.StatusSeeOther:
			target, err := resolve(next, loc)
			if err != nil {
				return nil, "signin redirect bad_location"
			}
			if strings.HasPrefix(target.String(), s.c.cfg.redirectURI) {
				return target, ""
			}
			if _, err := checkTarget(target.Scheme + "://" + target.Host); err != nil {
				return nil, "signin redirect not_loopback"
			}
			next, posted = target.String(), ""
			status, loc, body, o = fetch(ctx, hc, http.MethodGet, next, nil)
		case http.StatusOK:
			f, ok := firstPostForm(body)
			if !ok {
				return nil, outcome("signin " + step(next) + " no_form")
			}
			values, o := s.fill(ctx, f, u)
			if o != "" {
				return nil, o
			}
			target, err := resolve(next, f.action)
			if err != nil || target.Host != mustHost(next) {
				return nil, outcome("signin " + step(next) + " bad_form_action")
			}
			if target.Path == posted {
				// The form came back: the answer was refused (a
				// wrong password or code, a limit).
				return nil, outcome("signin " + step(target.String()) + " refused")
			}
			next, posted = target.String(), target.Path
			status, loc, body, o = fetch(ctx, hc, http.MethodPost, next, values)
		default:
			return nil, outcome("signin " + step(next) + " " + strconv.Itoa(status))
		}
	}
	return nil, "signin too_many_hops"
}

// fill answers a form of the sign-in: the e-mail address, the password, or
// the code from the outbox; any other form (an interstitial) is posted
// with its hidden fields only.
func (s *signer) fill(ctx context.Context, f postForm, u signInUser) (url.Values, outcome) {
	values := f.hidden
	switch {
	case f.inputs["password"]:
		values.Set("password", u.password)
	case f.inputs["email"]:
		values.Set("email", u.email)
	case f.inputs["code"]:
		code, err := s.outbox.codeFor(ctx, u.email, s.c.cfg.codeWait)
		if err != nil {
			return nil, "signin code no_email"
		}
		values.Set("code", code)
	}
	return values, ""
}

// fetch sends one request of the browser and returns the status, the
// Location header and the body (at most maxBody), or the outcome of a
// transport error.
func fetch(ctx context.Context, hc *http.Client, method, target string, form url.Values) (int, string, string, outcome) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, "", "", "request build_failed"
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		// What a browser sends with a form of the same site.
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, "", "", transportOutcome(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, "", "", transportOutcome(err)
	}
	return resp.StatusCode, resp.Header.Get("Location"), string(b), ""
}

// resolve returns ref resolved against base.
func resolve(base, ref string) (*url.URL, error) {
	b, err := url.Parse(base)
	if err != nil {
		return nil, err
	}
	r, err := url.Parse(ref)
	if err != nil {
		return nil, err
	}
	return b.ResolveReference(r), nil
}

// mustHost returns the host of a URL the tool built, or "".
func mustHost(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// step names the page of a URL for the error counts: its path without
// the query ("/login/password").
func step(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "?"
	}
	return sanitizeCode(u.Path)
}

// postForm is the first POST form of a page.
type postForm struct {
	action string
	hidden url.Values
	inputs map[string]bool
}

var (
	formRE   = regexp.MustCompile(`(?s)<form\b[^>]*\bmethod="post"[^>]*>(.*?)</form>`)
	actionRE = regexp.MustCompile(`\baction="([^"]*)"`)
	inputRE  = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE   = regexp.MustCompile(`\b(type|name|value)="([^"]*)"`)
)

// firstPostForm returns the first POST form of an HTML page: its action,
// its hidden fields and the names of its other inputs.
func firstPostForm(page string) (postForm, bool) {
	m := formRE.FindStringSubmatchIndex(page)
	if m == nil {
		return postForm{}, false
	}
	open := page[m[0]:m[2]]
	f := postForm{hidden: url.Values{}, inputs: map[string]bool{}}
	if a := actionRE.FindStringSubmatch(open); a != nil {
		f.action = html.UnescapeString(a[1])
	}
	for _, in := range inputRE.FindAllString(page[m[2]:m[3]], -1) {
		attrs := map[string]string{}
		for _, a := range attrRE.FindAllStringSubmatch(in, -1) {
			attrs[a[1]] = html.UnescapeString(a[2])
		}
		switch {
		case attrs["name"] == "":
		case attrs["type"] == "hidden":
			f.hidden.Set(attrs["name"], attrs["value"])
		default:
			f.inputs[attrs["name"]] = true
		}
	}
	return f, true
}

// randomToken returns 32 random bytes, base64url encoded: a PKCE verifier,
// a state or a nonce.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}

// runSignIn runs the sign-in scenarios. signin measures whole sign-ins
// under the run's budget. signin_refresh first signs in every worker's
// user once, concurrently, which seeds that worker's refresh chain, then
// runs the refresh scenario on those chains under the budget; it reports
// both.
func (c *caller) runSignIn(ctx context.Context, prog io.Writer) ([]report, *chains, error) {
	if c.ep.authorization == "" || c.ep.token == "" {
		return nil, nil, fmt.Errorf("discovery names no authorization_endpoint or token_endpoint")
	}
	ob, err := openOutbox(c.cfg.outboxDir)
	if err != nil {
		return nil, nil, err
	}
	s := &signer{c: c, users: c.cfg.users, outbox: ob}
	if c.cfg.scenario == scenarioSignIn {
		p := startProgress(prog, scenarioSignIn)
		samples, elapsed := drive(ctx, c.cfg, func(ctx context.Context, w int) outcome {
			_, o := s.signIn(ctx, w)
			return o
		}, nil, p)
		p.finish()
		return []report{summarize(c.cfg, scenarioSignIn, c.ep.authorization, samples, elapsed)}, nil, nil
	}
	p := startProgress(prog, scenarioSignIn)
	ch, samples, elapsed := s.seed(ctx, p)
	p.finish()
	signIns := summarize(c.cfg, scenarioSignIn, c.ep.authorization, samples, elapsed)
	p = startProgress(prog, scenarioRefresh)
	samples, elapsed = drive(ctx, c.cfg, func(ctx context.Context, w int) outcome { return c.refresh(ctx, ch, w) },
		func(int) bool { return true }, p)
	p.finish()
	refresh := summarize(c.cfg, scenarioRefresh, c.ep.token, samples, elapsed)
	refresh.BrokenChains = ch.brokenCount()
	return []report{signIns, refresh}, ch, nil
}

// seed signs every worker's user in once, all workers at once, and returns
// the refresh chains the sign-ins started (a failed sign-in leaves its
// chain broken), the samples and the wall time.
func (s *signer) seed(ctx context.Context, p *progress) (*chains, []sample, time.Duration) {
	n := len(s.users)
	ch := &chains{tokens: make([]string, n), broken: make([]bool, n)}
	samples := make([]sample, n)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t0 := time.Now()
			ans, o := s.signIn(ctx, w)
			if o == "" && ans.RefreshToken == "" {
				o = "signin token 200 no_refresh_token"
			}
			samples[w] = sample{latency: time.Since(t0), outcome: o}
			p.add(o)
			if o != "" {
				ch.breakChain(w)
				return
			}
			ch.set(w, ans.RefreshToken)
		}()
	}
	wg.Wait()
	return ch, samples, time.Since(start)
}
