package storage

import (
	"context"
	"time"
)

// InvitationState is an invitation's lifecycle state.
type InvitationState string

// The invitation states of REQUIREMENTS.md section 7. An invitation whose
// ExpiresAt has passed while pending reads as pending until package iam,
// which treats it as expired, writes InvitationExpired.
const (
	InvitationPending  InvitationState = "pending"
	InvitationAccepted InvitationState = "accepted"
	InvitationDeclined InvitationState = "declined"
	InvitationExpired  InvitationState = "expired"
	InvitationRevoked  InvitationState = "revoked"
)

// Invitation asks a person, by e-mail, to join an account with a role.
type Invitation struct {
	// ID is "inv_" and 26 lowercase base32 characters.
	ID        string
	AccountID string
	Email     string // as entered, trimmed; matched by NormalizeEmail
	Name      string
	Role      Role
	// TokenHash is the digest of the link's single-use token, never the
	// token. It is unique across invitations.
	TokenHash []byte
	State     InvitationState
	InvitedBy string
	// AcceptedBy is the user who accepted it.
	AcceptedBy string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ExpiresAt  time.Time
}

// InvitationQuery selects invitations for ListInvitations. Exactly one of
// AccountID and Email is set.
type InvitationQuery struct {
	AccountID string
	// Email selects the invitations sent to an address, case-insensitively.
	Email string
	PageRequest
}

// Invitations stores invitations.
type Invitations interface {
	// CreateInvitation stores a new invitation. A taken ID or TokenHash is
	// ErrAlreadyExists; a missing account is ErrNotFound; an empty ID or
	// TokenHash is an error.
	CreateInvitation(ctx context.Context, inv Invitation) error
	// GetInvitation returns the invitation with the ID, or ErrNotFound.
	GetInvitation(ctx context.Context, id string) (Invitation, error)
	// GetInvitationByToken returns the invitation whose TokenHash is
	// tokenHash, or ErrNotFound.
	GetInvitationByToken(ctx context.Context, tokenHash []byte) (Invitation, error)
	// UpdateInvitation reads the invitation, applies fn and writes the
	// result in one transaction (fn may be called more than once and
	// returns an error to write nothing). A new TokenHash replaces the old
	// one in the token index, so the old token no longer finds it; a
	// TokenHash taken by another invitation is ErrAlreadyExists. ID,
	// AccountID, Email and CreatedAt cannot change: the backend keeps the
	// stored values.
	UpdateInvitation(ctx context.Context, id string, fn func(old Invitation) (Invitation, error)) (Invitation, error)
	// ListInvitations returns one page of an account's invitations, or of
	// those sent to an e-mail address, in every state, ordered by ID, and
	// the Next cursor, empty on the last page. It reads only that page's
	// records. A query with both or neither of AccountID and Email is an
	// error.
	ListInvitations(ctx context.Context, q InvitationQuery) ([]Invitation, string, error)
	// AcceptInvitation, in one transaction, reads the invitation and the
	// user's membership of its account, calls check (package iam's rules;
	// an error writes nothing), then marks the invitation accepted by
	// userID and makes the membership active with the invited role,
	// InvitedBy the inviter. A removed membership is reactivated. After
	// check, the backend itself refuses with ErrConflict an invitation
	// that is not pending (so of concurrent accepts exactly one wins), an
	// invited RoleOwner, and the account's Owner as the accepting user. A
	// missing invitation is ErrNotFound. now stamps UpdatedAt. It returns
	// both as written.
	AcceptInvitation(ctx context.Context, invitationID, userID string, now time.Time,
		check func(inv Invitation, m Membership, exists bool) error) (Invitation, Membership, error)
}
