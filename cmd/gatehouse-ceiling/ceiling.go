package main

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// envClientSecret is read when --client-secret is not given.
const envClientSecret = "GATEHOUSE_CEILING_CLIENT_SECRET"

// tokenLifetime is the lifetime of the tokens the ceiling signs.
const tokenLifetime = time.Hour

// usageError is a problem with the command line; the exit status is 2.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// exitCode maps an error of run to the process exit status.
func exitCode(err error) int {
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	return 1
}

// config is a validated command line.
type config struct {
	listen        string
	alg           jose.SignatureAlgorithm
	clientID      string
	secretDigest  [32]byte
	discoveryFile string
}

// parseConfig parses and checks the arguments (without the program name).
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("gatehouse-ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:18090", "loopback `address` to listen on")
	alg := fs.String("alg", "ES256", "signature `algorithm` of the tokens: ES256, RS256 or EdDSA")
	clientID := fs.String("client-id", "ceiling", "the one client's `ID`")
	secret := fs.String("client-secret", "", "the one client's `secret`; default $"+envClientSecret)
	discovery := fs.String("discovery-file", "", "serve this `file` as the discovery document (e.g. Gatehouse's, saved with curl)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config{}, err
		}
		return config{}, &usageError{err: err}
	}
	if fs.NArg() > 0 {
		return config{}, &usageError{err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	c := config{listen: *listen, clientID: *clientID, discoveryFile: *discovery}
	switch a := jose.SignatureAlgorithm(*alg); a {
	case jose.ES256, jose.RS256, jose.EdDSA:
		c.alg = a
	default:
		return config{}, &usageError{err: fmt.Errorf("--alg: %q is not one of ES256, RS256, EdDSA", *alg)}
	}
	if err := checkLoopback(c.listen); err != nil {
		return config{}, &usageError{err: fmt.Errorf("--listen: %w", err)}
	}
	if c.clientID == "" {
		return config{}, &usageError{err: errors.New("--client-id: must not be empty")}
	}
	s := *secret
	if s == "" && getenv != nil {
		s = getenv(envClientSecret)
	}
	if s == "" {
		return config{}, &usageError{err: fmt.Errorf("no client secret: give --client-secret or $%s", envClientSecret)}
	}
	c.secretDigest = sha256.Sum256([]byte(s))
	return c, nil
}

// checkLoopback refuses a listen address whose host is not a loopback IP.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q: %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%q: only a loopback address may be used", addr)
	}
	return nil
}

// run parses the flags, listens and serves until ctx ends.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	h, err := newHandler(cfg, "http://"+ln.Addr().String())
	if err != nil {
		ln.Close()
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	fmt.Fprintf(stdout, "gatehouse-ceiling: %s on http://%s\n", cfg.alg, ln.Addr())
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

// handler is the ceiling server.
type handler struct {
	cfg       config
	issuer    string
	signer    jose.Signer
	discovery []byte
	jwks      []byte
	mux       *http.ServeMux
}

// newHandler generates the signing key and builds the fixed documents.
func newHandler(cfg config, issuer string) (*handler, error) {
	key, err := generateKey(cfg.alg)
	if err != nil {
		return nil, err
	}
	const kid = "ceiling"
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: cfg.alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}},
		(&jose.SignerOptions{}).WithType("at+jwt"))
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: key.Public(), KeyID: kid, Algorithm: string(cfg.alg), Use: "sig"}}})
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	h := &handler{cfg: cfg, issuer: issuer, signer: signer, jwks: jwks}
	if h.discovery, err = discoveryDoc(cfg.discoveryFile, issuer); err != nil {
		return nil, err
	}
	h.mux = h.routes()
	return h, nil
}

// routes lists every route of the ceiling server.
func (h *handler) routes() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", h.serveBytes(h.discovery))
	mux.HandleFunc("GET /jwks", h.serveBytes(h.jwks))
	mux.HandleFunc("POST /token", h.token)
	return mux
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

// generateKey returns a new private key for alg.
func generateKey(alg jose.SignatureAlgorithm) (crypto.Signer, error) {
	switch alg {
	case jose.RS256:
		return rsa.GenerateKey(rand.Reader, 2048)
	case jose.EdDSA:
		_, k, err := ed25519.GenerateKey(rand.Reader)
		return k, err
	default:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
}

// discoveryDoc returns the file's bytes with the issuer's endpoints kept as
// they are (the load tool only needs the endpoints it uses to be loopback
// URLs), or a built-in document naming the ceiling's own endpoints.
func discoveryDoc(file, issuer string) ([]byte, error) {
	if file == "" {
		return json.Marshal(map[string]any{
			"issuer":                                issuer,
			"token_endpoint":                        issuer + "/token",
			"jwks_uri":                              issuer + "/jwks",
			"grant_types_supported":                 []string{"client_credentials"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic"},
		})
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("--discovery-file: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("--discovery-file: not a JSON object: %w", err)
	}
	// Point the endpoints the load tool follows at the ceiling; the rest of
	// the document (its size is what the discovery ceiling is about) stays.
	for k, v := range map[string]string{"token_endpoint": "/token", "jwks_uri": "/jwks"} {
		doc[k] = issuer + v
	}
	for _, k := range []string{"introspection_endpoint", "authorization_endpoint", "userinfo_endpoint",
		"revocation_endpoint", "end_session_endpoint", "device_authorization_endpoint"} {
		if _, ok := doc[k]; ok {
			doc[k] = issuer + "/unsupported/" + k
		}
	}
	return json.Marshal(doc)
}

// serveBytes answers with fixed JSON bytes.
func (h *handler) serveBytes(b []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(b)
	}
}

// token answers a client_credentials request: Basic authentication checked
// in constant time, one JWT signed.
func (h *handler) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	digest := sha256.Sum256([]byte(secret))
	good := subtle.ConstantTimeCompare(digest[:], h.cfg.secretDigest[:]) == 1
	if !ok || id != h.cfg.clientID || !good {
		w.Header().Set("WWW-Authenticate", `Basic realm="ceiling"`)
		writeError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		writeError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	now := time.Now()
	jti := make([]byte, 16)
	rand.Read(jti)
	claims := map[string]any{
		"iss": h.issuer, "sub": id, "aud": []string{id}, "client_id": id,
		"iat": now.Unix(), "exp": now.Add(tokenLifetime).Unix(), "jti": hex.EncodeToString(jti),
		"scope": strings.TrimSpace(r.PostForm.Get("scope")),
	}
	tok, err := jwt.Signed(h.signer).Claims(claims).Serialize()
	if err != nil {
		writeError(w, http.StatusInternalServerError, "server_error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok, "token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()),
	})
}

// writeError writes an OAuth error answer.
func writeError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q}`, code)
}
