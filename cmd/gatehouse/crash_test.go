package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// The crash test (issue 14) runs the binary under concurrent sign-ins,
// code redemptions, refresh rotations, membership changes, ownership
// transfers and invitation accepts (through the API), kills it
// with SIGKILL after a random number of acknowledged writes, restarts it
// and checks what the clients were told: nothing acknowledged is lost, no
// code or refresh token is accepted twice across the crash, the account
// has exactly one Owner, and the file passes bbolt's check (the restart
// itself runs it, after an unclean stop, and refuses a damaged file).
// GATEHOUSE_CRASH_CYCLES sets the number of cycles: 5 by default (CI),
//
//	GATEHOUSE_CRASH_CYCLES=20 go test -run TestCrashUnderLoad ./cmd/gatehouse
//
// for the full run.
const defaultCrashCycles = 5

// crashState is what the clients were told, across cycles.
type crashState struct {
	mu sync.Mutex
	// chains: the latest acknowledged refresh token of each chain, the
	// tokens whose rotation was acknowledged, and whether a rotation of
	// the latest was in flight at the kill (its outcome is unknown).
	latest   []string
	rotated  []string
	inflight []bool
	// redeemed codes (acknowledged), and codes never sent.
	redeemed []crashCode
	unsent   []crashCode
	// signIns are refresh tokens of acknowledged sign-ins, never used.
	signIns []string
	// members added (acknowledged), and the Owner as acknowledged; a
	// transfer in flight may have made pendingOwner the Owner.
	members      []string
	owner        string
	pendingOwner string
	acks         chan string // the kind of each acknowledged write
}

// crashCode is an authorization code and its PKCE verifier.
type crashCode struct{ code, verifier string }

// Kinds of acknowledged writes.
const (
	ackRotation = "rotation"
	ackCode     = "code"
	ackMember   = "member"
	ackTransfer = "transfer"
	ackSignIn   = "sign-in"
	ackInvite   = "invitation"
)

// crashInvite is an invitation and the invitee's API access token.
type crashInvite struct{ email, id, token string }

// ack records one acknowledged write of a kind.
func (s *crashState) ack(kind string) {
	select {
	case s.acks <- kind:
	default:
	}
}

func TestCrashUnderLoad(t *testing.T) {
	bin := buildBinary(t)
	cycles := defaultCrashCycles
	if v := os.Getenv("GATEHOUSE_CRASH_CYCLES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("GATEHOUSE_CRASH_CYCLES=%q is not a positive number", v)
		}
		cycles = n
	}
	dataDir := filepath.Join(t.TempDir(), "data")
	env := fixedPortEnv(t, dataDir)
	issuer := issuerOf(env)
	p := startProc(t, bin, env)
	web := createBinClient(t, bin, env, "--name", "web", "--redirect-uri", rpRedirectURI)
	for _, email := range []string{"owner@example.com", "admin1@example.com", "admin2@example.com"} {
		mustBin(t, bin, env, testPassword, "user", "create", "--email", email, "--name", "Crash Test", "--password-stdin")
	}
	var acct accountJSON
	if err := json.Unmarshal([]byte(mustBin(t, bin, env, "", "account", "create", "--name", "Acme", "--owner", "owner@example.com", "--json")), &acct); err != nil {
		t.Fatal(err)
	}
	for _, email := range []string{"admin1@example.com", "admin2@example.com"} {
		mustBin(t, bin, env, "", "member", "add", acct.ID, "--email", email, "--role", "admin")
	}
	st := &crashState{owner: "owner@example.com", acks: make(chan string, 1024)}
	rng := rand.New(rand.NewPCG(13, uint64(cycles)))
	for cycle := range cycles {
		// Before the load: two refresh chains and three codes, from
		// sign-ins of users of this cycle.
		for i := range 5 {
			mustBin(t, bin, env, testPassword, "user", "create", "--email", fmt.Sprintf("c%d-%d@example.com", cycle, i), "--name", "Crash Test", "--password-stdin")
		}
		st.latest, st.rotated, st.inflight = nil, nil, nil
		st.redeemed, st.unsent, st.signIns = nil, nil, nil
		for i := range 2 {
			st.latest = append(st.latest, crashSignIn(t, issuer, dataDir, web, fmt.Sprintf("c%d-%d@example.com", cycle, i)))
			st.inflight = append(st.inflight, false)
		}
		var codes []crashCode
		for i := 2; i < 5; i++ {
			c, err := signInToCode(newRPBrowserNoT(), issuer, dataDir, web[0], fmt.Sprintf("c%d-%d@example.com", cycle, i))
			if err != nil {
				t.Fatal(err)
			}
			codes = append(codes, c)
		}
		invites := inviteForCrash(t, bin, env, issuer, dataDir, web, acct.ID, cycle)
		for len(st.acks) > 0 {
			<-st.acks
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for i := range st.latest {
			wg.Go(func() { rotateChain(issuer, web, st, i, stop) })
		}
		wg.Go(func() { redeemCodes(issuer, web, st, codes, stop) })
		wg.Go(func() { changeMembers(bin, env, acct.ID, cycle, st, stop) })
		wg.Go(func() { signInLoop(issuer, dataDir, web, bin, env, cycle, st, stop) })
		wg.Go(func() { acceptInvitations(issuer, invites, st, stop) })
		// The kill comes once every kind of write was acknowledged at
		// least once and a random number of writes in all.
		want := 5 + rng.IntN(20)
		seen := map[string]int{}
		for n := 0; n < want || len(seen) < 6; n++ {
			select {
			case kind := <-st.acks:
				seen[kind]++
			case <-time.After(60 * time.Second):
				t.Fatalf("cycle %d: only %v acknowledged within 60s", cycle, seen)
			}
		}
		p.kill(t)
		close(stop)
		wg.Wait()

		p = startProc(t, bin, env) // refuses to start on a damaged file
		t.Logf("cycle %d: killed after %v: %d rotations, %d codes redeemed and %d not sent, %d sign-ins, %d members, owner %s",
			cycle, seen, len(st.rotated), len(st.redeemed), len(st.unsent), len(st.signIns), len(st.members), st.owner)
		checkCrashState(t, bin, env, issuer, web, acct.ID, st, cycle)
	}
	p.kill(t)
	if err := boltdb.CheckFile(filepath.Join(dataDir, dbFileName)); err != nil {
		t.Fatalf("bbolt check after the last kill: %v", err)
	}
}

// crashSignIn signs email in and returns the refresh token.
func crashSignIn(t *testing.T, issuer, dataDir string, web [2]string, email string) string {
	t.Helper()
	c, err := signInToCode(newRPBrowserNoT(), issuer, dataDir, web[0], email)
	if err != nil {
		t.Fatal(err)
	}
	status, m, err := tryPostForm(issuer+"/oauth/token", web, exchangeForm(c))
	rt, _ := m["refresh_token"].(string)
	if err != nil || status != http.StatusOK || rt == "" {
		t.Fatalf("code exchange for %s: %d %v %v", email, status, m, err)
	}
	return rt
}

// inviteForCrash creates two users of the cycle, invites them to the
// account through the admin socket, and signs each in for an API token.
func inviteForCrash(t *testing.T, bin string, env []string, issuer, dataDir string, web [2]string, accountID string, cycle int) []crashInvite {
	t.Helper()
	op := socketOperator(filepath.Join(dataDir, adminSocketName))
	var out []crashInvite
	for i := range 2 {
		email := fmt.Sprintf("i%d-%d@example.com", cycle, i)
		mustBin(t, bin, env, testPassword, "user", "create", "--email", email, "--name", "Invitee", "--password-stdin")
		var inv struct {
			ID string `json:"id"`
		}
		if err := op.do(context.Background(), http.MethodPost, "/accounts/"+accountID+"/invitations",
			map[string]string{"name": "Invitee", "email": email, "role": "developer"}, &inv); err != nil {
			t.Fatalf("invite %s: %v", email, err)
		}
		c, err := signInToCode(newRPBrowserNoT(), issuer, dataDir, web[0], email)
		if err != nil {
			t.Fatal(err)
		}
		status, m, err := tryPostForm(issuer+"/oauth/token", web, exchangeForm(c))
		tok, _ := m["access_token"].(string)
		if err != nil || status != http.StatusOK || tok == "" {
			t.Fatalf("token for %s: %d %v %v", email, status, m, err)
		}
		out = append(out, crashInvite{email: email, id: inv.ID, token: tok})
	}
	return out
}

// acceptInvitations accepts the invitations through the API, each with
// its invitee's token, until one fails or stop closes.
func acceptInvitations(issuer string, invites []crashInvite, st *crashState, stop <-chan struct{}) {
	for _, inv := range invites {
		select {
		case <-stop:
			return
		default:
		}
		req, err := http.NewRequest(http.MethodPost, issuer+"/api/v1/me/invitations/"+inv.id+"/accept", nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+inv.token)
		resp, err := crashClient.Do(req)
		if err != nil {
			return
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return
		}
		st.mu.Lock()
		st.members = append(st.members, inv.email)
		st.mu.Unlock()
		st.ack(ackInvite)
	}
}

// rotateChain rotates chain i until a request fails or stop closes.
func rotateChain(issuer string, web [2]string, st *crashState, i int, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		st.mu.Lock()
		rt := st.latest[i]
		st.inflight[i] = true
		st.mu.Unlock()
		status, m, err := tryPostForm(issuer+"/oauth/token", web, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		next, _ := m["refresh_token"].(string)
		if err != nil || status != http.StatusOK || next == "" {
			return // the kill: the outcome of this rotation is unknown
		}
		st.mu.Lock()
		st.latest[i], st.inflight[i] = next, false
		st.rotated = append(st.rotated, rt)
		st.mu.Unlock()
		st.ack(ackRotation)
	}
}

// redeemCodes redeems the codes but the last one by one until one fails
// or stop closes; the codes never sent (the last at least) stay in
// st.unsent.
func redeemCodes(issuer string, web [2]string, st *crashState, codes []crashCode, stop <-chan struct{}) {
	st.mu.Lock()
	st.unsent = append(st.unsent, codes[len(codes)-1])
	st.mu.Unlock()
	codes = codes[:len(codes)-1]
	for n, c := range codes {
		select {
		case <-stop:
			st.mu.Lock()
			st.unsent = append(st.unsent, codes[n:]...)
			st.mu.Unlock()
			return
		default:
		}
		status, _, err := tryPostForm(issuer+"/oauth/token", web, exchangeForm(c))
		if err != nil || status != http.StatusOK {
			return // the kill, with this code in flight
		}
		st.mu.Lock()
		st.redeemed = append(st.redeemed, c)
		st.mu.Unlock()
		st.ack(ackCode)
	}
}

// changeMembers adds new members and moves ownership between the two
// Admins through the CLI (the admin socket) until a command fails.
func changeMembers(bin string, env []string, accountID string, cycle int, st *crashState, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		if i%3 == 0 {
			st.mu.Lock()
			to := "admin1@example.com"
			if st.owner == to {
				to = "admin2@example.com"
			}
			st.pendingOwner = to
			st.mu.Unlock()
			if _, err := runBin(bin, env, "", "account", "transfer-ownership", accountID, "--to", to, "--reason", "crash test"); err != nil {
				return
			}
			st.mu.Lock()
			old := st.owner
			st.owner, st.pendingOwner = to, ""
			st.mu.Unlock()
			// The old Owner is an Admin now; make it one of the two again.
			if old == "owner@example.com" {
				st.mu.Lock()
				st.members = append(st.members, old)
				st.mu.Unlock()
			}
			st.ack(ackTransfer)
			continue
		}
		email := fmt.Sprintf("m%d-%d@example.com", cycle, i)
		if _, err := runBin(bin, env, testPassword, "user", "create", "--email", email, "--name", "Member", "--password-stdin"); err != nil {
			return
		}
		if _, err := runBin(bin, env, "", "member", "add", accountID, "--email", email, "--role", "developer"); err != nil {
			return
		}
		st.mu.Lock()
		st.members = append(st.members, email)
		st.mu.Unlock()
		st.ack(ackMember)
	}
}

// signInLoop signs new users in through the pages until a step fails.
func signInLoop(issuer, dataDir string, web [2]string, bin string, env []string, cycle int, st *crashState, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		email := fmt.Sprintf("s%d-%d@example.com", cycle, i)
		if _, err := runBin(bin, env, testPassword, "user", "create", "--email", email, "--name", "Signer", "--password-stdin"); err != nil {
			return
		}
		c, err := signInToCode(newRPBrowserNoT(), issuer, dataDir, web[0], email)
		if err != nil {
			return
		}
		status, m, err := tryPostForm(issuer+"/oauth/token", web, exchangeForm(c))
		rt, _ := m["refresh_token"].(string)
		if err != nil || status != http.StatusOK || rt == "" {
			return
		}
		st.mu.Lock()
		st.signIns = append(st.signIns, rt)
		st.mu.Unlock()
		st.ack(ackSignIn)
	}
}

// checkCrashState checks, on the restarted server, what the clients were
// told before the kill.
func checkCrashState(t *testing.T, bin string, env []string, issuer string, web [2]string, accountID string, st *crashState, cycle int) {
	t.Helper()
	refreshOK := func(rt string) bool {
		status, m, err := tryPostForm(issuer+"/oauth/token", web, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}})
		return err == nil && status == http.StatusOK && m["refresh_token"] != nil
	}
	for i, rt := range st.latest {
		if !st.inflight[i] && !refreshOK(rt) {
			t.Errorf("cycle %d: the latest acknowledged refresh token of chain %d was lost", cycle, i)
		}
	}
	for _, rt := range st.signIns {
		if !refreshOK(rt) {
			t.Errorf("cycle %d: the refresh token of an acknowledged sign-in was lost", cycle)
		}
	}
	for _, rt := range st.rotated {
		if refreshOK(rt) {
			t.Errorf("cycle %d: a refresh token rotated before the crash was accepted again", cycle)
		}
	}
	for _, c := range st.redeemed {
		if status, _, err := tryPostForm(issuer+"/oauth/token", web, exchangeForm(c)); err != nil || status == http.StatusOK {
			t.Errorf("cycle %d: a code redeemed before the crash was accepted again (%d, %v)", cycle, status, err)
		}
	}
	for _, c := range st.unsent {
		if status, m, err := tryPostForm(issuer+"/oauth/token", web, exchangeForm(c)); err != nil || status != http.StatusOK {
			t.Errorf("cycle %d: an issued code never redeemed was lost: %d %v %v", cycle, status, m, err)
		}
	}
	var members []memberJSON
	if err := json.Unmarshal([]byte(mustBin(t, bin, env, "", "member", "list", accountID, "--json")), &members); err != nil {
		t.Fatal(err)
	}
	owners, present := []string{}, map[string]bool{}
	for _, m := range members {
		if m.Active {
			present[m.Email] = true
		}
		if m.Role == "owner" && m.Active {
			owners = append(owners, m.Email)
		}
	}
	switch {
	case len(owners) != 1:
		t.Errorf("cycle %d: the account has %d Owners %v, want exactly one", cycle, len(owners), owners)
	case owners[0] != st.owner && owners[0] != st.pendingOwner:
		t.Errorf("cycle %d: the Owner is %s, want the acknowledged %s (or %q in flight)", cycle, owners[0], st.owner, st.pendingOwner)
	default:
		st.owner, st.pendingOwner = owners[0], ""
	}
	for _, email := range st.members {
		if !present[email] {
			t.Errorf("cycle %d: the acknowledged member %s was lost", cycle, email)
		}
	}
}

// exchangeForm is the token request that redeems c.
func exchangeForm(c crashCode) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {c.code}, "redirect_uri": {rpRedirectURI},
		"code_verifier": {c.verifier}}
}

// mustBin runs the binary's CLI and fails the test on an error.
func mustBin(t *testing.T, bin string, env []string, stdin string, args ...string) string {
	t.Helper()
	out, err := runBin(bin, env, stdin, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// tryPostForm is postForm that reports a failed request instead of
// failing the test: under the crash test the server may be gone.
func tryPostForm(u string, client [2]string, form url.Values) (int, map[string]any, error) {
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(client[0]), url.QueryEscape(client[1]))
	resp, err := crashClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(body, &m)
	return resp.StatusCode, m, err
}

// crashClient bounds each request of the crash test.
var crashClient = &http.Client{Timeout: 20 * time.Second}

// newRPBrowserNoT is newRPBrowser for a goroutine without a testing.T.
func newRPBrowserNoT() *rpBrowser {
	b := &rpBrowser{}
	jar, _ := cookiejar.New(nil)
	b.Client = &http.Client{Jar: jar, Timeout: 20 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), rpRedirectURI) {
			b.callback = req.URL
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return b
}

// signInToCode signs email in through the hosted pages, as signInBrowser
// does, and returns the code at the redirect, not redeemed; every failure
// is an error.
func signInToCode(b *rpBrowser, issuer, dataDir, clientID, email string) (crashCode, error) {
	return signInToCodeWith(b, issuer, clientID, email, func() (string, error) { return waitOutboxCode(dataDir, email) })
}

// signInToCodeWith is signInToCode with the e-mailed code read by code,
// for servers whose outboxes are several (TestMultiNode).
func signInToCodeWith(b *rpBrowser, issuer, clientID, email string, code func() (string, error)) (crashCode, error) {
	q, verifier := authorizeQuery(clientID)
	q.Set("scope", "openid email offline_access gatehouse:api")
	page, err := tryBrowse(b.Client, http.MethodGet, issuer+"/authorize?"+q.Encode(), nil, issuer)
	if err == nil {
		page, err = tryBrowse(b.Client, http.MethodPost, issuer+"/login/email", formOf(page, "email", email), issuer)
	}
	if err == nil {
		page, err = tryBrowse(b.Client, http.MethodPost, issuer+"/login/password", formOf(page, "password", testPassword), issuer)
	}
	for hop := 0; err == nil && b.callback == nil && hop < 4; hop++ {
		m := formRe.FindStringSubmatch(page)
		if m == nil {
			return crashCode{}, fmt.Errorf("no form on the page of %s", email)
		}
		values := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			values.Set(h[1], html.UnescapeString(h[2]))
		}
		if strings.Contains(m[2], `name="code"`) {
			c, cerr := code()
			if cerr != nil {
				return crashCode{}, cerr
			}
			values.Set("code", c)
		}
		page, err = tryBrowse(b.Client, http.MethodPost, issuer+html.UnescapeString(m[1]), values, issuer)
	}
	if err != nil {
		return crashCode{}, err
	}
	if b.callback == nil || b.callback.Query().Get("code") == "" {
		return crashCode{}, fmt.Errorf("sign-in of %s did not reach the redirect URI", email)
	}
	c := crashCode{code: b.callback.Query().Get("code"), verifier: verifier}
	b.callback = nil
	return c, nil
}

// waitOutboxCode reads the code e-mailed to addr, waiting for the mail to
// reach the outbox (mail leaves after the response) for up to 10 s.
func waitOutboxCode(dataDir, addr string) (string, error) {
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		m, _, err := notify.ReadLatestEmail(filepath.Join(dataDir, "outbox"), addr)
		if err == nil {
			if c := codeRe.FindStringSubmatch(m.Text); c != nil {
				return c[1], nil
			}
		}
		if time.Now().After(deadline) {
			return "", errors.New("no code e-mail for " + addr)
		}
		<-tick.C
	}
}

// tryBrowse is browse that reports failures instead of failing the test.
func tryBrowse(c *http.Client, method, u string, form url.Values, origin string) (string, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", origin)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode >= 400 {
		err = fmt.Errorf("%s %s: %s\n%s", method, u, resp.Status, b)
	}
	return string(b), err
}
