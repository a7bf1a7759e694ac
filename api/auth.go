package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
)

// ScopeAPI is the scope a user's access token needs for the API.
const ScopeAPI = "gatehouse:api"

// secondFactorAMR are the amr values that prove a second factor (a code,
// a text or a security key), as the step-up of a transfer needs.
var secondFactorAMR = []string{"otp", "sms", "hwk", "swk"}

// ErrInvalidToken is what a Verifier returns for a token that is
// unreadable, unknown, expired or revoked, or whose user may no longer
// use it.
var ErrInvalidToken = errors.New("invalid access token")

// Token is a verified access token, as a Verifier describes it.
type Token struct {
	// Subject is the user ID, or the client ID of an API client's token.
	Subject string
	// ClientID is the client the token was issued to.
	ClientID string
	// Client is true for an API client's (client_credentials) token.
	Client bool
	Scopes []string
	// AccountID is the account the token was issued for, if any.
	AccountID string
	// AuthTime and AMR describe the user's sign-in; zero for a client.
	AuthTime time.Time
	AMR      []string
	// ExpiresAt is when the token expires.
	ExpiresAt time.Time
	// Claims are a JWT access token's claims (for an API client:
	// client_id, account_id, client_type); nil for an opaque token.
	Claims map[string]any
}

// SecondFactorAt returns when the token's sign-in proved a second factor:
// its auth time when its amr holds a code, a text or a security key, else
// the zero time. iam.TransferOwnership takes it as the step-up, so a
// transfer needs a token from a sign-in with a second factor at most
// iam.AccountConfig.StepUpMaxAge old (by default five minutes: sign in
// again, with prompt=login or max_age, right before).
func (t Token) SecondFactorAt() time.Time {
	for _, f := range secondFactorAMR {
		if slices.Contains(t.AMR, f) {
			return t.AuthTime
		}
	}
	return time.Time{}
}

// Verifier checks a raw bearer access token. cmd/gatehouse implements it
// with provider.VerifyAccessToken. An invalid token is ErrInvalidToken
// (possibly wrapped); any other error is a fault and answers 500.
type Verifier interface {
	Verify(ctx context.Context, raw string) (Token, error)
}

// ClientActors is the hook for API clients' tokens (REQUIREMENTS.md
// section 9): it turns a verified client_credentials token into the
// iam.Actor of the client, or refuses it with ErrInvalidToken (a client
// that is disabled or deleted). Until it is set, an API client's token
// is refused with 401.
type ClientActors interface {
	ClientActor(ctx context.Context, t Token, ip, userAgent string) (iam.Actor, error)
}

// Caller is who makes a request: the iam.Actor that every call passes to
// iam, and the token it came with (nil for the operator).
type Caller struct {
	Actor iam.Actor
	Token *Token
}

// Authenticator names the caller of a request, or refuses it with an
// *AuthError. Bearer authenticates access tokens on the public listener;
// Operator serves the admin socket.
type Authenticator interface {
	Authenticate(r *http.Request) (Caller, error)
}

// AuthError is an authentication refusal: the status (401 or 403), the
// RFC 6750 error code for WWW-Authenticate and a message, a catalogue key
// (package i18n) formatted with Args in the request's language.
type AuthError struct {
	Status  int
	Code    string
	Message string
	Args    []any
	// Err is the cause, for the log; nil for a plain refusal.
	Err error
}

// Error returns the message in English and the cause.
func (e *AuthError) Error() string {
	msg := fmt.Sprintf(e.Message, e.Args...)
	if e.Err != nil {
		return msg + ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *AuthError) Unwrap() error { return e.Err }

// invalidToken is the 401 refusal of a missing or bad token.
func invalidToken(msg string) *AuthError {
	return &AuthError{Status: http.StatusUnauthorized, Code: "invalid_token", Message: msg}
}

// Bearer authenticates Gatehouse access tokens sent as
// "Authorization: Bearer <token>".
type Bearer struct {
	// Verifier checks the tokens. Required.
	Verifier Verifier
	// Clients turns API clients' tokens into actors; nil refuses them.
	Clients ClientActors
	// ClientIP returns the address the audit log records; r.RemoteAddr
	// when nil.
	ClientIP func(r *http.Request) string
}

// Authenticate implements Authenticator. A user's token needs the scope
// gatehouse:api: without it the answer is 403 insufficient_scope.
func (b Bearer) Authenticate(r *http.Request) (Caller, error) {
	raw, ok := bearerToken(r)
	if !ok {
		return Caller{}, invalidToken(msgNoToken)
	}
	t, err := b.Verifier.Verify(r.Context(), raw)
	if errors.Is(err, ErrInvalidToken) {
		return Caller{}, invalidToken(msgBadToken)
	}
	if err != nil {
		return Caller{}, fmt.Errorf("verify access token: %w", err)
	}
	ip := r.RemoteAddr
	if b.ClientIP != nil {
		ip = b.ClientIP(r)
	}
	if t.Client {
		return b.clientCaller(r, t, ip)
	}
	if !slices.Contains(t.Scopes, ScopeAPI) {
		return Caller{}, &AuthError{Status: http.StatusForbidden, Code: "insufficient_scope",
			Message: msgNoScope, Args: []any{ScopeAPI}}
	}
	return Caller{Actor: iam.UserActor(t.Subject, ip, r.UserAgent()), Token: &t}, nil
}

// clientCaller names the caller of an API client's token through the
// ClientActors hook.
func (b Bearer) clientCaller(r *http.Request, t Token, ip string) (Caller, error) {
	if b.Clients == nil {
		return Caller{}, invalidToken(msgNoClients)
	}
	a, err := b.Clients.ClientActor(r.Context(), t, ip, r.UserAgent())
	if errors.Is(err, ErrInvalidToken) {
		return Caller{}, invalidToken(msgClientRefused)
	}
	if err != nil {
		return Caller{}, fmt.Errorf("api client actor: %w", err)
	}
	return Caller{Actor: a, Token: &t}, nil
}

// bearerToken returns the token of an Authorization: Bearer header (the
// scheme is case-insensitive, RFC 6750 section 2.1).
func bearerToken(r *http.Request) (string, bool) {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	return tok, true
}

// Operator authenticates every request as the operator. It is for the
// admin socket, a Unix socket only the operator can open; never mount it
// on a network listener.
type Operator struct{}

// Authenticate implements Authenticator.
func (Operator) Authenticate(*http.Request) (Caller, error) {
	return Caller{Actor: iam.OperatorActor()}, nil
}
