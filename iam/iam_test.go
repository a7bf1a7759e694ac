package iam_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// testPassword passes the password policy.
const testPassword = "correct horse battery staple"

// fixedNow is the clock of every test.
var fixedNow = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// newService returns a Service on a fresh bolt file with cheap hashing.
func newService(t *testing.T) (*iam.Service, storage.Store) {
	t.Helper()
	db, err := boltdb.Open(filepath.Join(t.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	hasher := password.NewHasher(password.Params{MemoryKiB: 64, Time: 1, Threads: 1}, 2)
	return iam.New(db, hasher, func() time.Time { return fixedNow }), db
}

func TestCreateUser(t *testing.T) {
	ctx := context.Background()
	svc, store := newService(t)
	if _, err := svc.CreateUser(ctx, iam.NewUser{Email: "Taken@Example.com", GivenName: "T", Password: testPassword}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		in        iam.NewUser
		wantCode  string
		wantField string
		wantRule  string
	}{
		{"ok", iam.NewUser{Email: "  alice@example.com ", GivenName: "Alice", FamilyName: "Example", Password: testPassword}, "", "", ""},
		{"ok without family name", iam.NewUser{Email: "bob@example.com", GivenName: "Bob", Password: testPassword}, "", "", ""},
		{"empty email", iam.NewUser{GivenName: "A", Password: testPassword}, iam.CodeInvalid, "email", ""},
		{"no at", iam.NewUser{Email: "alice.example.com", GivenName: "A", Password: testPassword}, iam.CodeInvalid, "email", ""},
		{"display name", iam.NewUser{Email: "Alice <alice2@example.com>", GivenName: "A", Password: testPassword}, iam.CodeInvalid, "email", ""},
		{"no domain dot", iam.NewUser{Email: "alice@example", GivenName: "A", Password: testPassword}, iam.CodeInvalid, "email", ""},
		{"two addresses", iam.NewUser{Email: "a@example.com, b@example.com", GivenName: "A", Password: testPassword}, iam.CodeInvalid, "email", ""},
		{"too long email", iam.NewUser{Email: strings.Repeat("a", 250) + "@example.com", GivenName: "A", Password: testPassword}, iam.CodeInvalid, "email", ""},
		{"taken other case", iam.NewUser{Email: "taken@EXAMPLE.com", GivenName: "A", Password: testPassword}, iam.CodeConflict, "email", ""},
		{"no given name", iam.NewUser{Email: "c@example.com", Password: testPassword}, iam.CodeInvalid, "given_name", ""},
		{"control char", iam.NewUser{Email: "c@example.com", GivenName: "A\x00", Password: testPassword}, iam.CodeInvalid, "given_name", ""},
		{"long family name", iam.NewUser{Email: "c@example.com", GivenName: "A", FamilyName: strings.Repeat("x", 101), Password: testPassword}, iam.CodeInvalid, "family_name", ""},
		{"short password", iam.NewUser{Email: "c@example.com", GivenName: "A", Password: "short"}, iam.CodeInvalid, "password", password.RuleTooShort},
		{"common password", iam.NewUser{Email: "c@example.com", GivenName: "A", Password: "password123"}, iam.CodeInvalid, "password", password.RuleBlocklisted},
		{"password has local part", iam.NewUser{Email: "carolina@example.com", GivenName: "A", Password: "xx carolina yy zz"}, iam.CodeInvalid, "password", password.RuleContainsEmail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := svc.CreateUser(ctx, tt.in)
			if got := iam.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("CreateUser(%+v) code = %q (err %v), want %q", tt.in.Email, got, err, tt.wantCode)
			}
			if err != nil {
				var ie *iam.Error
				if !errors.As(err, &ie) {
					t.Fatalf("err = %v, want *iam.Error", err)
				}
				if ie.Field != tt.wantField || ie.Rule != tt.wantRule || ie.Message == "" {
					t.Fatalf("err = %+v, want field %q rule %q and a message", ie, tt.wantField, tt.wantRule)
				}
				return
			}
			if !strings.HasPrefix(u.ID, iam.UserIDPrefix) || len(u.ID) != len(iam.UserIDPrefix)+26 {
				t.Errorf("ID = %q, want usr_ + 26 characters", u.ID)
			}
			if u.Email != strings.TrimSpace(tt.in.Email) || !u.EmailVerified || u.State != storage.UserActive || u.MFAMethod != storage.MFAEmail {
				t.Errorf("user = %+v, want trimmed verified e-mail, active, e-mail MFA", u)
			}
			if !u.CreatedAt.Equal(fixedNow) || strings.Contains(u.PasswordHash, tt.in.Password) || !strings.HasPrefix(u.PasswordHash, "$argon2id$") {
				t.Errorf("user = %+v, want created now with an argon2id hash", u)
			}
			got, err := store.GetUser(ctx, u.ID)
			if err != nil || got.Email != u.Email || got.PasswordHash != u.PasswordHash {
				t.Fatalf("stored user = %+v, %v; want %+v", got, err, u)
			}
		})
	}
	users, _, err := svc.ListUsers(ctx, storage.PageRequest{})
	if err != nil || len(users) != 3 {
		t.Fatalf("ListUsers = %d users, %v; want 3", len(users), err)
	}
}

func TestCreateClient(t *testing.T) {
	ctx := context.Background()
	svc, store := newService(t)
	cb := []string{"http://localhost:9999/callback"}
	tests := []struct {
		name       string
		in         iam.NewClient
		wantCode   string
		wantField  string
		wantGrants []string
	}{
		{"confidential default grants", iam.NewClient{Name: "App", RedirectURIs: cb}, "", "", []string{"authorization_code", "refresh_token"}},
		{"public", iam.NewClient{Name: "SPA", RedirectURIs: []string{"https://spa.example.com/cb"}, Public: true}, "", "", []string{"authorization_code", "refresh_token"}},
		{"api client without redirect", iam.NewClient{Name: "API", GrantTypes: []string{"client_credentials"}}, "", "", []string{"client_credentials"}},
		{"loopback ip", iam.NewClient{Name: "CLI", RedirectURIs: []string{"http://127.0.0.1:7777/cb", "http://[::1]/cb"}}, "", "", []string{"authorization_code", "refresh_token"}},
		{"dev allows http host", iam.NewClient{Name: "Dev", RedirectURIs: []string{"http://app.test/cb"}, Dev: true}, "", "", []string{"authorization_code", "refresh_token"}},
		{"es256", iam.NewClient{Name: "EC", RedirectURIs: cb, IDTokenAlg: "ES256"}, "", "", []string{"authorization_code", "refresh_token"}},
		{"eddsa", iam.NewClient{Name: "Ed", RedirectURIs: cb, IDTokenAlg: "EdDSA"}, "", "", []string{"authorization_code", "refresh_token"}},
		{"no name", iam.NewClient{RedirectURIs: cb}, iam.CodeInvalid, "name", nil},
		{"no redirect", iam.NewClient{Name: "App"}, iam.CodeInvalid, "redirect_uris", nil},
		{"relative redirect", iam.NewClient{Name: "App", RedirectURIs: []string{"/callback"}}, iam.CodeInvalid, "redirect_uris", nil},
		{"fragment", iam.NewClient{Name: "App", RedirectURIs: []string{"https://app.example.com/cb#x"}}, iam.CodeInvalid, "redirect_uris", nil},
		{"empty fragment", iam.NewClient{Name: "App", RedirectURIs: []string{"https://app.example.com/cb#"}}, iam.CodeInvalid, "redirect_uris", nil},
		{"http remote", iam.NewClient{Name: "App", RedirectURIs: []string{"http://app.example.com/cb"}}, iam.CodeInvalid, "redirect_uris", nil},
		{"other scheme", iam.NewClient{Name: "App", RedirectURIs: []string{"javascript://x/cb"}}, iam.CodeInvalid, "redirect_uris", nil},
		{"userinfo", iam.NewClient{Name: "App", RedirectURIs: []string{"https://u:p@app.example.com/cb"}}, iam.CodeInvalid, "redirect_uris", nil},
		{"duplicate redirect", iam.NewClient{Name: "App", RedirectURIs: []string{cb[0], cb[0]}}, iam.CodeInvalid, "redirect_uris", nil},
		{"bad logout uri", iam.NewClient{Name: "App", RedirectURIs: cb, PostLogoutRedirectURIs: []string{"http://evil.example.com/"}}, iam.CodeInvalid, "post_logout_redirect_uris", nil},
		{"unknown grant", iam.NewClient{Name: "App", RedirectURIs: cb, GrantTypes: []string{"implicit"}}, iam.CodeInvalid, "grant_types", nil},
		{"refresh alone", iam.NewClient{Name: "App", RedirectURIs: cb, GrantTypes: []string{"refresh_token"}}, iam.CodeInvalid, "grant_types", nil},
		{"duplicate grant", iam.NewClient{Name: "App", GrantTypes: []string{"client_credentials", "client_credentials"}}, iam.CodeInvalid, "grant_types", nil},
		{"public client credentials", iam.NewClient{Name: "App", Public: true, GrantTypes: []string{"client_credentials"}}, iam.CodeInvalid, "grant_types", nil},
		{"bad alg", iam.NewClient{Name: "App", RedirectURIs: cb, IDTokenAlg: "HS256"}, iam.CodeInvalid, "id_token_alg", nil},
		{"logo and home page", iam.NewClient{Name: "App", RedirectURIs: cb, LogoURI: "https://app.example.com/logo.png", ClientURI: "https://app.example.com/"}, "", "", []string{"authorization_code", "refresh_token"}},
		{"http logo", iam.NewClient{Name: "App", RedirectURIs: cb, LogoURI: "http://app.example.com/logo.png"}, iam.CodeInvalid, "logo_uri", nil},
		{"javascript home page", iam.NewClient{Name: "App", RedirectURIs: cb, ClientURI: "javascript:alert(1)"}, iam.CodeInvalid, "client_uri", nil},
		{"relative logo", iam.NewClient{Name: "App", RedirectURIs: cb, LogoURI: "/logo.png"}, iam.CodeInvalid, "logo_uri", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, sec, err := svc.CreateClient(ctx, tt.in)
			if got := iam.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("CreateClient code = %q (err %v), want %q", got, err, tt.wantCode)
			}
			if err != nil {
				var ie *iam.Error
				if !errors.As(err, &ie) || ie.Field != tt.wantField {
					t.Fatalf("err = %#v, want field %q", err, tt.wantField)
				}
				return
			}
			if !strings.HasPrefix(c.ID, iam.ClientIDPrefix) || !slices.Equal(c.GrantTypes, tt.wantGrants) {
				t.Errorf("client = %+v, want client_ ID and grants %v", c, tt.wantGrants)
			}
			if tt.in.Public {
				if sec != "" || c.SecretHash != nil || !c.RequirePKCE {
					t.Errorf("public client: secret %q, hash %x, RequirePKCE %v; want none, none, true", sec, c.SecretHash, c.RequirePKCE)
				}
			} else if len(sec) < 43 || !secret.Equal(c.SecretHash, sec) {
				t.Errorf("secret %q (len %d) does not match its digest or is shorter than 256 bits", sec, len(sec))
			}
			// No algorithm given leaves it to the server's default.
			if c.IDTokenAlg != tt.in.IDTokenAlg {
				t.Errorf("IDTokenAlg = %q, want %q", c.IDTokenAlg, tt.in.IDTokenAlg)
			}
			got, err := store.GetClient(ctx, c.ID)
			if err != nil || !slices.Equal(got.SecretHash, c.SecretHash) || got.Name != c.Name ||
				got.LogoURI != tt.in.LogoURI || got.ClientURI != tt.in.ClientURI {
				t.Fatalf("stored client = %+v, %v; want %+v", got, err, c)
			}
		})
	}
	clients, _, err := svc.ListClients(ctx, storage.PageRequest{})
	if err != nil || len(clients) != 8 {
		t.Fatalf("ListClients = %d clients, %v; want 8", len(clients), err)
	}
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{errors.New("boom"), iam.CodeInternal},
		{&iam.Error{Code: iam.CodeConflict}, iam.CodeConflict},
		{errors.Join(errors.New("x"), &iam.Error{Code: iam.CodeInvalid}), iam.CodeInvalid},
	}
	for _, tt := range tests {
		if got := iam.ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestIsLoopbackHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true}, {"LOCALHOST", true}, {"127.0.0.1", true}, {"127.1.2.3", true}, {"::1", true},
		{"example.com", false}, {"10.0.0.1", false}, {"localhost.example.com", false}, {"", false},
	}
	for _, tt := range tests {
		if got := iam.IsLoopbackHost(tt.host); got != tt.want {
			t.Errorf("IsLoopbackHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}
