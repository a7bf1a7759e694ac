package main

import (
	"context"
	"encoding/json"
	"html"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// accountScopes ask for the selected account and the list.
var accountScopes = []string{oidc.ScopeOpenID, "account", "accounts", oidc.ScopeOfflineAccess}

// e2eAccounts are the accounts of the end-to-end user: Acme (Developer),
// its child Acme Labs (a direct Admin), Beta (Member); Foreign is not
// the user's.
type e2eAccounts struct {
	acme, labs, beta, foreign string
}

// withStore stops the server, runs fn on its database as the operator
// would with the server down, and starts it again on the same address, so
// that the issuer, the relying party's endpoints and the browser's cookies
// stay valid.
func (e *e2e) withStore(t *testing.T, fn func(ctx context.Context, svc *iam.Service, db *boltdb.DB)) {
	t.Helper()
	if err := e.srv.stop(); err != nil {
		t.Fatalf("stop server: %v", err)
	}
	db, err := boltdb.Open(filepath.Join(e.env["GATEHOUSE_STORAGE_DATA_DIR"], dbFileName), boltdb.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("open the data directory's database: %v", err)
	}
	fn(context.Background(), iam.New(db, password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), e.clock.Now), db)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	env := maps.Clone(e.env)
	env["GATEHOUSE_SERVER_LISTEN"] = e.srv.addr
	h := e.hooks
	h.now = e.clock.Now
	e.srv = startServerWith(t, env, h)
}

// seedAccounts creates the accounts of the test user, as the operator.
func (e *e2e) seedAccounts(t *testing.T) e2eAccounts {
	t.Helper()
	var a e2eAccounts
	e.withStore(t, func(ctx context.Context, svc *iam.Service, db *boltdb.DB) {
		u, err := db.GetUserByEmail(ctx, e.email)
		if err != nil {
			t.Fatal(err)
		}
		owner := storage.User{ID: secret.ID("usr_"), Email: "owner@example.com", EmailVerified: true, State: storage.UserActive}
		if err := db.CreateUser(ctx, owner); err != nil {
			t.Fatal(err)
		}
		op := iam.OperatorActor()
		mk := func(name, parent string, role storage.Role) string {
			t.Helper()
			na := iam.NewAccount{Name: name, OwnerID: owner.ID}
			var acct storage.Account
			var err error
			if parent == "" {
				acct, err = svc.CreateTopLevelAccount(ctx, op, na)
			} else {
				acct, err = svc.CreateChildAccount(ctx, op, parent, na)
			}
			if err != nil {
				t.Fatalf("create account %s: %v", name, err)
			}
			if role != "" {
				if _, err := svc.AddMember(ctx, op, acct.ID, u.ID, role); err != nil {
					t.Fatalf("add member to %s: %v", name, err)
				}
			}
			return acct.ID
		}
		a.acme = mk("Acme", "", storage.RoleDeveloper)
		a.labs = mk("Acme Labs", a.acme, storage.RoleAdmin)
		a.beta = mk("Beta", "", storage.RoleDefault)
		a.foreign = mk("Foreign", "", "")
	})
	return a
}

// pickerSeen is what the sign-in saw of the account picker.
type pickerSeen struct {
	shown bool
	body  string
}

// signInPicking is e2e.signIn that answers the account picker with
// accountID and reports whether it was shown.
func (e *e2e) signInPicking(t *testing.T, b *browser, authURL, accountID string) (*url.URL, pickerSeen) {
	t.Helper()
	var seen pickerSeen
	next := authURL
	status, loc, body := b.get(next)
	for hop := 0; hop < 12; hop++ {
		switch {
		case status == http.StatusFound || status == http.StatusSeeOther:
			u := mustParse(t, e.srv.url).ResolveReference(mustParse(t, loc))
			if strings.HasPrefix(u.String(), "http://localhost:9999/") {
				return u, seen
			}
			next = e.srv.url + u.RequestURI()
			status, loc, body = b.get(next)
		case status == http.StatusOK && strings.Contains(body, `action="/login/account"`):
			seen = pickerSeen{shown: true, body: body}
			form, ok := pickerForm(body, accountID)
			if !ok {
				t.Fatalf("picker has no form for %s:\n%s", accountID, body)
			}
			next = e.srv.url + "/login/account"
			status, loc, body = b.post(next, form)
		case status == http.StatusOK:
			form := firstForm(t, body)
			values := form.hidden
			switch {
			case form.inputs["password"]:
				values.Set("password", e.password)
				e.clock.Advance(31 * time.Second)
			case form.inputs["email"]:
				values.Set("email", e.email)
			case form.inputs["code"]:
				values.Set("code", e.emailCode(t))
			}
			next = e.srv.url + form.action
			status, loc, body = b.post(next, values)
		default:
			t.Fatalf("sign-in at %s: status %d, body:\n%s", next, status, body)
		}
	}
	t.Fatalf("sign-in did not reach the relying party within 12 hops (last %s)", next)
	return nil, seen
}

// formByAction returns the hidden fields of the first POST form of body
// whose action is action.
func formByAction(body, action string) (url.Values, bool) {
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		if html.UnescapeString(m[1]) != action {
			continue
		}
		v := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			v.Set(h[1], html.UnescapeString(h[2]))
		}
		return v, true
	}
	return nil, false
}

// pickerForm returns the hidden fields of the picker's form for accountID,
// or of its Continue without an account when accountID is empty.
func pickerForm(body, accountID string) (url.Values, bool) {
	for _, m := range formRe.FindAllStringSubmatch(body, -1) {
		v := url.Values{}
		for _, h := range hiddenRe.FindAllStringSubmatch(m[2], -1) {
			v.Set(h[1], html.UnescapeString(h[2]))
		}
		if accountID != "" && v.Get("account_id") == accountID || accountID == "" && v.Get("skip") != "" {
			return v, true
		}
	}
	return nil, false
}

// accountTokens runs a sign-in with the account scopes and extra
// parameters, picks accountID if the picker shows, and redeems the code.
func (e *e2e) accountTokens(t *testing.T, b *browser, accountID string, extra ...oauth2.AuthCodeOption) (*oauth2.Token, pickerSeen) {
	t.Helper()
	cfg := e.oauth
	cfg.Scopes = accountScopes
	verifier, _ := pkce()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-acct")}, extra...)
	cb, seen := e.signInPicking(t, b, e.rewrite(cfg.AuthCodeURL("st-acct", opts...)), accountID)
	code := cb.Query().Get("code")
	if code == "" {
		t.Fatalf("callback without code: %s", cb)
	}
	tok, err := cfg.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchange: %v", err)
	}
	return tok, seen
}

// tokenAccount is the account part of a token's claims.
type tokenAccount struct {
	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	Role        string `json:"role"`
	Accounts    []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Role string `json:"role"`
	} `json:"accounts"`
	Active *bool `json:"active"`
}

func (c tokenAccount) ids() []string {
	var out []string
	for _, a := range c.Accounts {
		out = append(out, a.ID)
	}
	slices.Sort(out)
	return out
}

// claimsEverywhere returns the account claims of the ID token, the access
// token (a JWT verified against the JWKS), userinfo and introspection.
func (e *e2e) claimsEverywhere(t *testing.T, tok *oauth2.Token) map[string]tokenAccount {
	t.Helper()
	ctx := context.Background()
	out := map[string]tokenAccount{}
	idt, err := e.verifier.Verify(ctx, tok.Extra("id_token").(string))
	if err != nil {
		t.Fatalf("verify ID token: %v", err)
	}
	var c tokenAccount
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	out["ID token"] = c
	payload, err := oidc.NewRemoteKeySet(ctx, e.rewrite(e.discoveryEndpoint(t, "jwks_uri"))).VerifySignature(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("access token is not a JWT signed by the provider: %v", err)
	}
	c = tokenAccount{}
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	out["access token"] = c
	ui, err := e.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	if err != nil {
		t.Fatalf("userinfo: %v", err)
	}
	c = tokenAccount{}
	if err := ui.Claims(&c); err != nil {
		t.Fatal(err)
	}
	out["userinfo"] = c
	status, in := e.postForm(t, e.discoveryEndpoint(t, "introspection_endpoint"), url.Values{"token": {tok.AccessToken}}, true)
	raw, _ := json.Marshal(in)
	c = tokenAccount{}
	if err := json.Unmarshal(raw, &c); err != nil || status != http.StatusOK || c.Active == nil || !*c.Active {
		t.Fatalf("introspection %d %s, want active", status, raw)
	}
	out["introspection"] = c
	return out
}

// wantTokenAccount checks the selected account in every answer and the
// list where scope accounts puts it (not introspection).
func wantTokenAccount(t *testing.T, got map[string]tokenAccount, id, name, role string, list []string) {
	t.Helper()
	for where, c := range got {
		if c.AccountID != id || c.AccountName != name || c.Role != role {
			t.Errorf("%s: account %q %q %q, want %q %q %q", where, c.AccountID, c.AccountName, c.Role, id, name, role)
		}
		if where == "introspection" {
			continue
		}
		if ids := c.ids(); !slices.Equal(ids, list) {
			t.Errorf("%s: accounts %v, want %v", where, ids, list)
		}
	}
}

// TestE2EAccounts drives the account context as a relying party sees it,
// against the real server: a user in three accounts two levels deep picks
// one on the picker and gets its claims in every token and answer; a new
// authorization with account= or prompt=select_account switches the
// account; once an operator suspends an account it leaves the picker and
// the list, and refreshing its tokens fails with invalid_grant; account=
// for a foreign account gives access_denied.
func TestE2EAccounts(t *testing.T) {
	e := startE2E(t)
	a := e.seedAccounts(t)
	b := newBrowser(t)
	all := []string{a.acme, a.labs, a.beta}
	slices.Sort(all)

	tok, seen := e.accountTokens(t, b, a.labs)
	if !seen.shown {
		t.Fatal("the first sign-in did not show the account picker")
	}
	for _, want := range []string{"Acme", "Acme Labs", "Beta"} {
		if !strings.Contains(seen.body, want) {
			t.Errorf("picker lacks %q", want)
		}
	}
	if strings.Contains(seen.body, "Foreign") {
		t.Error("picker lists a foreign account")
	}
	wantTokenAccount(t, e.claimsEverywhere(t, tok), a.labs, "Acme Labs", "admin", all)

	t.Run("account parameter switches without the picker", func(t *testing.T) {
		tok, seen := e.accountTokens(t, b, "", oauth2.SetAuthURLParam("account", a.beta))
		if seen.shown {
			t.Error("picker shown although account= named a valid account")
		}
		wantTokenAccount(t, e.claimsEverywhere(t, tok), a.beta, "Beta", "default", all)
	})
	t.Run("prompt=select_account shows the picker with the session", func(t *testing.T) {
		tok, seen := e.accountTokens(t, b, a.acme, oauth2.SetAuthURLParam("prompt", "select_account"))
		if !seen.shown {
			t.Fatal("prompt=select_account did not show the picker")
		}
		wantTokenAccount(t, e.claimsEverywhere(t, tok), a.acme, "Acme", "developer", all)
	})

	t.Run("a switch on the console gives the next sign-in the new account", func(t *testing.T) {
		status, _, body := b.get(e.srv.url + "/console")
		form, ok := formByAction(body, "/console/switch")
		if status != http.StatusOK || !ok {
			t.Fatalf("console: status %d, switch form found %v:\n%s", status, ok, body)
		}
		form.Set("account", a.beta)
		if status, _, body := b.post(e.srv.url+"/console/switch", form); status != http.StatusSeeOther {
			t.Fatalf("switch: status %d, want 303:\n%s", status, body)
		}
		tok, seen := e.accountTokens(t, b, "")
		if seen.shown {
			t.Error("the picker was shown although the console chose the account")
		}
		wantTokenAccount(t, e.claimsEverywhere(t, tok), a.beta, "Beta", "default", all)
	})

	e.withStore(t, func(ctx context.Context, svc *iam.Service, _ *boltdb.DB) {
		if _, err := svc.SetStatus(ctx, iam.OperatorActor(), a.labs, storage.AccountSuspended, "e2e"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("refresh of a suspended account's tokens fails", func(t *testing.T) {
		_, err := e.oauth.TokenSource(context.Background(), &oauth2.Token{RefreshToken: tok.RefreshToken, Expiry: time.Unix(1, 0)}).Token()
		if err == nil || !strings.Contains(err.Error(), "invalid_grant") {
			t.Fatalf("refresh after suspension: err = %v, want invalid_grant", err)
		}
	})
	t.Run("the suspended account leaves the picker and the list", func(t *testing.T) {
		tok, seen := e.accountTokens(t, b, a.beta, oauth2.SetAuthURLParam("prompt", "select_account"))
		if !seen.shown || strings.Contains(seen.body, "Acme Labs") {
			t.Errorf("picker shown=%v lists the suspended account: %v", seen.shown, strings.Contains(seen.body, "Acme Labs"))
		}
		rest := []string{a.acme, a.beta}
		slices.Sort(rest)
		wantTokenAccount(t, e.claimsEverywhere(t, tok), a.beta, "Beta", "default", rest)
	})
	t.Run("account parameter of a foreign account", func(t *testing.T) {
		cfg := e.oauth
		cfg.Scopes = accountScopes
		verifier, _ := pkce()
		cb, _ := e.signInPicking(t, b, e.rewrite(cfg.AuthCodeURL("st-foreign", oauth2.S256ChallengeOption(verifier),
			oauth2.SetAuthURLParam("account", a.foreign))), "")
		if got := cb.Query().Get("error"); got != "access_denied" || cb.Query().Get("code") != "" {
			t.Fatalf("callback %s, want error=access_denied", cb)
		}
		if cb.Query().Get("state") != "st-foreign" {
			t.Errorf("callback state = %q", cb.Query().Get("state"))
		}
	})
}
