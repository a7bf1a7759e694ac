package provider

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
)

// jwtPart decodes the header (0) or the payload (1) of a compact JWT.
func jwtPart(t *testing.T, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	b, err := base64URLDecode(parts[i])
	if err != nil {
		t.Fatalf("decode part %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("part %d is not a JSON object: %v", i, err)
	}
	return m
}

// TestCCTokenMatchesLibrary: ccAccessToken makes the token the library's
// op.CreateJWT made for the same request (the header and every claim; jti
// is random and iat/nbf are the library's wall clock), for API clients of
// both types with user-info scopes among theirs, and for a plain
// client_credentials client with an account.
func TestCCTokenMatchesLibrary(t *testing.T) {
	e := newAPIClientEnv(t, iam.APIClientLifetime24h)
	api, err := e.store.GetClient(context.Background(), e.id)
	if err != nil {
		t.Fatal(err)
	}
	admin := api
	admin.API = &storage.APIClient{Enabled: true, Type: storage.APIClientAdmin, Scopes: api.API.Scopes}
	plain, err := e.store.GetClient(context.Background(), apiID)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		client storage.Client
		scopes []string
	}{
		{"standard API client", api, []string{"gatehouse:api", "billing.read"}},
		{"admin API client, user-info scopes", admin, []string{"profile", "gatehouse:api", "email", "phone", "address"}},
		{"no scopes", api, nil},
		{"plain client with an account", plain, nil},
	}
	s := e.p.storage
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := &ccRequest{client: tt.client, scopes: tt.scopes}
			ctx := op.ContextWithIssuer(context.Background(), e.issuer)
			ctx = context.WithValue(ctx, signSlotKey{}, &signSlot{})
			cl := &client{c: tt.client, cfg: &s.cfg, jwtAccessToken: true}
			want, _, _, err := op.CreateAccessToken(ctx, req, op.AccessTokenTypeJWT, e.p.op, cl, "")
			if err != nil {
				t.Fatalf("library token: %v", err)
			}
			got, err := s.ccAccessToken(op.ContextWithIssuer(context.Background(), e.issuer), req)
			if err != nil {
				t.Fatalf("ccAccessToken: %v", err)
			}
			if g, w := jwtPart(t, got, 0), jwtPart(t, want, 0); !equalJSON(g, w) {
				t.Errorf("header %v, library's %v", g, w)
			}
			g, w := jwtPart(t, got, 1), jwtPart(t, want, 1)
			for _, k := range []string{"jti", "iat", "nbf"} {
				if _, ok := g[k]; !ok {
					t.Errorf("claim %s missing", k)
				}
				delete(g, k)
				delete(w, k)
			}
			if !equalJSON(g, w) {
				t.Errorf("claims\n %v\nlibrary's\n %v", g, w)
			}
		})
	}
}

// equalJSON reports whether a and b marshal to the same JSON.
func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}
