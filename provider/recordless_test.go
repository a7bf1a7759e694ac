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

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// TestRecordlessClientCredentials checks the self-contained
// client-credentials token: no record is written, and introspection,
// VerifyAccessToken and revocation (to the deny-list, by its own client
// only) work from the verified JWT.
func TestRecordlessClientCredentials(t *testing.T) {
	e := newAPIClientEnv(t, iam.APIClientLifetime24h)
	ctx := context.Background()
	tr := e.token(ccForm, e.id, e.secret)
	if tr.Status != http.StatusOK {
		t.Fatalf("token: %d %s", tr.Status, tr.Error)
	}
	jti, _ := e.jwtClaims(tr.AccessToken)["jti"].(string)
	if !strings.HasPrefix(jti, recordlessPrefix) {
		t.Fatalf("jti %q, want a self-contained token's", jti)
	}
	if _, err := e.store.GetAccessToken(ctx, jti); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("GetAccessToken(%s) = %v, want no record", jti, err)
	}
	introspect := func(user, pass string) map[string]any {
		t.Helper()
		_, body := e.do(http.MethodPost, "/oauth/introspect", url.Values{"token": {tr.AccessToken}}, user, pass)
		var m map[string]any
		if err := json.Unmarshal(body, &m); err != nil {
			t.Fatalf("introspection %s: %v", body, err)
		}
		return m
	}
	revoke := func(token, user, pass string) int {
		t.Helper()
		resp, _ := e.do(http.MethodPost, "/revoke", url.Values{"token": {token}}, user, pass)
		return resp.StatusCode
	}
	m := introspect(e.id, e.secret)
	if m["active"] != true || m["client_id"] != e.id || m["sub"] != e.id || m["scope"] != "gatehouse:api billing.read" ||
		m["account_id"] != e.f.labs.ID || m["client_type"] != "standard" || m["jti"] != jti || m["exp"] == nil {
		t.Fatalf("introspection by its client = %v", m)
	}
	if m := introspect(confID, confSecret); m["active"] != false {
		t.Fatalf("introspection by another client = %v, want inactive", m)
	}
	at, err := e.p.VerifyAccessToken(ctx, tr.AccessToken)
	if err != nil || !at.Client || at.ClientID != e.id || at.AccountID != e.f.labs.ID || !at.HasScope("billing.read") {
		t.Fatalf("VerifyAccessToken = %+v, %v", at, err)
	}

	tests := []struct {
		name         string
		token        string
		user, pass   string
		wantStatus   int
		wantRevoked  bool
		wantDeniedID string
	}{
		{"another client", tr.AccessToken, confID, confSecret, http.StatusUnauthorized, false, ""},
		{"a made-up jti", recordlessPrefix + "99999999999_x", e.id, e.secret, http.StatusOK, false, recordlessPrefix + "99999999999_x"},
		{"garbage", "not.a.token", e.id, e.secret, http.StatusOK, false, ""},
		{"its own client", tr.AccessToken, e.id, e.secret, http.StatusOK, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := revoke(tt.token, tt.user, tt.pass); got != tt.wantStatus && !(tt.wantStatus == http.StatusUnauthorized && got == http.StatusBadRequest) {
				t.Fatalf("revoke = %d, want %d", got, tt.wantStatus)
			}
			denied, err := e.store.TokenDenied(ctx, jti)
			if err != nil || denied != tt.wantRevoked {
				t.Fatalf("TokenDenied = %v, %v; want %v", denied, err, tt.wantRevoked)
			}
			if tt.wantDeniedID != "" {
				if d, _ := e.store.TokenDenied(ctx, tt.wantDeniedID); d {
					t.Fatal("a made-up jti went onto the deny-list")
				}
			}
			active := introspect(e.id, e.secret)["active"] == true
			_, verr := e.p.VerifyAccessToken(ctx, tr.AccessToken)
			if active == tt.wantRevoked || (verr == nil) == tt.wantRevoked {
				t.Fatalf("after the revocation: introspection active %v, VerifyAccessToken %v", active, verr)
			}
		})
	}
	// The deny-list entry goes once the token has expired.
	e.clock.Advance(25 * time.Hour)
	swept, err := e.store.DeleteExpired(ctx, e.clock.Now(), e.clock.Now())
	if err != nil || swept.DeniedTokens != 1 {
		t.Fatalf("DeleteExpired = %+v, %v; want the one denied token", swept, err)
	}
}

func TestRecordlessExpiry(t *testing.T) {
	exp := time.Date(2027, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		jti  string
		want time.Time
		ok   bool
	}{
		{recordlessID(exp), exp, true},
		{"atj_12_", time.Unix(12, 0).UTC(), true},
		{"atj_x_y", time.Time{}, false},
		{"atj_12", time.Time{}, false},
		{"at_12_y", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := recordlessExpiry(tt.jti)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("recordlessExpiry(%q) = %v, %v; want %v, %v", tt.jti, got, ok, tt.want, tt.ok)
		}
	}
}
