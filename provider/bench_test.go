package provider

// Benchmarks of the token endpoint through the real provider handler on a
// real bbolt file, with fsync on (as in production) and with NoSync, and
// the baselines they are compared with: one RS256 signature and one
// IssueTokens commit. docs/PERFORMANCE.md has the figures.
//
//	go test -run '^$' -bench . -benchtime 2s ./provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/storage/boltdb"
)

// benchIssuer is the issuer of the benchmark provider. Requests go to its
// handler directly, without a listener.
const benchIssuer = "http://localhost:8080"

// benchScopes are the scopes of the user flows: an ID token with profile
// claims looked up in the store, and a refresh token.
var benchScopes = []string{"openid", "profile", "email", "offline_access"}

// benchEnv is a provider on a real bolt file, driven through its handler.
type benchEnv struct {
	store *boltdb.DB
	p     *Provider
	h     http.Handler
	user  storage.User
	now   time.Time
}

// newBenchEnv opens a bolt file in a temporary directory (fsync on unless
// noSync), seeds the user, the confidential client conf and the API client,
// and builds the provider. The provider's clock is frozen, so no code or
// token expires during a long run.
func newBenchEnv(tb testing.TB, noSync bool) *benchEnv {
	tb.Helper()
	ctx := context.Background()
	db, err := boltdb.Open(filepath.Join(tb.TempDir(), "gatehouse.db"), boltdb.Options{NoSync: noSync})
	if err != nil {
		tb.Fatalf("open bolt: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	e := &benchEnv{store: db, now: time.Now().UTC().Truncate(time.Second)}
	e.user = storage.User{
		ID: secret.ID("usr_"), Email: "bench@example.com", EmailVerified: true,
		GivenName: "Bench", FamilyName: "Mark", Locale: "en",
		State: storage.UserActive, CreatedAt: e.now, UpdatedAt: e.now,
	}
	if err := db.CreateUser(ctx, e.user); err != nil {
		tb.Fatalf("create user: %v", err)
	}
	for _, c := range []storage.Client{
		{ID: confID, SecretHash: secret.Digest(confSecret), GrantTypes: []string{storage.GrantAuthorizationCode, storage.GrantRefreshToken},
			RedirectURIs: []string{"https://rp.example.com/callback"}},
		{ID: apiID, SecretHash: secret.Digest(apiSecret), GrantTypes: []string{storage.GrantClientCredentials}},
	} {
		c.Name, c.CreatedAt = c.ID, e.now
		if err := db.CreateClient(ctx, c); err != nil {
			tb.Fatalf("create client %s: %v", c.ID, err)
		}
	}
	sealer, err := secret.NewSealer([]byte(strings.Repeat("k", 32)))
	if err != nil {
		tb.Fatalf("sealer: %v", err)
	}
	p, err := New(ctx, Config{Issuer: benchIssuer, AllowInsecure: true}, db, sealer, func() time.Time { return e.now })
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	e.p, e.h = p, p.Handler()
	return e
}

// token posts form to the token endpoint as the client and returns the
// status and the decoded answer. decode false skips decoding the body.
func (e *benchEnv) token(form url.Values, clientID, clientSecret string, decode bool) (int, tokenResponse) {
	req := httptest.NewRequest(http.MethodPost, benchIssuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	var tr tokenResponse
	if decode || rec.Code != http.StatusOK {
		json.Unmarshal(rec.Body.Bytes(), &tr)
	}
	return rec.Code, tr
}

// seedRefreshToken stores a new refresh-token family for the user at conf,
// as a code exchange with offline_access would, and returns the token.
func (e *benchEnv) seedRefreshToken(tb testing.TB) string {
	tb.Helper()
	token := secret.Token(32)
	at := storage.AccessToken{
		ID: secret.ID(accessTokenPrefix), ClientID: confID, Subject: e.user.ID, Audience: []string{confID},
		Scopes: benchScopes, AuthTime: e.now, AMR: []string{"pwd"}, RefreshFamilyID: secret.ID(refreshFamilyIDPfx),
		CreatedAt: e.now, ExpiresAt: e.now.Add(DefaultAccessTokenLifetime),
	}
	rt := &storage.RefreshToken{
		ID: secret.DigestHex(token), FamilyID: at.RefreshFamilyID, ClientID: confID, UserID: e.user.ID,
		Audience: at.Audience, Scopes: benchScopes, AuthTime: e.now, AMR: at.AMR, AccessTokenID: at.ID,
		CreatedAt: e.now, ExpiresAt: e.now.Add(DefaultRefreshTokenLifetime),
	}
	if err := e.store.IssueTokens(context.Background(), storage.Issue{Access: at, Refresh: rt}, e.now); err != nil {
		tb.Fatalf("seed refresh token: %v", err)
	}
	return token
}

// benchCode is an authorization code ready for exchange, with its PKCE
// verifier.
type benchCode struct{ code, verifier string }

// seedCode stores a finished auth request (the user signed in) and a code
// for it, as /authorize, the login pages and the callback would.
func (e *benchEnv) seedCode(tb testing.TB) benchCode {
	tb.Helper()
	ctx := context.Background()
	verifier := secret.Token(32)
	sum := sha256.Sum256([]byte(verifier))
	ar := storage.AuthRequest{
		ID: secret.ID("ar_"), ClientID: confID, RedirectURI: "https://rp.example.com/callback",
		State: "st", Nonce: "n", Scopes: benchScopes, ResponseType: "code",
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:]), CodeChallengeMethod: "S256",
		CreatedAt: e.now, ExpiresAt: e.now.Add(DefaultAuthRequestLifetime),
		Done: true, UserID: e.user.ID, AuthTime: e.now, AMR: []string{"pwd"}, ACR: ACRPassword, SessionID: "sess-bench",
	}
	if err := e.store.CreateAuthRequest(ctx, ar); err != nil {
		tb.Fatalf("seed auth request: %v", err)
	}
	code := secret.Token(32)
	if err := e.store.SaveAuthCode(ctx, storage.AuthCode{Hash: secret.Digest(code), AuthRequestID: ar.ID, ExpiresAt: e.now.Add(DefaultCodeLifetime)}); err != nil {
		tb.Fatalf("seed code: %v", err)
	}
	return benchCode{code: code, verifier: verifier}
}

// exchange redeems a seeded code as conf.
func (e *benchEnv) exchange(c benchCode) (int, tokenResponse) {
	form := url.Values{
		"grant_type": {"authorization_code"}, "code": {c.code},
		"redirect_uri": {"https://rp.example.com/callback"}, "code_verifier": {c.verifier},
	}
	return e.token(form, confID, confSecret, false)
}

// syncModes are the two durability settings every token benchmark runs
// with.
var syncModes = []struct {
	name   string
	noSync bool
}{
	{"fsync", false},
	{"nosync", true},
}

// benchParallelism makes b.RunParallel use 8 goroutines per GOMAXPROCS
// (16 on 2 cores), enough concurrent writers for commit grouping to matter.
const benchParallelism = 8

// reportTokens adds the tokens/s metric.
func reportTokens(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// BenchmarkTokenClientCredentials measures one client_credentials request:
// client authentication (a SHA-256 digest), one JWT access token (one
// signature, ES256 by default) and one IssueTokens commit.
func BenchmarkTokenClientCredentials(b *testing.B) {
	form := url.Values{"grant_type": {"client_credentials"}}
	for _, m := range syncModes {
		b.Run(m.name+"/serial", func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if code, tr := e.token(form, apiID, apiSecret, false); code != http.StatusOK {
					b.Fatalf("status %d error %q", code, tr.Error)
				}
			}
			reportTokens(b)
		})
		b.Run(m.name+"/parallel", func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			b.ReportAllocs()
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if code, tr := e.token(form, apiID, apiSecret, false); code != http.StatusOK {
						b.Errorf("status %d error %q", code, tr.Error)
						return
					}
				}
			})
			reportTokens(b)
		})
	}
}

// BenchmarkTokenRefresh measures one refresh-token rotation: the refresh
// token lookup, the user lookup, one ID token (one RS256 signature), an
// opaque access token, and one IssueTokens commit that marks the old token
// used and stores the new ones. Each goroutine follows its own chain.
func BenchmarkTokenRefresh(b *testing.B) {
	for _, m := range syncModes {
		b.Run(m.name+"/serial", func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			rt := e.seedRefreshToken(b)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				code, tr := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, confID, confSecret, true)
				if code != http.StatusOK || tr.RefreshToken == "" {
					b.Fatalf("status %d error %q", code, tr.Error)
				}
				rt = tr.RefreshToken
			}
			reportTokens(b)
		})
		b.Run(m.name+"/parallel", func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			b.ReportAllocs()
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rt := e.seedRefreshToken(b)
				for pb.Next() {
					code, tr := e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, confID, confSecret, true)
					if code != http.StatusOK || tr.RefreshToken == "" {
						b.Errorf("status %d error %q", code, tr.Error)
						return
					}
					rt = tr.RefreshToken
				}
			})
			reportTokens(b)
		})
	}
}

// BenchmarkCodeExchange measures one authorization-code exchange with PKCE
// and offline_access: the code and auth request lookups, one ID token (one
// RS256 signature), an opaque access token, the IssueTokens commit that
// redeems the code, and the library's DeleteAuthRequest commit. The codes
// are seeded before the timer starts.
func BenchmarkCodeExchange(b *testing.B) {
	for _, m := range syncModes {
		b.Run(m.name+"/serial", func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			codes := make([]benchCode, b.N)
			for i := range codes {
				codes[i] = e.seedCode(b)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for _, c := range codes {
				if code, tr := e.exchange(c); code != http.StatusOK {
					b.Fatalf("status %d error %q", code, tr.Error)
				}
			}
			reportTokens(b)
		})
		b.Run(m.name+"/parallel", func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			codes := make([]benchCode, b.N)
			for i := range codes {
				codes[i] = e.seedCode(b)
			}
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c := codes[next.Add(1)-1]
					if code, tr := e.exchange(c); code != http.StatusOK {
						b.Errorf("status %d error %q", code, tr.Error)
						return
					}
				}
			})
			reportTokens(b)
		})
	}
}

// benchClaims is a JWT payload of the size of our access tokens.
var benchClaims = []byte(`{"iss":"http://localhost:8080","sub":"apiclient_0123456789abcdef","aud":["apiclient_0123456789abcdef"],` +
	`"jti":"at_0123456789abcdef0123456789abcdef","azp":"apiclient_0123456789abcdef","client_id":"apiclient_0123456789abcdef",` +
	`"exp":1767225600,"iat":1767224700,"nbf":1767224700,"scope":"","account_id":"acct_1"}`)

// BenchmarkSign is the baseline of "a token request costs about one
// signature": one JWS over a token-sized payload with go-jose, for the two
// key types the provider generates (RSA 2048 and P-256).
func BenchmarkSign(b *testing.B) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []struct {
		name string
		alg  jose.SignatureAlgorithm
		key  any
	}{
		{"RS256", jose.RS256, rsaKey},
		{"ES256", jose.ES256, ecKey},
	} {
		b.Run(k.name, func(b *testing.B) {
			signer, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: k.key}, (&jose.SignerOptions{}).WithType("JWT"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for range b.N {
				jws, err := signer.Sign(benchClaims)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := jws.CompactSerialize(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIssueTokensCommit is the storage baseline: the one IssueTokens
// transaction a client_credentials request commits, called directly on
// the store.
func BenchmarkIssueTokensCommit(b *testing.B) {
	for _, m := range syncModes {
		b.Run(m.name, func(b *testing.B) {
			e := newBenchEnv(b, m.noSync)
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				at := storage.AccessToken{
					ID: secret.ID(accessTokenPrefix), ClientID: apiID, Subject: apiID, Audience: []string{apiID},
					CreatedAt: e.now, ExpiresAt: e.now.Add(DefaultAccessTokenLifetime),
				}
				if err := e.store.IssueTokens(ctx, storage.Issue{Access: at}, e.now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// jwsCount returns how many of the tokens are compact JWS (three parts
// and a header with an alg), i.e. how many signatures the answer carries.
func jwsCount(tokens ...string) int {
	n := 0
	for _, tok := range tokens {
		parts := strings.Split(tok, ".")
		if len(parts) != 3 {
			continue
		}
		hdr, err := base64.RawURLEncoding.DecodeString(parts[0])
		if err != nil {
			continue
		}
		var h struct {
			Alg string `json:"alg"`
		}
		if json.Unmarshal(hdr, &h) == nil && h.Alg != "" {
			n++
		}
	}
	return n
}

// TestTokenRequestSignsOnce checks the hot-path budget the benchmarks
// measure: each kind of token request answers with exactly one signed
// token (a JWT access token for client_credentials, the ID token with an
// opaque access token for the user flows).
func TestTokenRequestSignsOnce(t *testing.T) {
	e := newBenchEnv(t, true)
	rt := e.seedRefreshToken(t)
	code := e.seedCode(t)
	tests := []struct {
		name string
		do   func() (int, tokenResponse)
	}{
		{"client_credentials", func() (int, tokenResponse) {
			return e.token(url.Values{"grant_type": {"client_credentials"}}, apiID, apiSecret, true)
		}},
		{"refresh_token", func() (int, tokenResponse) {
			return e.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, confID, confSecret, true)
		}},
		{"authorization_code", func() (int, tokenResponse) {
			form := url.Values{
				"grant_type": {"authorization_code"}, "code": {code.code},
				"redirect_uri": {"https://rp.example.com/callback"}, "code_verifier": {code.verifier},
			}
			return e.token(form, confID, confSecret, true)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, tr := tt.do()
			if status != http.StatusOK {
				t.Fatalf("status %d error %q, want 200", status, tr.Error)
			}
			if got := jwsCount(tr.AccessToken, tr.IDToken, tr.RefreshToken); got != 1 {
				t.Errorf("answer carries %d signed tokens, want 1", got)
			}
		})
	}
}
