package provider

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// claimsFlow runs a code flow for conf with scope and the claims parameter
// (none when empty), and returns the verified ID token's claims and the
// userinfo answer.
func (e *env) claimsFlow(scope, claims string) (tokenResponse, map[string]any, map[string]any) {
	t := e.t
	t.Helper()
	v := e.authorizeParams(confID)
	v.Set("scope", scope)
	if claims != "" {
		v.Set("claims", claims)
	}
	verifier := withPKCE(v)
	tr := e.redeem(e.code(v).Get("code"), verifier)
	if tr.Status != http.StatusOK {
		t.Fatalf("redeem status %d error %q %q", tr.Status, tr.Error, tr.Description)
	}
	_, idClaims := e.verifyIDToken(tr.IDToken, confID, v.Get("nonce"))
	status, ui := e.userinfo(http.MethodGet, tr.AccessToken)
	if status != http.StatusOK {
		t.Fatalf("userinfo status %d: %v", status, ui)
	}
	return tr, idClaims, ui
}

// checkClaims reports the claims of got that are not as want says: a
// value to compare with, or nil for "absent".
func checkClaims(t *testing.T, where string, got map[string]any, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got[k]
		switch {
		case w == nil && ok:
			t.Errorf("%s has %s = %v, want none", where, k, g)
		case w != nil && !ok:
			t.Errorf("%s lacks %s, want %v", where, k, w)
		case w != nil && g != w:
			t.Errorf("%s %s = %v, want %v", where, k, g, w)
		}
	}
}

// TestClaimsParameter: the claims parameter (OpenID Connect Core, section
// 5.5) puts the standard claims asked for the ID token into it, and those
// asked for userinfo into the userinfo answer, whatever the scopes; it
// never releases account claims, nor claims the other target asked for.
func TestClaimsParameter(t *testing.T) {
	e := newEnv(t)
	parent := t
	name := e.user.Name()
	tests := []struct {
		name, scope, claims string
		wantID, wantUI      map[string]any
	}{
		{
			name: "essential name in the ID token", scope: "openid",
			claims: `{"id_token":{"name":{"essential":true}}}`,
			wantID: map[string]any{"name": name, "email": nil},
			wantUI: map[string]any{"name": nil, "email": nil},
		},
		{
			// The OpenID Foundation's oidcc-claims-essential.
			name: "essential name at userinfo", scope: "openid",
			claims: `{"userinfo":{"name":{"essential":true}}}`,
			wantID: map[string]any{"name": nil},
			wantUI: map[string]any{"name": name, "email": nil},
		},
		{
			name: "email only at userinfo", scope: "openid",
			claims: `{"userinfo":{"email":null}}`,
			wantID: map[string]any{"email": nil, "name": nil},
			wantUI: map[string]any{"email": e.user.Email, "email_verified": nil, "name": nil},
		},
		{
			name: "the issue's example", scope: "openid",
			claims: `{"id_token":{"name":{"essential":true}},"userinfo":{"email":null}}`,
			wantID: map[string]any{"name": name, "email": nil},
			wantUI: map[string]any{"email": e.user.Email, "name": nil},
		},
		{
			name: "value is advisory", scope: "openid",
			claims: `{"id_token":{"given_name":{"value":"Bob"},"phone_number":{"values":["+1"]},"email_verified":{}}}`,
			wantID: map[string]any{"given_name": e.user.GivenName, "phone_number": e.user.Phone, "email_verified": true, "family_name": nil},
		},
		{
			name: "scopes still count at userinfo", scope: "openid profile",
			claims: `{"userinfo":{"phone_number_verified":null}}`,
			wantID: map[string]any{"name": nil},
			wantUI: map[string]any{"name": name, "phone_number_verified": true, "phone_number": nil},
		},
		{
			name: "account and unknown claims are not released", scope: "openid",
			claims: `{"id_token":{"account_id":{"essential":true},"role":null,"nickname":null,"sub":null},"userinfo":{"accounts":null,"x-extra":{"essential":true}},"other":1}`,
			wantID: map[string]any{"account_id": nil, "role": nil, "nickname": nil},
			wantUI: map[string]any{"accounts": nil, "x-extra": nil, "name": nil},
		},
		{
			name: "no claims parameter", scope: "openid email",
			wantID: map[string]any{"email": nil},
			wantUI: map[string]any{"email": e.user.Email, "name": nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			_, idc, ui := e.claimsFlow(tt.scope, tt.claims)
			checkClaims(t, "ID token", idc, tt.wantID)
			checkClaims(t, "userinfo", ui, tt.wantUI)
			if ui["sub"] != e.user.ID {
				t.Errorf("userinfo sub = %v, want %s", ui["sub"], e.user.ID)
			}
		})
	}
}

// TestClaimsParameterSurvivesRefresh: the claims parameter is kept with
// the refresh token, across a restart, so that the refreshed ID token and
// access token answer it too.
func TestClaimsParameterSurvivesRefresh(t *testing.T) {
	e := newEnv(t)
	tr, idc, _ := e.claimsFlow("openid offline_access", `{"id_token":{"name":{"essential":true}},"userinfo":{"email":null}}`)
	checkClaims(t, "first ID token", idc, map[string]any{"name": e.user.Name()})
	e.restart()
	for i := range 2 {
		tr = e.refresh(tr.RefreshToken, confID, confSecret)
		if tr.Status != http.StatusOK {
			t.Fatalf("refresh %d: status %d error %q", i, tr.Status, tr.Error)
		}
		_, idc := e.verifyIDToken(tr.IDToken, confID, "")
		checkClaims(t, "refreshed ID token", idc, map[string]any{"name": e.user.Name(), "email": nil})
		status, ui := e.userinfo(http.MethodGet, tr.AccessToken)
		if status != http.StatusOK {
			t.Fatalf("userinfo after refresh %d: status %d", i, status)
		}
		checkClaims(t, "userinfo after refresh", ui, map[string]any{"email": e.user.Email, "name": nil})
	}
}

// TestClaimsParameterMalformed: a claims parameter that is not the JSON
// of section 5.5 gets invalid_request with a clear description at the
// client's redirect URI, with state, and no sign-in request is kept.
func TestClaimsParameterMalformed(t *testing.T) {
	e := newEnv(t)
	parent := t
	tests := []struct {
		name, claims, desc string
	}{
		{"not JSON", `{"id_token":`, descClaimsJSON},
		{"trailing data", `{} {}`, descClaimsJSON},
		{"an array", `[{"id_token":{}}]`, descClaimsJSON},
		{"null", `null`, descClaimsJSON},
		{"a string", `"name"`, descClaimsJSON},
		{"id_token an array", `{"id_token":["name"]}`, descClaimsTarget},
		{"userinfo a string", `{"userinfo":"email"}`, descClaimsTarget},
		{"member a boolean", `{"id_token":{"name":true}}`, descClaimsMember},
		{"essential a string", `{"userinfo":{"email":{"essential":"yes"}}}`, descClaimsMember},
		{"values not an array", `{"id_token":{"name":{"values":"x"}}}`, descClaimsMember},
		{"acr value a number", `{"id_token":{"acr":{"essential":true,"values":[2]}}}`, descClaimsACR},
		{"sub value a number", `{"id_token":{"sub":{"value":7}}}`, descClaimsSub},
		{"sub value empty", `{"userinfo":{"sub":{"value":""}}}`, descClaimsSub},
		{"two sub values", `{"id_token":{"sub":{"value":"usr_a"}},"userinfo":{"sub":{"value":"usr_b"}}}`, descClaimsSubTwo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			v := e.authorizeParams(confID)
			v.Set("claims", tt.claims)
			withPKCE(v)
			resp := e.authorize(v)
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("status %d, want 302", resp.StatusCode)
			}
			u := location(t, resp)
			if got := u.Scheme + "://" + u.Host + u.Path; got != e.redirectURI() {
				t.Fatalf("redirected to %s, want the client's redirect URI", got)
			}
			q := u.Query()
			if q.Get("error") != "invalid_request" || q.Get("error_description") != tt.desc || q.Get("state") != v.Get("state") {
				t.Errorf("redirect query %v, want invalid_request %q with state", q, tt.desc)
			}
		})
	}
	// Sweeping a year later finds every auth request that was stored.
	n, err := e.store.DeleteExpired(context.Background(), e.clock.Now().Add(365*24*time.Hour), e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if n.AuthRequests != 0 {
		t.Errorf("%d auth requests stored for malformed claims, want 0", n.AuthRequests)
	}
}

// TestClaimsParameterACR: an essential acr claim with value or values
// binds like acr_values (and over them); a voluntary one is advisory.
func TestClaimsParameterACR(t *testing.T) {
	e := newEnv(t)
	parent := t
	tests := []struct {
		name, acrValues, claims string
		want                    []string
	}{
		{"essential values", "", `{"id_token":{"acr":{"essential":true,"values":["` + ACRMFA + `","` + ACRPhishingResistant + `"]}}}`, []string{ACRMFA, ACRPhishingResistant}},
		{"essential value", "", `{"id_token":{"acr":{"essential":true,"value":"` + ACRPhishingResistant + `"}}}`, []string{ACRPhishingResistant}},
		{"essential over acr_values", ACRPassword, `{"userinfo":{"acr":{"essential":true,"values":["` + ACRMFA + `"]}}}`, []string{ACRMFA}},
		{"voluntary is advisory", ACRPassword, `{"id_token":{"acr":{"values":["` + ACRMFA + `"]}}}`, []string{ACRPassword}},
		{"essential without values", "", `{"id_token":{"acr":{"essential":true}}}`, nil},
		{"null value, empty values", ACRPassword, `{"id_token":{"acr":{"essential":true,"value":null,"values":[""]}}}`, []string{ACRPassword}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			v := e.authorizeParams(confID)
			v.Set("claims", tt.claims)
			if tt.acrValues != "" {
				v.Set("acr_values", tt.acrValues)
			}
			withPKCE(v)
			resp := e.authorize(v)
			id := location(t, resp).Query().Get("authRequestID")
			ar, err := e.store.GetAuthRequest(context.Background(), id)
			if err != nil {
				t.Fatalf("auth request %q: %v", id, err)
			}
			if !slices.Equal(ar.ACRValues, tt.want) {
				t.Errorf("ACRValues = %q, want %q", ar.ACRValues, tt.want)
			}
		})
	}
}

// businessAccount stores an ACTIVE business account owned by ownerID with
// the billing address b (zero: none yet).
func (e *env) businessAccount(name, ownerID string, b storage.BusinessDetails) storage.Account {
	e.t.Helper()
	a, err := e.store.CreateAccount(context.Background(), storage.Account{
		ID: secret.ID("acct_"), Name: name, Type: storage.AccountBusiness, Status: storage.AccountActive,
		Business: b, CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(),
	}, storage.Membership{UserID: ownerID, CreatedAt: e.clock.Now()})
	if err != nil {
		e.t.Fatalf("create account %s: %v", name, err)
	}
	return a
}

var (
	acmeAddress = storage.BusinessDetails{CompanyName: "Acme Ltd", Street: "1 High Street", Postcode: "SW1A 1AA", City: "London", Country: "GB"}
	betaAddress = storage.BusinessDetails{CompanyName: "Beta GmbH", Street: "Hauptstrasse 2", Postcode: "10115", City: "Berlin", Country: "DE"}
)

// wantAddress is the address claim of b as JSON decodes it.
func wantAddress(b storage.BusinessDetails) map[string]any {
	return map[string]any{
		"formatted":      b.Street + "\n" + b.Postcode + " " + b.City + "\n" + b.Country,
		"street_address": b.Street, "postal_code": b.Postcode, "locality": b.City, "country": b.Country,
	}
}

// TestClaimsParameterSub: a sub claim request with a value (OpenID
// Connect Core, section 5.5.1) is answered only for that user: a sign-in
// as anyone else ends in login_required at the client's redirect URI,
// with state and without a code, and its request is gone; a request whose
// id_token_hint names another user is refused at once. essential does
// not matter, and a sub without a value binds nothing.
func TestClaimsParameterSub(t *testing.T) {
	e := newEnv(t)
	parent := t
	hint := e.loginTokens().IDToken // an ID token of e.user
	me, other := e.user.ID, "usr_someone_else"
	tests := []struct {
		name, claims string
		hint         bool // send hint as id_token_hint
		// want is "" for a code, else the error; atAuthorize says the
		// request is refused before the login pages.
		want        string
		atAuthorize bool
	}{
		{name: "the signed-in user in the ID token", claims: `{"id_token":{"sub":{"value":"` + me + `"}}}`},
		{name: "the signed-in user at userinfo, essential", claims: `{"userinfo":{"sub":{"value":"` + me + `","essential":true}}}`},
		{name: "the signed-in user in both", claims: `{"id_token":{"sub":{"value":"` + me + `"}},"userinfo":{"sub":{"value":"` + me + `"}}}`},
		{name: "the signed-in user and the hint", claims: `{"id_token":{"sub":{"value":"` + me + `"}}}`, hint: true},
		{name: "sub without a value", claims: `{"id_token":{"sub":null},"userinfo":{"sub":{"essential":true,"value":null}}}`},
		{name: "values are advisory", claims: `{"id_token":{"sub":{"values":["` + other + `"]}}}`},
		{name: "another user in the ID token", claims: `{"id_token":{"sub":{"value":"` + other + `"}}}`, want: "login_required"},
		{name: "another user, essential", claims: `{"id_token":{"sub":{"value":"` + other + `","essential":true}}}`, want: "login_required"},
		{name: "another user at userinfo", claims: `{"userinfo":{"sub":{"value":"` + other + `"}}}`, want: "login_required"},
		{name: "the hint's user is not the sub value", claims: `{"id_token":{"sub":{"value":"` + other + `"}}}`, hint: true,
			want: "login_required", atAuthorize: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			v := e.authorizeParams(confID)
			v.Set("claims", tt.claims)
			if tt.hint {
				v.Set("id_token_hint", hint)
			}
			verifier := withPKCE(v)
			if tt.want == "" {
				tr := e.redeem(e.code(v).Get("code"), verifier)
				if tr.Status != http.StatusOK {
					t.Fatalf("redeem status %d error %q %q", tr.Status, tr.Error, tr.Description)
				}
				if _, idc := e.verifyIDToken(tr.IDToken, confID, v.Get("nonce")); idc["sub"] != me {
					t.Errorf("ID token sub = %v, want %s", idc["sub"], me)
				}
				return
			}
			resp := e.authorize(v)
			var cb *url.URL
			if !tt.atAuthorize {
				login := location(t, resp)
				if login.Path != "/login" {
					t.Fatalf("authorize redirected to %s, want the login page", login)
				}
				cb = location(t, e.get(login.String()))
				resp = e.get(cb.String())
			}
			checkRefused(t, e, resp, v.Get("state"), tt.want)
			if cb != nil {
				// The refused request is gone: the callback cannot be
				// replayed into a code.
				if _, err := e.store.GetAuthRequest(context.Background(), cb.Query().Get("id")); !errors.Is(err, storage.ErrNotFound) {
					t.Errorf("refused auth request: %v, want ErrNotFound", err)
				}
				if q := e.get(cb.String()).Header.Get("Location"); strings.Contains(q, "code=") {
					t.Errorf("callback again redirected to %s", q)
				}
			}
		})
	}
}

// checkRefused checks that resp sends the browser to the client's
// redirect URI with error want, the state and no code.
func checkRefused(t *testing.T, e *env, resp *http.Response, state, want string) {
	t.Helper()
	u := location(t, resp)
	if got := u.Scheme + "://" + u.Host + u.Path; got != e.redirectURI() {
		t.Fatalf("redirected to %s, want the client's redirect URI", u)
	}
	q := u.Query()
	if q.Get("error") != want || q.Get("state") != state || q.Has("code") {
		t.Errorf("redirect query %v, want error %s with state and no code", q, want)
	}
	if q.Get("error_description") != descOtherSubject {
		t.Errorf("error_description %q, want %q", q.Get("error_description"), descOtherSubject)
	}
}

// TestAddressClaim: scope address (or the claims parameter) gives the
// billing address of the selected account (scope account), else of the
// one usable business account the user owns; no address otherwise.
func TestAddressClaim(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(e *env)
		scope  string
		claims string
		want   map[string]any // nil: no address claim
		inID   bool           // in the ID token, not at userinfo
	}{
		{name: "owns one business account", scope: "openid address",
			setup: func(e *env) { e.businessAccount("Acme", e.user.ID, acmeAddress) },
			want:  wantAddress(acmeAddress)},
		{name: "asked for the ID token", scope: "openid", claims: `{"id_token":{"address":{"essential":true}}}`,
			setup: func(e *env) { e.businessAccount("Acme", e.user.ID, acmeAddress) },
			want:  wantAddress(acmeAddress), inID: true},
		{name: "no account", scope: "openid address", setup: func(*env) {}},
		{name: "address not given yet", scope: "openid address",
			setup: func(e *env) { e.businessAccount("Acme", e.user.ID, storage.BusinessDetails{CompanyName: "Acme"}) }},
		{name: "owns two business accounts", scope: "openid address",
			setup: func(e *env) {
				e.businessAccount("Acme", e.user.ID, acmeAddress)
				e.businessAccount("Beta", e.user.ID, betaAddress)
			}},
		{name: "owns a suspended one", scope: "openid address",
			setup: func(e *env) {
				a := e.businessAccount("Acme", e.user.ID, acmeAddress)
				e.businessAccount("Beta", e.user.ID, betaAddress)
				suspend(e, a.ID)
			},
			want: wantAddress(betaAddress)},
		{name: "another user's", scope: "openid address",
			setup: func(e *env) { e.businessAccount("Acme", otherUser(e), acmeAddress) }},
		{name: "the selected account's", scope: "openid address account",
			setup: func(e *env) {
				e.businessAccount("Acme", e.user.ID, acmeAddress)
				e.loginAccount = e.businessAccount("Beta", e.user.ID, betaAddress).ID
			},
			want: wantAddress(betaAddress)},
		{name: "no scope, no address", scope: "openid profile",
			setup: func(e *env) { e.businessAccount("Acme", e.user.ID, acmeAddress) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.accounts = iamAccounts{e: e}
			e.restart()
			tt.setup(e)
			_, idc, ui := e.claimsFlow(tt.scope, tt.claims)
			if tt.inID {
				checkAddress(t, "ID token", idc, tt.want)
				checkAddress(t, "userinfo", ui, nil)
			} else {
				checkAddress(t, "userinfo", ui, tt.want)
				checkAddress(t, "ID token", idc, nil)
			}
		})
	}
}

// checkAddress compares the address claim of got with want (nil: none).
func checkAddress(t *testing.T, where string, got map[string]any, want map[string]any) {
	t.Helper()
	g, ok := got["address"]
	if want == nil {
		if ok {
			t.Errorf("%s has address %v, want none", where, g)
		}
		return
	}
	gj, _ := json.Marshal(g)
	wj, _ := json.Marshal(want)
	if string(gj) != string(wj) {
		t.Errorf("%s address = %s, want %s", where, gj, wj)
	}
}

// suspend sets the account's status to SUSPENDED.
func suspend(e *env, id string) {
	e.t.Helper()
	_, err := e.store.UpdateAccount(context.Background(), id, func(a storage.Account) (storage.Account, error) {
		a.Status = storage.AccountSuspended
		return a, nil
	})
	if err != nil {
		e.t.Fatalf("suspend %s: %v", id, err)
	}
}

// otherUser stores another active user and returns its ID.
func otherUser(e *env) string {
	e.t.Helper()
	u := storage.User{ID: secret.ID("usr_"), Email: "bob@example.com", State: storage.UserActive, CreatedAt: e.clock.Now()}
	if err := e.store.CreateUser(context.Background(), u); err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u.ID
}

// TestClaimsParameterDiscovery: discovery advertises the claims parameter,
// the address scope and claim, and no request objects.
func TestClaimsParameterDiscovery(t *testing.T) {
	e := newEnv(t)
	resp, err := e.http.Get(e.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Claims     bool     `json:"claims_parameter_supported"`
		Request    *bool    `json:"request_parameter_supported"`
		RequestURI *bool    `json:"request_uri_parameter_supported"`
		Scopes     []string `json:"scopes_supported"`
		Supported  []string `json:"claims_supported"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("discovery %q: %v", body, err)
	}
	if !doc.Claims || doc.Request == nil || *doc.Request || doc.RequestURI == nil || *doc.RequestURI {
		t.Errorf("claims/request/request_uri parameter supported = %v/%v/%v, want true/false/false", doc.Claims, doc.Request, doc.RequestURI)
	}
	if !slices.Contains(doc.Scopes, "address") || !slices.Contains(doc.Supported, "address") {
		t.Errorf("address missing from scopes %v or claims %v", doc.Scopes, doc.Supported)
	}
	for _, c := range userClaims {
		if !slices.Contains(doc.Supported, c) {
			t.Errorf("claims_supported lacks %s, which the claims parameter serves", c)
		}
	}
}

// TestRequestObjectsRefused: request and request_uri are refused with the
// spec's errors at the redirect URI, by GET and by POST.
func TestRequestObjectsRefused(t *testing.T) {
	e := newEnv(t)
	parent := t
	tests := []struct {
		name, param, value, want string
		post                     bool
	}{
		{"request GET", "request", "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.", "request_not_supported", false},
		{"request POST", "request", "eyJhbGciOiJub25lIn0.eyJzY29wZSI6Im9wZW5pZCJ9.", "request_not_supported", true},
		{"request_uri GET", "request_uri", "https://rp.example.com/request.jwt", "request_uri_not_supported", false},
		{"request_uri POST", "request_uri", "urn:ietf:params:oauth:request_uri:abc", "request_uri_not_supported", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.t = t
			defer func() { e.t = parent }()
			v := e.authorizeParams(confID)
			withPKCE(v)
			v.Set(tt.param, tt.value)
			var resp *http.Response
			if tt.post {
				req, err := http.NewRequest(http.MethodPost, e.issuer+"/authorize", strings.NewReader(v.Encode()))
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				if resp, err = e.http.Do(req); err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			} else {
				resp = e.authorize(v)
			}
			u := location(t, resp)
			q := u.Query()
			if got := u.Scheme + "://" + u.Host + u.Path; got != e.redirectURI() {
				t.Fatalf("redirected to %s, want the redirect URI", got)
			}
			if q.Get("error") != tt.want || q.Get("state") != v.Get("state") {
				t.Errorf("redirect query %v, want error=%s with state", q, tt.want)
			}
		})
	}
}
