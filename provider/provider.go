package provider

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/rs/cors"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// Default lifetimes used when a Config field is zero.
const (
	DefaultAccessTokenLifetime          = 15 * time.Minute
	DefaultIDTokenLifetime              = time.Hour
	DefaultRefreshTokenLifetime         = 30 * 24 * time.Hour
	DefaultRefreshTokenAbsoluteLifetime = 90 * 24 * time.Hour
	DefaultAuthRequestLifetime          = 30 * time.Minute
	DefaultCodeLifetime                 = 60 * time.Second
	// LogoutLifetime is how long a pending logout handed to the logout page
	// stays valid.
	LogoutLifetime = 10 * time.Minute
)

// cryptoKeyName is the name under which the sealed crypto key of the
// library (it encrypts authorization codes and opaque access tokens) is
// stored.
const cryptoKeyName = "op_crypto_key"

// cryptoKeyID names the crypto key in the header of the library's
// encrypted values, such as authorization codes.
const cryptoKeyID = "k1"

// Config configures the provider.
type Config struct {
	// TokenIssued, when set, is called with the grant of every token
	// issued without a storage write (client_credentials), so that the
	// metrics count them; the other grants are counted at their write.
	TokenIssued func(grant string)
	// Issuer is the public URL of the provider, without a trailing slash
	// and without a path.
	Issuer string
	// LoginURL is where /authorize sends the browser, for example "/login".
	// The provider appends "?authRequestID=<id>".
	LoginURL string
	// LogoutURL is the hosted logout page, for example "/logout". The
	// provider appends "?id=<pending logout id>".
	LogoutURL string
	// AllowInsecure allows an http issuer (development and tests).
	AllowInsecure bool
	// BindBrowser, when set, is called for every authorization request: it
	// returns the digest of a random value held in a cookie of the
	// browser, setting the cookie when absent. The request is stored bound
	// to it, so that only that browser can finish the sign-in (the login
	// pages check it at every step and at the callback).
	BindBrowser func(w http.ResponseWriter, r *http.Request) []byte
	// AuthorizeGuard, when set, wraps the authorization endpoint, for
	// example with a per-IP rate limit. Its answers carry the provider's
	// security headers.
	AuthorizeGuard func(http.Handler) http.Handler
	// ErrorPage, when set, writes the page for a browser request the
	// provider refuses without a redirect to the client: an unknown
	// client_id, an unregistered redirect_uri, a bad end_session request,
	// an unknown path, and the like. status is the HTTP status, code the
	// OAuth error code (or not_found, method_not_allowed) and description
	// a fixed English text for developers, never library or request text.
	// The provider has set its security headers and no-store; the hook
	// sets the page's own. When nil, a plain fixed page is written.
	ErrorPage func(w http.ResponseWriter, r *http.Request, status int, code, description string)
	// Accounts resolves the account context of tokens (scopes account and
	// accounts). When nil, tokens carry no account claims and the
	// accounts claim is an empty list.
	Accounts Accounts

	// Lifetimes; zero means the default of the same name.
	AccessTokenLifetime          time.Duration
	IDTokenLifetime              time.Duration
	RefreshTokenLifetime         time.Duration // idle lifetime, renewed on every rotation
	RefreshTokenAbsoluteLifetime time.Duration // from the first issue of a refresh-token family
	AuthRequestLifetime          time.Duration
	CodeLifetime                 time.Duration

	// AccessTokenAlg signs every JWT access token (client_credentials, and
	// a user's with the account context): ES256 when empty.
	AccessTokenAlg string
	// IDTokenAlg signs the ID tokens of clients that registered no
	// algorithm: RS256 (the OIDC default) when empty.
	IDTokenAlg string
	// KeyRotation is the signing keys' rotation schedule; zero fields
	// take the defaults (keyring.go).
	KeyRotation KeyPolicy
}

// DefaultAccessTokenAlg and DefaultIDTokenAlg are the signing algorithms
// when Config names none.
const (
	DefaultAccessTokenAlg = algES256
	DefaultIDTokenAlg     = algRS256
)

func (c *Config) applyDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.AccessTokenLifetime, DefaultAccessTokenLifetime)
	def(&c.IDTokenLifetime, DefaultIDTokenLifetime)
	def(&c.RefreshTokenLifetime, DefaultRefreshTokenLifetime)
	def(&c.RefreshTokenAbsoluteLifetime, DefaultRefreshTokenAbsoluteLifetime)
	def(&c.AuthRequestLifetime, DefaultAuthRequestLifetime)
	def(&c.CodeLifetime, DefaultCodeLifetime)
	if c.AccessTokenAlg == "" {
		c.AccessTokenAlg = DefaultAccessTokenAlg
	}
	if c.IDTokenAlg == "" {
		c.IDTokenAlg = DefaultIDTokenAlg
	}
	if c.LoginURL == "" {
		c.LoginURL = "/login"
	}
	if c.LogoutURL == "" {
		c.LogoutURL = "/logout"
	}
}

// Provider is the OpenID provider: the zitadel/oidc OP on top of a
// storage.Store.
type Provider struct {
	cfg     Config
	op      *op.Provider
	storage *opStorage
	gate    *gate
	// discoveryDoc and keysDoc are the discovery document and the JWKS,
	// serialised once (cached.go).
	discoveryDoc, keysDoc *cachedDoc
}

// New builds the provider. On first start it creates and persists the crypto
// key and the RS256, ES256 and EdDSA signing keys; later starts load them, so codes,
// opaque tokens and key IDs survive restarts. now is the clock used for every
// expiry decision.
func New(ctx context.Context, cfg Config, store storage.Store, sealer *secret.Sealer, now func() time.Time) (*Provider, error) {
	if store == nil || sealer == nil {
		return nil, errors.New("provider: store and sealer are required")
	}
	if now == nil {
		now = time.Now
	}
	cfg.applyDefaults()
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	for _, alg := range []string{cfg.AccessTokenAlg, cfg.IDTokenAlg} {
		if !SupportedAlg(alg) {
			return nil, fmt.Errorf("provider: signing algorithm %q is not one of %s", alg, strings.Join(signingAlgs, ", "))
		}
	}

	cryptoKey, err := loadCryptoKey(ctx, store, sealer)
	if err != nil {
		return nil, err
	}
	keys, err := OpenKeys(ctx, store, sealer, now, cfg.KeyRotation.withDefaults(max(cfg.AccessTokenLifetime, cfg.IDTokenLifetime)))
	if err != nil {
		return nil, err
	}
	s := &opStorage{store: store, cfg: cfg, now: now, keys: keys, codes: op.NewAES256GCMCrypto(cryptoKey, cryptoKeyID)}
	g := &gate{storage: s, page: cfg.ErrorPage}

	opCfg := &op.Config{
		CryptoKey:                cryptoKey,
		CryptoKeyId:              cryptoKeyID,
		DefaultLogoutRedirectURI: cfg.LogoutURL,
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		GrantTypeRefreshToken:    true,
		RequestObjectSupported:   false,
		SupportedScopes:          supportedScopes,
		SupportedClaims:          supportedClaims,
	}
	opts := []op.Option{
		op.WithHttpInterceptors(interceptor, issInterceptor(cfg.Issuer, store.GetAuthRequest), g.interceptor),
		op.WithCORSOptions(&corsOptions),
		// Without these the library's verifiers accept only RS256, ES256
		// and PS256, and our EdDSA tokens and id_token_hints would fail.
		op.WithAccessTokenVerifierOpts(op.WithSupportedAccessTokenSigningAlgorithms(signingAlgs...)),
		op.WithIDTokenHintVerifierOpts(op.WithSupportedIDTokenHintSigningAlgorithms(signingAlgs...)),
	}
	if cfg.AllowInsecure {
		opts = append(opts, op.WithAllowInsecure())
	}
	o, err := op.NewProvider(opCfg, s, op.StaticIssuer(cfg.Issuer), opts...)
	if err != nil {
		return nil, fmt.Errorf("new openid provider: %w", err)
	}
	g.op = o
	p := &Provider{cfg: cfg, op: o, storage: s, gate: g}
	base := context.WithoutCancel(ctx)
	p.discoveryDoc = &cachedDoc{build: func() ([]byte, error) { return p.discovery(base) }}
	p.keysDoc = &cachedDoc{build: p.jwks}
	keys.mu.Lock()
	keys.changed = p.keysDoc.reset
	keys.mu.Unlock()
	return p, nil
}

// Keys returns the provider's signing keys, for their rotation.
func (p *Provider) Keys() *Keys { return p.storage.keys }

// loadCryptoKey returns the library's 32-byte crypto key, creating and
// persisting it (sealed) on first start.
func loadCryptoKey(ctx context.Context, store storage.Secrets, sealer *secret.Sealer) ([32]byte, error) {
	var key [32]byte
	fresh := make([]byte, 32)
	rand.Read(fresh)
	sealed, err := store.PutSecretIfAbsent(ctx, cryptoKeyName, sealer.Seal(fresh, cryptoKeyName))
	if err != nil {
		return key, fmt.Errorf("store crypto key: %w", err)
	}
	plain, err := sealer.Open(sealed, cryptoKeyName)
	if err != nil {
		return key, fmt.Errorf("open crypto key: %w", err)
	}
	if len(plain) != len(key) {
		return key, fmt.Errorf("crypto key has %d bytes, want %d", len(plain), len(key))
	}
	copy(key[:], plain)
	return key, nil
}

// corsOptions allow any origin to call the API endpoints (token, userinfo,
// keys, discovery, introspection, revocation) without credentials. The
// authorization endpoints lose these headers again (see answerFix).
var corsOptions = cors.Options{
	AllowedOrigins:   []string{"*"},
	AllowedMethods:   []string{http.MethodGet, http.MethodPost},
	AllowedHeaders:   []string{"Authorization", "Content-Type", "Accept"},
	AllowCredentials: false,
}

// Handler returns the handler for every provider endpoint and our own
// discovery document. Mount it last, on "/". Every answer refuses framing
// and, with an https issuer, carries HSTS.
func (p *Provider) Handler() http.Handler {
	discovery := cors.New(corsOptions).Handler(p.discoveryDoc)
	keys := cors.New(corsOptions).Handler(p.keysDoc)
	hsts := strings.HasPrefix(p.cfg.Issuer, "https://")
	var authorize http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.cfg.BindBrowser != nil {
			r = r.WithContext(context.WithValue(r.Context(), bindingKey{}, p.cfg.BindBrowser(w, r)))
		}
		p.op.ServeHTTP(w, r)
	})
	if p.cfg.AuthorizeGuard != nil {
		authorize = p.cfg.AuthorizeGuard(authorize)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "frame-ancestors 'none'")
		if hsts {
			h.Set("Strict-Transport-Security", hstsValue)
		}
		if fix := p.gate.answerFix(r); fix != nil {
			w = &fixWriter{ResponseWriter: w, fix: fix}
		}
		switch r.URL.Path {
		case oidc.DiscoveryEndpoint:
			setSecurityHeaders(w)
			discovery.ServeHTTP(w, r)
		case keysPath:
			setSecurityHeaders(w)
			keys.ServeHTTP(w, r)
		case authorizePath:
			authorize.ServeHTTP(w, r)
		case "/device_authorization":
			// The library always routes the device endpoint; we offer no
			// device flow.
			setSecurityHeaders(w)
			http.NotFound(w, r)
		default:
			p.op.ServeHTTP(w, r)
		}
	})
}

// CallbackURL returns the absolute URL of the authorization callback for an
// auth request: the login pages redirect there once the request is done.
func (p *Provider) CallbackURL(ctx context.Context, authRequestID string) string {
	return op.AuthCallbackURL(p.op)(op.ContextWithIssuer(ctx, p.cfg.Issuer), authRequestID)
}

// FailAuthRequest ends an auth request with an OAuth error (login_required,
// access_denied, interaction_required, consent_required,
// account_selection_required, unmet_authentication_requirements, ...): it
// redirects the error with state to the client's registered redirect URI and
// deletes the request. The redirect carries iss (RFC 9207); a request with
// response_mode=form_post gets the error as a form_post page instead. An
// unknown or expired request gets the 400 error page, never a redirect.
func (p *Provider) FailAuthRequest(w http.ResponseWriter, r *http.Request, authRequestID, oidcErrorCode, description string) {
	ctx := op.ContextWithIssuer(r.Context(), p.cfg.Issuer)
	ar, err := p.storage.liveAuthRequest(ctx, authRequestID)
	if err != nil {
		setSecurityHeaders(w)
		p.gate.errorPage(w, r, http.StatusBadRequest, "invalid_request", "The sign-in request is unknown or has expired.")
		return
	}
	iw := newISSWriter(w, p.cfg.Issuer, constFormPost(ar))
	defer iw.finish()
	w = iw
	setSecurityHeaders(w)
	op.AuthRequestError(w, r.WithContext(ctx), &authRequest{ar: ar}, authError(oidcErrorCode, description), p.op)
	if err := p.storage.store.DeleteAuthRequest(ctx, authRequestID); err != nil {
		// The response is already written; the sweeper removes the
		// request when it expires.
		slog.WarnContext(ctx, "delete failed auth request", slog.Any("error", err))
	}
}

// authError builds the *oidc.Error for an authorization error code.
func authError(code, description string) *oidc.Error {
	var e *oidc.Error
	switch code {
	case "login_required":
		e = oidc.ErrLoginRequired()
	case "interaction_required":
		e = oidc.ErrInteractionRequired()
	case "access_denied":
		e = oidc.ErrAccessDenied()
	case "invalid_request":
		e = oidc.ErrInvalidRequest()
	case "consent_required":
		e = &oidc.Error{ErrorType: "consent_required"}
	case "account_selection_required":
		e = &oidc.Error{ErrorType: "account_selection_required"}
	case "unmet_authentication_requirements":
		e = &oidc.Error{ErrorType: "unmet_authentication_requirements"}
	case "temporarily_unavailable":
		e = &oidc.Error{ErrorType: "temporarily_unavailable"}
	default:
		e = oidc.ErrServerError()
	}
	e.Description = sanitizeDescription(description)
	return e
}

// sanitizeDescription keeps only the characters RFC 6749, section
// 4.1.2.1, allows in error_description.
func sanitizeDescription(s string) string {
	return strings.Map(func(r rune) rune {
		if r == 0x20 || r == 0x21 || (r >= 0x23 && r <= 0x5B) || (r >= 0x5D && r <= 0x7E) {
			return r
		}
		return -1
	}, s)
}

// setSecurityHeaders adds the headers every provider response carries.
func setSecurityHeaders(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// interceptor runs inside the library's router for every OP endpoint. It
// sets the security headers, gives the request a signing slot (see
// signSlot), and notes a request_uri parameter, which CreateAuthRequest
// refuses (the library ignores it), and the account and claims parameters,
// which the library does not parse.
func interceptor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setSecurityHeaders(w)
		if r.URL.Path != keysPath {
			// Token, userinfo and introspection answers carry tokens and
			// personal data; nothing here is worth caching.
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Pragma", "no-cache")
		}
		ctx := context.WithValue(r.Context(), signSlotKey{}, &signSlot{})
		if r.URL.Path == authorizePath {
			err := r.ParseForm()
			if err != nil {
				// A second ParseForm reports no error; keep it for the gate.
				ctx = context.WithValue(ctx, formErrKey{}, err)
			} else {
				if r.Form.Has("request_uri") {
					ctx = context.WithValue(ctx, requestURIKey{}, true)
				}
				// The gate has checked its shape by the time
				// CreateAuthRequest reads it.
				ctx = context.WithValue(ctx, accountParamKey{}, r.Form.Get(AccountParam))
				ctx = context.WithValue(ctx, claimsParamKey{}, r.Form.Get("claims"))
			}
		}
		if r.URL.Path == "/userinfo" {
			w = &bearerErrorWriter{ResponseWriter: w}
		}
		if r.URL.Path == tokenPath {
			ctx, w = withCodeRefusal(ctx, w)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bearerErrorWriter turns the library's userinfo refusals (401 for an
// unreadable token, 403 for one our storage rejects) into the RFC 6750
// answer: 401 with WWW-Authenticate: Bearer error="invalid_token".
type bearerErrorWriter struct {
	http.ResponseWriter
}

func (b *bearerErrorWriter) WriteHeader(code int) {
	if code == http.StatusUnauthorized || code == http.StatusForbidden {
		b.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		code = http.StatusUnauthorized
	}
	b.ResponseWriter.WriteHeader(code)
}

type requestURIKey struct{}

func hasRequestURI(ctx context.Context) bool {
	v, _ := ctx.Value(requestURIKey{}).(bool)
	return v
}
