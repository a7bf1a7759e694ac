package provider

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// apiLogin runs a code flow for conf with scope and returns its tokens.
func (e *env) apiLogin(scope string) tokenResponse {
	e.t.Helper()
	v := e.authorizeParams(confID)
	v.Set("scope", scope)
	verifier := withPKCE(v)
	q := e.code(v)
	tr := e.redeem(q.Get("code"), verifier)
	if tr.Status != http.StatusOK {
		e.t.Fatalf("redeem status %d error %q", tr.Status, tr.Error)
	}
	return tr
}

func TestVerifyAccessToken(t *testing.T) {
	e, f := newAccountsEnv(t)
	e.loginAMR = []string{"pwd", "otp"}
	e.loginAccount = f.labs.ID
	ctx := context.Background()
	signIn := e.clock.Now()

	opaque := e.apiLogin("openid " + ScopeAPI)
	jwt := e.apiLogin("openid account " + ScopeAPI)
	if strings.Count(jwt.AccessToken, ".") != 2 || strings.Count(opaque.AccessToken, ".") == 2 {
		t.Fatalf("want one opaque and one JWT access token, got %q and %q", opaque.AccessToken, jwt.AccessToken)
	}
	cc := e.token(url.Values{"grant_type": {"client_credentials"}}, apiID, apiSecret)
	if cc.Status == http.StatusOK {
		t.Fatalf("client_credentials for a missing account: status %d, want a refusal", cc.Status)
	}
	if _, err := e.store.UpdateClient(ctx, apiID, func(c storage.Client) (storage.Client, error) {
		c.AccountID = f.beta.ID
		return c, nil
	}); err != nil {
		t.Fatal(err)
	}
	cc = e.token(url.Values{"grant_type": {"client_credentials"}}, apiID, apiSecret)
	if cc.Status != http.StatusOK {
		t.Fatalf("client_credentials: status %d error %q", cc.Status, cc.Error)
	}

	tests := []struct {
		name        string
		raw         string
		wantSubject string
		wantClient  bool
		wantAccount string
		wantScope   string
	}{
		{"opaque user token", opaque.AccessToken, e.user.ID, false, "", ScopeAPI},
		{"JWT user token with an account", jwt.AccessToken, e.user.ID, false, f.labs.ID, ScopeAPI},
		{"client_credentials token", cc.AccessToken, apiID, true, f.beta.ID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.p.VerifyAccessToken(ctx, tt.raw)
			if err != nil {
				t.Fatalf("VerifyAccessToken: %v", err)
			}
			if got.Subject != tt.wantSubject || got.Client != tt.wantClient || got.AccountID != tt.wantAccount {
				t.Errorf("got subject %q client %v account %q, want %q %v %q", got.Subject, got.Client, got.AccountID,
					tt.wantSubject, tt.wantClient, tt.wantAccount)
			}
			if tt.wantScope != "" && !got.HasScope(tt.wantScope) {
				t.Errorf("scopes %v lack %q", got.Scopes, tt.wantScope)
			}
			if got.ExpiresAt.Location() != time.UTC || !got.ExpiresAt.After(e.clock.Now()) {
				t.Errorf("ExpiresAt = %v, want a UTC time in the future", got.ExpiresAt)
			}
			if !tt.wantClient && (!got.AuthTime.Equal(signIn) || !slices.Contains(got.AMR, "otp")) {
				t.Errorf("auth time %v amr %v, want %v with otp", got.AuthTime, got.AMR, signIn)
			}
			if tt.wantClient && (got.ClientID != apiID || !got.AuthTime.IsZero()) {
				t.Errorf("client token: client %q auth time %v", got.ClientID, got.AuthTime)
			}
		})
	}
}

func TestVerifyAccessTokenRefused(t *testing.T) {
	e, f := newAccountsEnv(t)
	e.loginAccount = f.labs.ID
	ctx := context.Background()
	svc := iamAccounts{e: e}.svc()

	tests := []struct {
		name string
		// token returns the raw token to check, after any setup.
		token func(t *testing.T) string
	}{
		{"empty", func(*testing.T) string { return "" }},
		{"garbage", func(*testing.T) string { return "not-a-token" }},
		{"ID token", func(*testing.T) string { return e.apiLogin("openid " + ScopeAPI).IDToken }},
		{"tampered JWT", func(*testing.T) string {
			raw := e.apiLogin("openid account " + ScopeAPI).AccessToken
			return raw[:len(raw)-4] + "AAAA"
		}},
		{"revoked", func(t *testing.T) string {
			raw := e.apiLogin("openid " + ScopeAPI).AccessToken
			status, _, body := e.postForm("/revoke", url.Values{"token": {raw}}, confID, confSecret)
			if status != http.StatusOK {
				t.Fatalf("revoke: %d %s", status, body)
			}
			return raw
		}},
		{"expired", func(*testing.T) string {
			raw := e.apiLogin("openid " + ScopeAPI).AccessToken
			e.clock.Advance(DefaultAccessTokenLifetime + time.Second)
			return raw
		}},
		{"user disabled", func(t *testing.T) string {
			raw := e.apiLogin("openid " + ScopeAPI).AccessToken
			setUserState(t, e, storage.UserDisabled)
			return raw
		}},
		{"account suspended", func(t *testing.T) string {
			raw := e.apiLogin("openid account " + ScopeAPI).AccessToken
			if _, err := svc.SetStatus(ctx, iam.OperatorActor(), f.labs.ID, storage.AccountSuspended, "test"); err != nil {
				t.Fatal(err)
			}
			return raw
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setUserState(t, e, storage.UserActive)
			if _, err := svc.SetStatus(ctx, iam.OperatorActor(), f.labs.ID, storage.AccountActive, "test"); err != nil {
				t.Fatal(err)
			}
			raw := tt.token(t)
			got, err := e.p.VerifyAccessToken(ctx, raw)
			if !errors.Is(err, ErrInvalidAccessToken) {
				t.Fatalf("VerifyAccessToken = %+v, %v; want ErrInvalidAccessToken", got, err)
			}
		})
	}
}

// setUserState sets the test user's state.
func setUserState(t *testing.T, e *env, st storage.UserState) {
	t.Helper()
	if _, err := e.store.UpdateUser(context.Background(), e.user.ID, func(u storage.User) (storage.User, error) {
		u.State = st
		return u, nil
	}); err != nil {
		t.Fatal(err)
	}
}
