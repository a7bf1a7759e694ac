package provider

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// apiClientEnv is a provider with accounts and one standard API client of
// Acme Labs, created through iam as the operator.
type apiClientEnv struct {
	*env
	f      accountsFixture
	svc    *iam.Service
	id     string
	secret string
}

func newAPIClientEnv(t *testing.T, lifetime time.Duration) *apiClientEnv {
	t.Helper()
	e, f := newAccountsEnv(t)
	svc := iamAccounts{e: e}.svc()
	c, sec, err := svc.CreateAPIClient(context.Background(), iam.OperatorActor(), f.labs.ID, iam.NewAPIClient{
		Name: "Sync", Type: storage.APIClientStandard, Lifetime: lifetime, Scopes: []string{"gatehouse:api", "billing.read"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &apiClientEnv{env: e, f: f, svc: svc, id: c.ID, secret: sec}
}

// jwtClaims verifies an access token against the JWKS and returns its
// claims.
func (e *apiClientEnv) jwtClaims(token string) map[string]any {
	e.t.Helper()
	payload, err := gooidc.NewRemoteKeySet(context.Background(), e.issuer+"/keys").VerifySignature(context.Background(), token)
	if err != nil {
		e.t.Fatalf("access token does not verify against the JWKS: %v", err)
	}
	var claims map[string]any
	if err := json.Unmarshal(payload, &claims); err != nil {
		e.t.Fatal(err)
	}
	return claims
}

var ccForm = url.Values{"grant_type": {"client_credentials"}}

// TestAPIClientTokenClaims: a client_credentials token of an API client is
// a signed JWT with the claims of REQUIREMENTS.md section 9, expires_in is
// the client's lifetime, and there is no refresh token, whichever way the
// client authenticates.
func TestAPIClientTokenClaims(t *testing.T) {
	e := newAPIClientEnv(t, iam.APIClientLifetime24h)
	post := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.id}, "client_secret": {e.secret}}
	tests := []struct {
		name       string
		form       url.Values
		user, pass string
		wantScope  string
	}{
		{"client_secret_basic", ccForm, e.id, e.secret, "gatehouse:api billing.read"},
		{"client_secret_post", post, "", "", "gatehouse:api billing.read"},
		{"narrowed scope", url.Values{"grant_type": {"client_credentials"}, "scope": {"billing.read"}}, e.id, e.secret, "billing.read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := e.token(tt.form, tt.user, tt.pass)
			if tr.Status != http.StatusOK || tr.AccessToken == "" || tr.RefreshToken != "" || tr.IDToken != "" || tr.TokenType != "Bearer" {
				t.Fatalf("token: status %d error %q %q, refresh %v, id token %v, type %q", tr.Status, tr.Error, tr.Description, tr.RefreshToken != "", tr.IDToken != "", tr.TokenType)
			}
			if tr.ExpiresIn != 86400 {
				t.Errorf("expires_in = %d, want 86400 (the client's 24h)", tr.ExpiresIn)
			}
			c := e.jwtClaims(tr.AccessToken)
			aud, _ := json.Marshal(c["aud"])
			switch {
			case c["iss"] != e.issuer || c["sub"] != e.id || c["client_id"] != e.id:
				t.Errorf("iss, sub, client_id = %v, %v, %v", c["iss"], c["sub"], c["client_id"])
			case !strings.Contains(string(aud), `"`+e.id+`"`):
				t.Errorf("aud = %s, want it to hold the client ID", aud)
			case c["account_id"] != e.f.labs.ID || c["client_type"] != "standard" || c["scope"] != tt.wantScope:
				t.Errorf("account_id, client_type, scope = %v, %v, %q; want %s, standard, %q", c["account_id"], c["client_type"], c["scope"], e.f.labs.ID, tt.wantScope)
			case c["jti"] == nil || c["jti"] == "":
				t.Errorf("no jti: %v", c)
			}
			exp, _ := c["exp"].(float64)
			iat, _ := c["iat"].(float64)
			// The library stamps iat from the wall clock, the test
			// clock starts at it.
			if d := time.Since(time.Unix(int64(iat), 0)); d < -time.Second || d > 5*time.Second || int64(exp) != e.clock.Now().Add(24*time.Hour).Unix() {
				t.Errorf("iat %v exp %v, want iat now and exp 24h later", iat, exp)
			}
		})
	}
}

// TestAPIClientTokenLifetimes: expires_in and exp follow each allowed
// lifetime, changed through iam between requests.
func TestAPIClientTokenLifetimes(t *testing.T) {
	e := newAPIClientEnv(t, iam.APIClientLifetime1h)
	for _, d := range iam.APIClientLifetimes {
		if _, err := e.svc.UpdateAPIClient(context.Background(), iam.OperatorActor(), e.id, iam.APIClientUpdate{Lifetime: &d}); err != nil {
			t.Fatal(err)
		}
		tr := e.token(ccForm, e.id, e.secret)
		if tr.Status != http.StatusOK || tr.ExpiresIn != int(d.Seconds()) {
			t.Errorf("lifetime %s: status %d expires_in %d, want %d", iam.LifetimeName(d), tr.Status, tr.ExpiresIn, int(d.Seconds()))
			continue
		}
		c := e.jwtClaims(tr.AccessToken)
		if exp, _ := c["exp"].(float64); int64(exp) != e.clock.Now().Add(d).Unix() {
			t.Errorf("lifetime %s: exp %v, want %d", iam.LifetimeName(d), c["exp"], e.clock.Now().Add(d).Unix())
		}
	}
}

// TestAPIClientTokenRefusals walks one client through the changes that
// stop its tokens, each taking effect on the very next request: a wrong
// secret is 401 invalid_client; a disabled client or an inactive account
// is 400 unauthorized_client with a description; a rotated secret fails at
// once; a deleted client is unknown.
func TestAPIClientTokenRefusals(t *testing.T) {
	e := newAPIClientEnv(t, iam.APIClientLifetime1h)
	ctx := context.Background()
	op := iam.OperatorActor()
	secretNow := e.secret
	oldSecret := e.secret
	setStatus := func(id string, st storage.AccountStatus) func(*testing.T) {
		return func(t *testing.T) {
			if _, err := e.svc.SetStatus(ctx, op, id, st, "test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	enable := func(on bool) func(*testing.T) {
		return func(t *testing.T) {
			if _, err := e.svc.SetAPIClientEnabled(ctx, op, e.id, on); err != nil {
				t.Fatal(err)
			}
		}
	}
	none := func(*testing.T) {}
	tests := []struct {
		name       string
		setup      func(t *testing.T)
		secret     *string
		wantStatus int
		wantError  string
		wantDesc   string
	}{
		{"works", none, &secretNow, http.StatusOK, "", ""},
		{"wrong secret", none, ptr("wrong-" + oldSecret), http.StatusUnauthorized, "invalid_client", ""},
		{"empty secret", none, ptr(""), http.StatusUnauthorized, "invalid_client", ""},
		{"disabled", enable(false), &secretNow, http.StatusBadRequest, "unauthorized_client", "disabled"},
		{"disabled with a wrong secret", none, ptr("wrong"), http.StatusUnauthorized, "invalid_client", ""},
		{"enabled again", enable(true), &secretNow, http.StatusOK, "", ""},
		{"account suspended", setStatus(e.f.labs.ID, storage.AccountSuspended), &secretNow, http.StatusBadRequest, "unauthorized_client", "not active"},
		{"account active again", setStatus(e.f.labs.ID, storage.AccountActive), &secretNow, http.StatusOK, "", ""},
		{"parent deactivated", setStatus(e.f.acme.ID, storage.AccountDeactivated), &secretNow, http.StatusBadRequest, "unauthorized_client", "not active"},
		{"parent active again", setStatus(e.f.acme.ID, storage.AccountActive), &secretNow, http.StatusOK, "", ""},
		{"scope not granted", func(*testing.T) {}, &secretNow, http.StatusBadRequest, "invalid_scope", ""},
		{"rotated: old secret", func(t *testing.T) {
			_, s, err := e.svc.RotateAPIClientSecret(ctx, op, e.id)
			if err != nil {
				t.Fatal(err)
			}
			secretNow = s
		}, &oldSecret, http.StatusUnauthorized, "invalid_client", ""},
		{"rotated: new secret", none, &secretNow, http.StatusOK, "", ""},
		{"deleted", func(t *testing.T) {
			if err := e.svc.DeleteAPIClient(ctx, op, e.id); err != nil {
				t.Fatal(err)
			}
		}, &secretNow, http.StatusUnauthorized, "invalid_client", ""},
	}
	for _, tt := range tests {
		tt.setup(t)
		form := ccForm
		if tt.wantError == "invalid_scope" {
			form = url.Values{"grant_type": {"client_credentials"}, "scope": {"gatehouse:api openid"}}
		}
		tr := e.token(form, e.id, *tt.secret)
		if tr.Status != tt.wantStatus || tr.Error != tt.wantError || (tt.wantStatus == http.StatusOK) != (tr.AccessToken != "") {
			t.Errorf("%s: status %d error %q (%s), want %d %q", tt.name, tr.Status, tr.Error, tr.Description, tt.wantStatus, tt.wantError)
		}
		if tt.wantDesc != "" && !strings.Contains(tr.Description, tt.wantDesc) {
			t.Errorf("%s: error_description %q, want it to say %q", tt.name, tr.Description, tt.wantDesc)
		}
	}
}

// TestAPIClientTokenWithOAuth2Library gets a token with the
// golang.org/x/oauth2 client-credentials client, as a relying service
// would, with each authentication style.
func TestAPIClientTokenWithOAuth2Library(t *testing.T) {
	e := newAPIClientEnv(t, iam.APIClientLifetime30d)
	for _, style := range []oauth2.AuthStyle{oauth2.AuthStyleInHeader, oauth2.AuthStyleInParams} {
		cfg := clientcredentials.Config{ClientID: e.id, ClientSecret: e.secret, TokenURL: e.issuer + "/oauth/token", AuthStyle: style}
		tok, err := cfg.Token(context.Background())
		if err != nil {
			t.Fatalf("auth style %d: %v", style, err)
		}
		if d := time.Until(tok.Expiry) - iam.APIClientLifetime30d; tok.RefreshToken != "" || d < -5*time.Second || d > time.Second {
			t.Errorf("auth style %d: refresh token %v, expiry %v", style, tok.RefreshToken != "", tok.Expiry)
		}
		if c := e.jwtClaims(tok.AccessToken); c["client_type"] != "standard" {
			t.Errorf("auth style %d: client_type %v", style, c["client_type"])
		}
	}
	bad := clientcredentials.Config{ClientID: e.id, ClientSecret: "wrong", TokenURL: e.issuer + "/oauth/token", AuthStyle: oauth2.AuthStyleInHeader}
	var re *oauth2.RetrieveError
	if _, err := bad.Token(context.Background()); !asRetrieveError(err, &re) || re.Response.StatusCode != http.StatusUnauthorized || re.ErrorCode != "invalid_client" {
		t.Errorf("wrong secret: %v, want 401 invalid_client", err)
	}
}

func ptr[T any](v T) *T { return &v }

// asRetrieveError is errors.As for the oauth2 library's token error.
func asRetrieveError(err error, target **oauth2.RetrieveError) bool { return errors.As(err, target) }
