package provider

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"slices"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// The signing algorithms we issue tokens with. RS256 is the OIDC default
// for ID tokens; ES256 is the default for access tokens, about twenty
// times cheaper to sign; EdDSA is Ed25519.
const (
	algRS256 = "RS256"
	algES256 = "ES256"
	algEdDSA = "EdDSA"
)

// signingAlgs are the algorithms a key ring holds one current key of.
var signingAlgs = []string{algRS256, algES256, algEdDSA}

// SupportedAlg reports whether alg is one the provider signs with.
func SupportedAlg(alg string) bool { return slices.Contains(signingAlgs, alg) }

// signingKey is a loaded key pair. It implements op.SigningKey (private
// side) and op.Key (public side, for the JWKS).
type signingKey struct {
	id      string
	alg     jose.SignatureAlgorithm
	private crypto.Signer
	// activeAt is when the key starts signing; retireAt, when set, when
	// it stops (keySchedule).
	activeAt, retireAt time.Time
	// signer is built on first use and shared by the copies of the key
	// that every key-ring refresh makes (joseSigner).
	signer *lazySigner
}

// SignatureAlgorithm implements op.SigningKey.
func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }

// Key implements op.SigningKey: the private key.
func (k *signingKey) Key() any { return k.private }

// ID implements op.SigningKey and op.Key.
func (k *signingKey) ID() string { return k.id }

// publicKey is the verifying half of a signingKey.
type publicKey struct{ k *signingKey }

func (p publicKey) ID() string                         { return p.k.id }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return p.k.alg }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return p.k.private.Public() }

// signingKeyAD is the additional data that binds a sealed private key to
// its kid.
func signingKeyAD(kid string) string { return "signing-key:" + kid }

func generateSigningKey(alg string, sealer *secret.Sealer, now time.Time) (storage.SigningKey, error) {
	var priv crypto.Signer
	var err error
	switch alg {
	case algRS256:
		priv, err = rsa.GenerateKey(rand.Reader, 2048)
	case algES256:
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case algEdDSA:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	default:
		err = fmt.Errorf("unsupported algorithm %q", alg)
	}
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("generate %s key: %w", alg, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("marshal %s private key: %w", alg, err)
	}
	pub, err := x509.MarshalPKIXPublicKey(priv.Public())
	if err != nil {
		return storage.SigningKey{}, fmt.Errorf("marshal %s public key: %w", alg, err)
	}
	kid := secret.Token(12)
	return storage.SigningKey{
		ID:               kid,
		Algorithm:        alg,
		SealedPrivateKey: sealer.Seal(der, signingKeyAD(kid)),
		PublicKey:        pub,
		CreatedAt:        now.UTC(),
	}, nil
}

func openSigningKey(sk storage.SigningKey, sealer *secret.Sealer) (*signingKey, error) {
	der, err := sealer.Open(sk.SealedPrivateKey, signingKeyAD(sk.ID))
	if err != nil {
		return nil, fmt.Errorf("open signing key %s: %w: %w", sk.ID, ErrSealingKey, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("parse signing key %s: %w", sk.ID, err)
	}
	k := &signingKey{id: sk.ID, alg: jose.SignatureAlgorithm(sk.Algorithm), signer: &lazySigner{}}
	switch priv := parsed.(type) {
	case *rsa.PrivateKey:
		if sk.Algorithm != algRS256 {
			return nil, fmt.Errorf("signing key %s: rsa key for %s", sk.ID, sk.Algorithm)
		}
		k.private = priv
	case *ecdsa.PrivateKey:
		if sk.Algorithm != algES256 || priv.Curve != elliptic.P256() {
			return nil, fmt.Errorf("signing key %s: ecdsa key for %s", sk.ID, sk.Algorithm)
		}
		k.private = priv
	case ed25519.PrivateKey:
		if sk.Algorithm != algEdDSA {
			return nil, fmt.Errorf("signing key %s: ed25519 key for %s", sk.ID, sk.Algorithm)
		}
		k.private = priv
	default:
		return nil, fmt.Errorf("signing key %s: unsupported key type %T", sk.ID, parsed)
	}
	return k, nil
}

// Per-client ID-token algorithm.
//
// The library signs an ID token with Storage.SigningKey(ctx) and passes
// neither the client nor the request to it. Our HTTP interceptor therefore
// puts an empty signSlot into every request context; CreateAccessToken and
// CreateAccessAndRefreshTokens, which the library calls for the same request
// right before it builds the ID token, record the token's client in the
// slot; SigningKey then signs with the algorithm the client chose
// (storage.Client.IDTokenAlg). A JWT access token is marked in the slot
// while it is built (markAccessSigning) and signed with the access-token
// algorithm. Without a recorded client (a context that did not pass the
// interceptor) SigningKey uses the server's ID-token algorithm.

type signSlotKey struct{}

// signSlot records, for one HTTP request, the client whose tokens are being
// signed.
type signSlot struct {
	mu       sync.Mutex
	clientID string
	// jwtAccess is set when the token request asks for the account
	// context (scopes account, accounts): its user access token is then a
	// JWT carrying the account claims.
	jwtAccess bool
	// signingAccess is set while a JWT access token is being built: the
	// library asks for its private claims (GetPrivateClaimsFromRequest)
	// right before it asks for the signing key, and for an ID token it
	// does not. SigningKey takes the mark.
	signingAccess bool
}

// markAccessSigning records that the next signing key asked for in ctx
// signs an access token.
func markAccessSigning(ctx context.Context) {
	if s := slotFrom(ctx); s != nil {
		s.mu.Lock()
		s.signingAccess = true
		s.mu.Unlock()
	}
}

// takeAccessSigning reports and clears the mark of markAccessSigning.
func (s *signSlot) takeAccessSigning() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	marked := s.signingAccess
	s.signingAccess = false
	return marked
}

// useJWTAccessToken marks the token request in ctx as one whose access
// token is a JWT. The library asks the client for the token type only
// after it has loaded the code or refresh token, so the mark made then
// reaches the client loaded before (client.AccessTokenType).
func useJWTAccessToken(ctx context.Context) {
	if s, ok := ctx.Value(signSlotKey{}).(*signSlot); ok {
		s.mu.Lock()
		s.jwtAccess = true
		s.mu.Unlock()
	}
}

// slotFrom returns the request's signing slot, or nil.
func slotFrom(ctx context.Context) *signSlot {
	s, _ := ctx.Value(signSlotKey{}).(*signSlot)
	return s
}

// wantsJWTAccess reports whether useJWTAccessToken marked the slot.
func (s *signSlot) wantsJWTAccess() bool {
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.jwtAccess
}

func recordSigningClient(ctx context.Context, clientID string) {
	if s, ok := ctx.Value(signSlotKey{}).(*signSlot); ok {
		s.mu.Lock()
		s.clientID = clientID
		s.mu.Unlock()
	}
}

func signingClient(ctx context.Context) string {
	s, ok := ctx.Value(signSlotKey{}).(*signSlot)
	if !ok {
		return ""
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clientID
}

// SigningKey implements op.Storage. An access token (a JWT: every
// client_credentials token, and a user's with the account context) is
// signed with Config.AccessTokenAlg; an ID token with the algorithm of
// the client recorded in the request's signing slot
// (storage.Client.IDTokenAlg), else Config.IDTokenAlg.
func (s *opStorage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	alg := s.cfg.IDTokenAlg
	slot := slotFrom(ctx)
	switch {
	case slot.takeAccessSigning():
		alg = s.cfg.AccessTokenAlg
	case signingClient(ctx) != "":
		c, err := s.store.GetClient(ctx, signingClient(ctx))
		if err != nil {
			return nil, oidc.ErrServerError().WithParent(fmt.Errorf("load client for signing: %w", err))
		}
		if SupportedAlg(c.IDTokenAlg) {
			alg = c.IDTokenAlg
		}
	}
	k := s.keys.ring().signer(alg, s.now())
	if k == nil {
		return nil, oidc.ErrServerError().WithParent(fmt.Errorf("no %s signing key", alg))
	}
	return k, nil
}

// SignatureAlgorithms implements op.Storage.
func (s *opStorage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256, jose.ES256, jose.EdDSA}, nil
}

// KeySet implements op.Storage: every public key, retired ones included, so
// that older tokens and id_token_hints still verify.
func (s *opStorage) KeySet(context.Context) ([]op.Key, error) {
	ring := s.keys.ring()
	keys := make([]op.Key, 0, len(ring.all))
	for _, k := range ring.all {
		keys = append(keys, publicKey{k})
	}
	return keys, nil
}
