package storage

import (
	"context"
	"time"
)

// AccessToken is the server-side record of an issued access token. JWT
// access tokens carry its ID as jti; the record is what makes revocation and
// introspection work.
type AccessToken struct {
	ID       string
	ClientID string
	// Subject is the user ID, or the client ID for client_credentials.
	Subject  string
	Audience []string
	Scopes   []string
	AuthTime time.Time
	AMR      []string
	ACR      string
	// RefreshFamilyID links the token to the refresh-token family it was
	// issued with, if any.
	RefreshFamilyID string
	SessionID       string
	// AccountID, AccountName and AccountRole are the selected account as
	// the token was issued for it (scope account); empty without one.
	AccountID   string
	AccountName string
	AccountRole string
	// Claims is the claims parameter of the sign-in the token comes
	// from; userinfo answers its UserInfo part as well.
	Claims    ClaimsRequest
	CreatedAt time.Time
	ExpiresAt time.Time
}

// RefreshToken is the server-side record of a refresh token. Rotation marks
// the old record used and keeps it as a tombstone until it expires, so that
// reuse can be detected.
type RefreshToken struct {
	// ID is the SHA-256 digest (hex) of the token string.
	ID       string
	FamilyID string
	ClientID string
	UserID   string
	Audience []string
	// Scopes are the scopes granted; a refresh may narrow but never widen
	// them.
	Scopes    []string
	AuthTime  time.Time
	AMR       []string
	ACR       string
	SessionID string
	// AccountID is the account selected at sign-in, kept across
	// rotations; each refresh checks that the user may still act in it.
	AccountID string
	// Claims is the claims parameter of the sign-in, kept across
	// rotations for the new ID and access tokens.
	Claims ClaimsRequest
	// AccessTokenID is the access token issued together with this refresh
	// token.
	AccessTokenID string
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// UsedAt is zero while the token is live.
	UsedAt time.Time
}

// Issue describes one atomic token issuance.
type Issue struct {
	Access AccessToken
	// Refresh is the new refresh token, or nil.
	Refresh *RefreshToken
	// RedeemCode is the digest of the authorization code this issuance
	// redeems, or nil. A successful redemption also deletes the code's
	// auth request in the same transaction (its result lives on in the
	// tokens; the code stays as a tombstone). If the code was redeemed before, IssueTokens revokes
	// every token issued from it and returns ErrReused; if it does not
	// exist or has expired it returns ErrNotFound.
	RedeemCode []byte
	// RotateRefresh is the ID of the refresh token this issuance rotates,
	// or "". If that token was used before, IssueTokens revokes its whole
	// family and returns ErrReused; if it is missing or expired it returns
	// ErrNotFound. IssueTokens does not compare the rotated token with the
	// new ones: the caller (package provider) checks beforehand that the
	// rotated token belongs to the requesting client and that Refresh
	// carries its FamilyID.
	RotateRefresh string
}

// Tokens stores access and refresh tokens.
type Tokens interface {
	// IssueTokens stores the tokens of iss and, in the same transaction,
	// redeems the code or rotates the refresh token it names. Two
	// concurrent calls for the same code or refresh token never both
	// succeed. "now" is the time used for expiry checks.
	IssueTokens(ctx context.Context, iss Issue, now time.Time) error
	// GetAccessToken returns the access token record or ErrNotFound. It
	// does not check expiry; the caller checks ExpiresAt.
	GetAccessToken(ctx context.Context, id string) (AccessToken, error)
	// GetRefreshToken returns the refresh token record (used or not) or
	// ErrNotFound. It does not check expiry; the caller checks ExpiresAt.
	GetRefreshToken(ctx context.Context, id string) (RefreshToken, error)
	// RevokeAccessToken deletes the access token. A missing token is not an
	// error.
	RevokeAccessToken(ctx context.Context, id string) error
	// RevokeRefreshFamily deletes every refresh token of the family and
	// every access token issued with them. A missing family is not an
	// error.
	RevokeRefreshFamily(ctx context.Context, familyID string) error
	// RevokeUserTokens deletes every access and refresh token of the user,
	// only for clientID when it is not empty.
	RevokeUserTokens(ctx context.Context, userID, clientID string) error
	// DenyToken records that the self-contained token (a JWT verified by
	// its signature, with no record) with this jti is revoked. The entry
	// is kept until exp, when the token expires anyway, and then swept by
	// DeleteExpired. Denying a jti again keeps the later exp.
	DenyToken(ctx context.Context, jti string, exp time.Time) error
	// TokenDenied reports whether DenyToken was called for jti and the
	// entry has not been swept.
	TokenDenied(ctx context.Context, jti string) (bool, error)
}
