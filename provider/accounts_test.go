package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/storage"
)

// iamAccounts is the test's Accounts on a real iam.Service over the env's
// bolt store (cmd/gatehouse wires the same). It builds the service on the
// current store, so that it survives env.restart.
type iamAccounts struct{ e *env }

func (a iamAccounts) svc() *iam.Service {
	return iam.New(a.e.store, password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 1), a.e.clock.Now)
}

func (a iamAccounts) Selectable(ctx context.Context, userID string) ([]Account, error) {
	list, err := a.svc().SelectableAccounts(ctx, userID)
	if err != nil {
		return nil, err
	}
	out := make([]Account, 0, len(list))
	for _, t := range list {
		out = append(out, Account{ID: t.ID, Name: t.Name, Role: string(t.Role)})
	}
	return out, nil
}

func (a iamAccounts) Usable(ctx context.Context, accountID string) (bool, error) {
	return a.svc().AccountUsable(ctx, accountID)
}

func (a iamAccounts) Admits(ctx context.Context, userID, clientID string) (bool, error) {
	_, err := a.svc().AdmitToApplication(ctx, userID, clientID)
	if errors.Is(err, iam.ErrNotAdmitted) {
		return false, nil
	}
	return err == nil, err
}

func (a iamAccounts) For(ctx context.Context, userID, accountID string) (Account, error) {
	t, err := a.svc().TokenAccountFor(ctx, userID, accountID)
	if errors.Is(err, iam.ErrNotSelectable) {
		return Account{}, fmt.Errorf("%w: %w", ErrAccountNotSelectable, err)
	}
	if err != nil {
		return Account{}, err
	}
	return Account{ID: t.ID, Name: t.Name, Role: string(t.Role)}, nil
}

// accountsFixture is the test user in three accounts two levels deep: a
// top account Acme (no role of its own), its child Acme Labs where the
// user is a direct Admin, and another top account Beta where the user is
// a Developer; plus Foreign, where the user has no role.
type accountsFixture struct {
	acme, labs, beta, foreign storage.Account
}

// newAccountsEnv starts a provider with Config.Accounts on iam and seeds
// the fixture.
func newAccountsEnv(t testing.TB) (*env, accountsFixture) {
	t.Helper()
	e := newEnv(t)
	e.accounts = iamAccounts{e: e}
	e.restart()
	ctx := context.Background()
	owner := storage.User{ID: "usr_owner", Email: "owner@example.com", EmailVerified: true, State: storage.UserActive}
	if err := e.store.CreateUser(ctx, owner); err != nil {
		t.Fatalf("create owner: %v", err)
	}
	svc := iamAccounts{e: e}.svc()
	op := iam.OperatorActor()
	mk := func(name, parent string) storage.Account {
		t.Helper()
		na := iam.NewAccount{Name: name, OwnerID: owner.ID}
		var a storage.Account
		var err error
		if parent == "" {
			a, err = svc.CreateTopLevelAccount(ctx, op, na)
		} else {
			a, err = svc.CreateChildAccount(ctx, op, parent, na)
		}
		if err != nil {
			t.Fatalf("create account %s: %v", name, err)
		}
		return a
	}
	var f accountsFixture
	f.acme = mk("Acme", "")
	f.labs = mk("Acme Labs", f.acme.ID)
	f.beta = mk("Beta", "")
	f.foreign = mk("Foreign", "")
	for _, m := range []struct {
		account string
		role    storage.Role
	}{{f.labs.ID, storage.RoleAdmin}, {f.beta.ID, storage.RoleDeveloper}} {
		if _, err := svc.AddMember(ctx, op, m.account, e.user.ID, m.role); err != nil {
			t.Fatalf("add member to %s: %v", m.account, err)
		}
	}
	return e, f
}

// accountParams is an authorization request with the account scopes.
func (e *env) accountParams(scope string) (url.Values, string) {
	v := e.authorizeParams(confID)
	v.Set("scope", scope)
	return v, withPKCE(v)
}

// jwtClaims decodes the payload of a JWT without verifying it (the ID
// token is verified by verifyIDToken; the access token's signature by
// userinfo).
func jwtClaims(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		t.Fatalf("access token %q is not a JWT", raw)
	}
	b, err := base64URLDecode(parts[1])
	if err != nil {
		t.Fatalf("decode JWT payload: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("JWT payload: %v", err)
	}
	return m
}

// introspect returns the introspection answer for an access token.
func (e *env) introspect(token string) map[string]any {
	e.t.Helper()
	_, body := e.do(http.MethodPost, "/oauth/introspect", url.Values{"token": {token}}, confID, confSecret)
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		e.t.Fatalf("introspection %s: %v", body, err)
	}
	return m
}

// wantAccount checks the account claims of one token or answer.
func wantAccount(t *testing.T, where string, claims map[string]any, a *Account) {
	t.Helper()
	if a == nil {
		for _, k := range []string{claimAccountID, claimAccountName, claimRole} {
			if v, ok := claims[k]; ok {
				t.Errorf("%s: %s = %v, want no account claims", where, k, v)
			}
		}
		return
	}
	got := Account{}
	got.ID, _ = claims[claimAccountID].(string)
	got.Name, _ = claims[claimAccountName].(string)
	got.Role, _ = claims[claimRole].(string)
	if got != *a {
		t.Errorf("%s: account claims = %+v, want %+v", where, got, *a)
	}
}

// accountList returns the accounts claim as IDs, or nil when absent.
func accountList(t *testing.T, claims map[string]any) []string {
	t.Helper()
	raw, ok := claims[claimAccounts]
	if !ok {
		return nil
	}
	items, ok := raw.([]any)
	if !ok {
		t.Fatalf("accounts claim = %#v, want a list", raw)
	}
	ids := []string{}
	for _, it := range items {
		m, _ := it.(map[string]any)
		id, _ := m["id"].(string)
		if id == "" || m["name"] == "" || m["role"] == "" {
			t.Errorf("accounts item %v lacks id, name or role", it)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

func sortedIDs(ids ...string) []string {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

// TestAccountClaims: scope account puts the selected account into the ID
// token, a JWT access token, userinfo and introspection; scope accounts
// adds the list of the user's active accounts; without the scopes the
// tokens carry neither and the access token stays opaque.
func TestAccountClaims(t *testing.T) {
	e, f := newAccountsEnv(t)
	labs := &Account{ID: f.labs.ID, Name: "Acme Labs", Role: "admin"}
	all := sortedIDs(f.labs.ID, f.beta.ID)
	tests := []struct {
		name     string
		scope    string
		selected string
		wantAcct *Account
		wantList []string
		wantJWT  bool
	}{
		{"account and accounts", "openid account accounts", f.labs.ID, labs, all, true},
		{"account only", "openid account", f.labs.ID, labs, nil, true},
		{"accounts only", "openid accounts", f.labs.ID, nil, all, true},
		{"account without a selection", "openid account", "", nil, nil, true},
		{"neither scope", "openid profile", f.labs.ID, nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.loginAccount = tt.selected
			v, verifier := e.accountParams(tt.scope)
			tr := e.redeem(e.code(v).Get("code"), verifier)
			if tr.Status != http.StatusOK {
				t.Fatalf("redeem status %d error %q %q", tr.Status, tr.Error, tr.Description)
			}
			_, idClaims := e.verifyIDToken(tr.IDToken, confID, v.Get("nonce"))
			wantAccount(t, "ID token", idClaims, tt.wantAcct)
			if got := accountList(t, idClaims); !slices.Equal(got, tt.wantList) {
				t.Errorf("ID token accounts = %v, want %v", got, tt.wantList)
			}
			isJWT := strings.Count(tr.AccessToken, ".") == 2
			if isJWT != tt.wantJWT {
				t.Fatalf("access token is a JWT: %v, want %v", isJWT, tt.wantJWT)
			}
			if isJWT {
				at := jwtClaims(t, tr.AccessToken)
				wantAccount(t, "access token", at, tt.wantAcct)
				if got := accountList(t, at); !slices.Equal(got, tt.wantList) {
					t.Errorf("access token accounts = %v, want %v", got, tt.wantList)
				}
				if at["sub"] != e.user.ID {
					t.Errorf("access token sub = %v, want %s", at["sub"], e.user.ID)
				}
			}
			status, ui := e.userinfo(http.MethodGet, tr.AccessToken)
			if status != http.StatusOK {
				t.Fatalf("userinfo status %d", status)
			}
			wantAccount(t, "userinfo", ui, tt.wantAcct)
			if got := accountList(t, ui); !slices.Equal(got, tt.wantList) {
				t.Errorf("userinfo accounts = %v, want %v", got, tt.wantList)
			}
			in := e.introspect(tr.AccessToken)
			if in["active"] != true {
				t.Fatalf("introspection = %v, want active", in)
			}
			wantAccount(t, "introspection", in, tt.wantAcct)
		})
	}
}

// TestAccountParam: the account parameter is checked at /authorize
// (shape, repetition) and kept on the auth request.
func TestAccountParam(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name      string
		values    []string
		wantError string // "" means the login page
	}{
		{"valid", []string{"acct_abcdefghijklmnopqrstuvwxyz"}, ""},
		{"absent", nil, ""},
		{"empty", []string{""}, "invalid_request"},
		{"no prefix", []string{"abcdefghijklmnopqrstuvwxyz"}, "invalid_request"},
		{"prefix only", []string{"acct_"}, "invalid_request"},
		{"upper case", []string{"acct_ABCDEF"}, "invalid_request"},
		{"outside the alphabet", []string{"acct_abc-19"}, "invalid_request"},
		{"tampered with a colon", []string{"acct_abc:def"}, "invalid_request"},
		{"too long", []string{"acct_" + strings.Repeat("a", 60)}, "invalid_request"},
		{"repeated", []string{"acct_aaaa", "acct_bbbb"}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := e.authorizeParams(confID)
			v.Set("scope", "openid account")
			withPKCE(v)
			v[AccountParam] = tt.values
			loc := location(t, e.authorize(v))
			if tt.wantError != "" {
				if got := loc.Query().Get("error"); got != tt.wantError || loc.Host != "rp.example.com" {
					t.Fatalf("redirect %s, want error=%s at the client", loc, tt.wantError)
				}
				if loc.Query().Get("state") != v.Get("state") {
					t.Errorf("error redirect without state: %s", loc)
				}
				return
			}
			id := loc.Query().Get("authRequestID")
			ar, err := e.store.GetAuthRequest(context.Background(), id)
			if err != nil {
				t.Fatalf("auth request %q not stored: %v (redirect %s)", id, err, loc)
			}
			want := ""
			if len(tt.values) == 1 {
				want = tt.values[0]
			}
			if ar.Account != want {
				t.Errorf("stored Account = %q, want %q", ar.Account, want)
			}
		})
	}
}

// TestRefreshKeepsAccount: a refresh token keeps the selected account; the
// new tokens show its current name and role, and an account that is no
// longer ACTIVE or a removed membership makes the refresh fail with
// invalid_grant.
func TestRefreshKeepsAccount(t *testing.T) {
	tests := []struct {
		name      string
		change    func(t *testing.T, svc *iam.Service, e *env, f accountsFixture)
		wantError string
		wantAcct  Account
	}{
		{"unchanged", func(*testing.T, *iam.Service, *env, accountsFixture) {}, "", Account{Name: "Acme Labs", Role: "admin"}},
		{"renamed and demoted", func(t *testing.T, svc *iam.Service, e *env, f accountsFixture) {
			if _, err := e.store.UpdateAccount(context.Background(), f.labs.ID, func(a storage.Account) (storage.Account, error) {
				a.Name = "Acme Research"
				return a, nil
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.ChangeRole(context.Background(), iam.OperatorActor(), f.labs.ID, e.user.ID, storage.RoleDeveloper); err != nil {
				t.Fatal(err)
			}
		}, "", Account{Name: "Acme Research", Role: "developer"}},
		{"suspended", func(t *testing.T, svc *iam.Service, e *env, f accountsFixture) {
			if _, err := svc.SetStatus(context.Background(), iam.OperatorActor(), f.labs.ID, storage.AccountSuspended, "test"); err != nil {
				t.Fatal(err)
			}
		}, "invalid_grant", Account{}},
		{"deactivated", func(t *testing.T, svc *iam.Service, e *env, f accountsFixture) {
			if _, err := svc.SetStatus(context.Background(), iam.OperatorActor(), f.labs.ID, storage.AccountDeactivated, "test"); err != nil {
				t.Fatal(err)
			}
		}, "invalid_grant", Account{}},
		{"membership removed", func(t *testing.T, svc *iam.Service, e *env, f accountsFixture) {
			if _, _, err := svc.RemoveMember(context.Background(), iam.OperatorActor(), f.labs.ID, e.user.ID); err != nil {
				t.Fatal(err)
			}
		}, "invalid_grant", Account{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, f := newAccountsEnv(t)
			e.loginAccount = f.labs.ID
			v, verifier := e.accountParams("openid account offline_access")
			tr := e.redeem(e.code(v).Get("code"), verifier)
			if tr.Status != http.StatusOK || tr.RefreshToken == "" {
				t.Fatalf("redeem status %d error %q, refresh token %q", tr.Status, tr.Error, tr.RefreshToken)
			}
			tt.change(t, iamAccounts{e: e}.svc(), e, f)
			// The access token issued before the change follows it too.
			status, ui := e.userinfo(http.MethodGet, tr.AccessToken)
			active := e.introspect(tr.AccessToken)["active"]
			if tt.wantError != "" && (status != http.StatusUnauthorized || active != false) {
				t.Errorf("old access token: userinfo %d, introspection active %v; want 401 and false", status, active)
			}
			if tt.wantError == "" {
				want := tt.wantAcct
				want.ID = f.labs.ID
				wantAccount(t, "userinfo of the old access token", ui, &want)
			}
			rr := e.refresh(tr.RefreshToken, confID, confSecret)
			if tt.wantError != "" {
				if rr.Status != http.StatusBadRequest || rr.Error != tt.wantError {
					t.Fatalf("refresh status %d error %q, want 400 %s", rr.Status, rr.Error, tt.wantError)
				}
				return
			}
			if rr.Status != http.StatusOK {
				t.Fatalf("refresh status %d error %q %q", rr.Status, rr.Error, rr.Description)
			}
			want := tt.wantAcct
			want.ID = f.labs.ID
			_, idClaims := e.verifyIDToken(rr.IDToken, confID, "")
			wantAccount(t, "refreshed ID token", idClaims, &want)
			wantAccount(t, "refreshed access token", jwtClaims(t, rr.AccessToken), &want)
			_, ui = e.userinfo(http.MethodGet, rr.AccessToken)
			wantAccount(t, "userinfo after refresh", ui, &want)
			// The rotated refresh token still carries the account.
			if again := e.refresh(rr.RefreshToken, confID, confSecret); again.Status != http.StatusOK {
				t.Errorf("second refresh status %d error %q", again.Status, again.Error)
			}
		})
	}
}

// TestCodeExchangeAccountGone: an account suspended between the sign-in
// and the code exchange gives invalid_grant, not tokens for it.
func TestCodeExchangeAccountGone(t *testing.T) {
	e, f := newAccountsEnv(t)
	e.loginAccount = f.beta.ID
	v, verifier := e.accountParams("openid account")
	code := e.code(v).Get("code")
	svc := iamAccounts{e: e}.svc()
	if _, err := svc.SetStatus(context.Background(), iam.OperatorActor(), f.beta.ID, storage.AccountSuspended, "test"); err != nil {
		t.Fatal(err)
	}
	tr := e.redeem(code, verifier)
	if tr.Status != http.StatusBadRequest || tr.Error != "invalid_grant" {
		t.Fatalf("redeem status %d error %q, want 400 invalid_grant", tr.Status, tr.Error)
	}
}

// TestDiscoveryAccountClaims: discovery advertises the account claims.
func TestDiscoveryAccountClaims(t *testing.T) {
	e := newEnv(t)
	_, body := e.do(http.MethodGet, "/.well-known/openid-configuration", nil, "", "")
	var doc struct {
		Claims []string `json:"claims_supported"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	for _, c := range []string{"account_id", "account_name", "role", "accounts"} {
		if !slices.Contains(doc.Claims, c) {
			t.Errorf("claims_supported %v lacks %s", doc.Claims, c)
		}
	}
}

// TestClientCredentialsAccountStatus: an API client restricted to an
// account gets tokens only while the account and its ancestors are
// ACTIVE; otherwise unauthorized_client (REQUIREMENTS section 9).
func TestClientCredentialsAccountStatus(t *testing.T) {
	e, f := newAccountsEnv(t)
	cc := url.Values{"grant_type": {"client_credentials"}}
	setAccount := func(id string) {
		t.Helper()
		if _, err := e.store.UpdateClient(context.Background(), apiID, func(c storage.Client) (storage.Client, error) {
			c.AccountID = id
			return c, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	svc := iamAccounts{e: e}.svc()
	tests := []struct {
		name    string
		setup   func()
		wantErr string
	}{
		{"missing account", func() {}, "unauthorized_client"},
		{"active child", func() { setAccount(f.labs.ID) }, ""},
		{"parent suspended", func() {
			if _, err := svc.SetStatus(context.Background(), iam.OperatorActor(), f.acme.ID, storage.AccountSuspended, "test"); err != nil {
				t.Fatal(err)
			}
		}, "unauthorized_client"},
		{"parent active again", func() {
			if _, err := svc.SetStatus(context.Background(), iam.OperatorActor(), f.acme.ID, storage.AccountActive, "test"); err != nil {
				t.Fatal(err)
			}
		}, ""},
	}
	for _, tt := range tests {
		tt.setup()
		tr := e.token(cc, apiID, apiSecret)
		switch {
		case tt.wantErr == "" && (tr.Status != http.StatusOK || tr.AccessToken == ""):
			t.Errorf("%s: status %d error %q, want a token", tt.name, tr.Status, tr.Error)
		case tt.wantErr != "" && (tr.Status != http.StatusBadRequest || tr.Error != tt.wantErr):
			t.Errorf("%s: status %d error %q, want 400 %s", tt.name, tr.Status, tr.Error, tt.wantErr)
		}
	}
}
