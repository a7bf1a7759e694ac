package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-id/gatehouse/storage"
)

// bannerURLRe finds the authorization URL and the code verifier the
// banner suggests.
var (
	bannerURLRe      = regexp.MustCompile(`(?m)^  (http://\S+/authorize\?\S+)$`)
	bannerVerifierRe = regexp.MustCompile(`code_verifier=(\S+)`)
)

// TestBannerFirstSteps: the banner asks for the first user and client only
// while they are missing.
func TestBannerFirstSteps(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, env map[string]string)
		want     []string
		wantNone []string
	}{
		{"no users", func(*testing.T, map[string]string) {},
			[]string{"First steps", "user create", "client create"}, []string{"/authorize?", "code_verifier"}},
		{"users but no client", func(t *testing.T, env map[string]string) {
			mustCLI(t, env, testPassword, "user", "create", "--email", "alice@example.com", "--name", "Alice", "--password-stdin")
			// An API client is no client to sign in to.
			mustCLI(t, env, "", "client", "create", "--name", "Billing job", "--grant", "client_credentials")
		}, []string{"First steps", "client create --name \"My app\""}, []string{"user create", "/authorize?", "code_verifier"}},
		{"client but no users", func(t *testing.T, env map[string]string) {
			mustCLI(t, env, "", "client", "create", "--name", "My app", "--redirect-uri", "http://localhost:9999/callback")
		}, []string{"First steps", "user create", "/authorize?", "code_verifier="}, []string{"client create"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := testEnv(filepath.Join(t.TempDir(), "data"))
			tt.setup(t, env)
			out := startServer(t, env).stdout.String()
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("banner does not contain %q:\n%s", want, out)
				}
			}
			for _, bad := range tt.wantNone {
				if strings.Contains(out, bad) {
					t.Errorf("banner contains %q:\n%s", bad, out)
				}
			}
		})
	}
}

// TestBannerSignIn: once a user and a client exist, the banner's
// authorization URL and verifier work as printed: the sign-in reaches the
// client's redirect URI and the code redeems with the verifier.
func TestBannerSignIn(t *testing.T) {
	e := startE2E(t)
	if err := e.srv.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	e.srv = startServerWith(t, e.env, hooks{now: e.clock.Now})
	e.issuer = "http://localhost" + e.srv.addr[strings.LastIndex(e.srv.addr, ":"):]
	out := e.srv.stdout.String()
	if strings.Contains(out, "First steps") {
		t.Errorf("banner still asks for first steps:\n%s", out)
	}
	m, v := bannerURLRe.FindStringSubmatch(out), bannerVerifierRe.FindStringSubmatch(out)
	if m == nil || v == nil {
		t.Fatalf("banner has no authorization URL and verifier:\n%s", out)
	}
	auth := mustParse(t, m[1])
	q := auth.Query()
	sum := sha256.Sum256([]byte(v[1]))
	if auth.Scheme+"://"+auth.Host != e.issuer || q.Get("client_id") != e.oauth.ClientID || q.Get("redirect_uri") != redirectURI ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatalf("banner URL %s with verifier %s: want the issuer, the client, its redirect URI and the verifier's S256 challenge", auth, v[1])
	}
	for _, want := range []string{"-u " + e.oauth.ClientID + `:"$CLIENT_SECRET"`, "Within 60 seconds", e.issuer + "/oauth/token"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner does not contain %q:\n%s", want, out)
		}
	}
	cb := e.signIn(t, newBrowser(t), e.rewrite(auth.String()))
	if cb.Query().Get("state") != q.Get("state") || cb.Query().Get("code") == "" {
		t.Fatalf("callback %s, want the banner's state and a code", cb)
	}
	status, tok := e.postForm(t, e.issuer+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "code": {cb.Query().Get("code")},
		"redirect_uri": {redirectURI}, "code_verifier": {v[1]},
	}, true)
	if status != http.StatusOK || tok["id_token"] == nil {
		t.Fatalf("redeem with the banner's verifier: status %d, answer %v", status, tok)
	}
}

// TestBannerWrite covers the banner's variants that the in-process
// server does not reach.
func TestBannerWrite(t *testing.T) {
	conf := &storage.Client{ID: "client_conf", Name: "My app", RedirectURIs: []string{"http://localhost:9999/callback?a=1&b=2"}}
	public := &storage.Client{ID: "client_pub", Name: "SPA", Public: true, RedirectURIs: []string{"http://localhost:3000/cb"}}
	base := banner{prog: "gatehouse", listen: "http://127.0.0.1:8080", issuer: "http://localhost:8080", dataDir: "/d", codeLifetime: time.Minute, hasUsers: true}
	tests := []struct {
		name     string
		edit     func(b *banner)
		want     []string
		wantNone []string
	}{
		{"confidential client", func(b *banner) { b.client = conf },
			[]string{"-u client_conf:\"$CLIENT_SECRET\"", "redirect_uri='http://localhost:9999/callback?a=1&b=2'", "code_verifier=VERIFIER", "Within 60 seconds"},
			[]string{"First steps"}},
		{"public client", func(b *banner) { b.client = public },
			[]string{"-d client_id=client_pub", "code_verifier=VERIFIER"}, []string{"CLIENT_SECRET"}},
		{"https issuer", func(b *banner) { b.client, b.issuer = conf, "https://id.example.com" },
			[]string{`First client: "My app" (client_conf)`}, []string{"/authorize?", "VERIFIER"}},
		{"config file with a space", func(b *banner) { b.configPath, b.hasUsers = "/etc/my gatehouse.yaml", false },
			[]string{"user create --config '/etc/my gatehouse.yaml' --email", "client create --config '/etc/my gatehouse.yaml' --name"}, nil},
		{"ten-minute codes", func(b *banner) { b.client, b.codeLifetime = conf, 10*time.Minute },
			[]string{"Within 10 minutes"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := base
			tt.edit(&b)
			var buf bytes.Buffer
			b.write(&buf, "VERIFIER")
			out := buf.String()
			for _, want := range tt.want {
				if !strings.Contains(out, want) {
					t.Errorf("banner does not contain %q:\n%s", want, out)
				}
			}
			for _, bad := range tt.wantNone {
				if strings.Contains(out, bad) {
					t.Errorf("banner contains %q:\n%s", bad, out)
				}
			}
		})
	}
}

func TestFirstSignInClient(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	code := []string{storage.GrantAuthorizationCode}
	clients := []storage.Client{
		{ID: "a_api", GrantTypes: []string{storage.GrantClientCredentials}, CreatedAt: t0},
		{ID: "b_late", GrantTypes: code, RedirectURIs: []string{"https://b/cb"}, CreatedAt: t0.Add(2 * time.Hour)},
		{ID: "c_first", GrantTypes: code, RedirectURIs: []string{"https://c/cb"}, CreatedAt: t0.Add(time.Hour)},
		{ID: "d_noredirect", GrantTypes: code, CreatedAt: t0},
	}
	if got := firstSignInClient(clients); got == nil || got.ID != "c_first" {
		t.Errorf("firstSignInClient = %v, want c_first (the oldest with the code grant and a redirect URI)", got)
	}
	if got := firstSignInClient(clients[:1]); got != nil {
		t.Errorf("firstSignInClient(API client only) = %v, want nil", got)
	}
}
