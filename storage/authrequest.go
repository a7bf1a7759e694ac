package storage

import (
	"context"
	"time"
)

// AuthRequest is an OIDC authorization request from /authorize until its
// code is redeemed. It also carries the progress of the hosted sign-in that
// answers it.
type AuthRequest struct {
	ID                  string // random, at least 128 bits
	ClientID            string
	RedirectURI         string
	State               string
	Nonce               string
	Scopes              []string
	ResponseType        string
	ResponseMode        string
	CodeChallenge       string
	CodeChallengeMethod string
	Prompt              []string
	// MaxAge is the max_age parameter in seconds; nil when absent.
	MaxAge *int64
	// HintSubject is the user the request is for: the sub of a valid
	// id_token_hint or the sub value of the claims parameter. It is
	// never the authenticated user.
	HintSubject string
	LoginHint   string
	ACRValues   []string
	UILocales   []string
	// Account is the account the relying party asked for with the
	// account parameter ("acct_…"), or "".
	Account string
	// Claims is what the claims parameter asked for; zero without one.
	Claims    ClaimsRequest
	CreatedAt time.Time
	ExpiresAt time.Time

	// BindingHash is the SHA-256 digest of a random value held in a cookie
	// of the browser that started the sign-in, so that only that browser
	// can complete it.
	BindingHash []byte
	// Progress of the hosted sign-in.
	Login LoginProgress

	// AccountPickSession is the ID of the SSO session the sign-in will be
	// answered from once the user has picked an account on the account
	// picker; empty unless the picker was shown for a session.
	AccountPickSession string
	// AccountSkipped records that the user, with no selectable account,
	// chose on the account picker to go on without one.
	AccountSkipped bool
	// AccountID is the account chosen on the account picker, before the
	// request is done, and then the account the tokens are issued for;
	// empty when none is.
	AccountID string

	// CallbackAt is when the bound browser was let through to the
	// authorization callback, which hands out the request's code; zero
	// until then. A request passes the callback once.
	CallbackAt time.Time

	// Done is set when the user is authenticated; the fields below are the
	// result.
	Done      bool
	UserID    string
	AuthTime  time.Time
	AMR       []string
	ACR       string
	SessionID string
}

// ClaimsRequest is what the claims parameter of an authorization request
// (OpenID Connect Core, section 5.5) asked for: the names of the user
// claims to put in the ID token and those to answer at userinfo. Package
// provider parses the parameter and keeps only the claims it can serve.
// The zero value is no claims parameter.
type ClaimsRequest struct {
	IDToken  []string
	UserInfo []string
}

// IsZero reports whether c asks for no claim.
func (c ClaimsRequest) IsZero() bool { return len(c.IDToken) == 0 && len(c.UserInfo) == 0 }

// LoginProgress records which steps of the hosted sign-in have passed for an
// auth request.
type LoginProgress struct {
	// UserID is the user identified on the e-mail page (empty until then).
	UserID string
	// Email is what the user typed, kept for redisplay even when no such
	// user exists.
	Email string
	// PasswordAt is when the password was verified; zero until then.
	PasswordAt time.Time
	// Factors lists the amr values proven so far in this sign-in.
	Factors []string
	// StepUp is set when the chosen account's sign-in policy asked for
	// more than the sign-in had proved (an iam.PolicyGap value): the
	// sign-in starts again at the password and then needs a security key
	// or passkey ("phishing_resistant"), or a second factor that no
	// trusted device may skip ("second_factor").
	StepUp string
}

// AuthCode maps the digest of an authorization code to its auth request and
// records its redemption.
type AuthCode struct {
	// Hash is the SHA-256 digest of the code; the code itself is never
	// stored.
	Hash          []byte
	AuthRequestID string
	ExpiresAt     time.Time
	// RedeemedAt is zero until the code is exchanged.
	RedeemedAt time.Time
	// AccessTokenID and RefreshFamilyID are the access token and the
	// refresh-token family issued from the code, revoked when the code is
	// presented again.
	AccessTokenID   string
	RefreshFamilyID string
}

// AuthRequests stores auth requests and their codes.
type AuthRequests interface {
	// CreateAuthRequest stores a new auth request or returns
	// ErrAlreadyExists.
	CreateAuthRequest(ctx context.Context, ar AuthRequest) error
	// GetAuthRequest returns the auth request or ErrNotFound. It does not
	// check expiry; the caller checks ExpiresAt.
	GetAuthRequest(ctx context.Context, id string) (AuthRequest, error)
	// UpdateAuthRequest applies fn to the auth request in one transaction.
	UpdateAuthRequest(ctx context.Context, id string, fn func(old AuthRequest) (AuthRequest, error)) (AuthRequest, error)
	// DeleteAuthRequest removes the auth request. Its codes stay (as
	// tombstones for reuse detection) until they expire. Deleting a missing
	// request is not an error.
	DeleteAuthRequest(ctx context.Context, id string) error
	// SaveAuthCode stores a code for an auth request, replacing any earlier
	// unredeemed code of the same request. It returns ErrNotFound when the
	// auth request does not exist and ErrAlreadyExists when a code with the
	// same digest is stored (redeemed or not).
	SaveAuthCode(ctx context.Context, c AuthCode) error
	// GetAuthCode returns the code with the digest, redeemed or not, or
	// ErrNotFound. It does not check expiry; the caller checks ExpiresAt.
	GetAuthCode(ctx context.Context, hash []byte) (AuthCode, error)
}
