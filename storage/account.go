package storage

import (
	"context"
	"errors"
	"time"
)

// ErrDepthExceeded means a child account was asked for under an account at
// MaxAccountDepth.
var ErrDepthExceeded = errors.New("storage: account tree depth limit reached")

// MaxAccountDepth is the deepest level of the account tree; a top-level
// account is level 1 (REQUIREMENTS.md section 5).
const MaxAccountDepth = 4

// AccountType is an account's kind.
type AccountType string

// The account types of REQUIREMENTS.md section 5.
const (
	AccountIndividual AccountType = "individual"
	AccountBusiness   AccountType = "business"
)

// AccountStatus is an account's lifecycle state.
type AccountStatus string

// The account statuses of REQUIREMENTS.md section 5.
const (
	AccountActive      AccountStatus = "ACTIVE"
	AccountPending     AccountStatus = "PENDING"
	AccountSuspended   AccountStatus = "SUSPENDED"
	AccountDeactivated AccountStatus = "DEACTIVATED"
)

// AccountPolicy is the sign-in policy an account sets for its members. The
// effective policy of an account is its own combined with its ancestors'
// (a child may only tighten it); package iam combines them.
type AccountPolicy struct {
	// RequirePhishingResistant makes members sign in with WebAuthn.
	RequirePhishingResistant bool
	// ForbidTrustedDevices turns "Don't ask again on this device" off.
	ForbidTrustedDevices bool
}

// Account is a node of the account tree.
type Account struct {
	// ID is "acct_" and 26 lowercase base32 characters. It never changes.
	ID    string
	Name  string
	Email string
	Type  AccountType
	// Status is one of the Account* statuses.
	Status AccountStatus
	// StatusReason is the operator's reason for the last status change.
	StatusReason string
	// PendingReasons lists why a PENDING account is not active yet, such
	// as "missing_field:vat_number" (REQUIREMENTS.md section 8).
	PendingReasons []string
	// ParentID is empty for a top-level account. It never changes.
	ParentID string
	// Ancestors lists the IDs from the top-level account down to the
	// parent; it is empty for a top-level account. The backend computes it
	// from the parent on creation, and it never changes.
	Ancestors []string
	// OwnerID is the user ID of the account's one Owner. The backend keeps
	// it equal to the user of the account's one active membership with
	// RoleOwner: only CreateAccount and TransferOwnership change it.
	OwnerID   string
	Policy    AccountPolicy
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Depth returns the account's level in the tree, 1 for a top-level
// account.
func (a Account) Depth() int { return len(a.Ancestors) + 1 }

// Role is a membership's role.
type Role string

// The roles of REQUIREMENTS.md section 6.
const (
	RoleOwner     Role = "owner"
	RoleAdmin     Role = "admin"
	RoleDeveloper Role = "developer"
	RoleDefault   Role = "default"
)

// Membership is a user's direct role in one account. A removed membership
// is kept with Active false, for the audit trail.
type Membership struct {
	AccountID string
	UserID    string
	Role      Role
	Active    bool
	// InvitedBy is the user who added the member (an inviter or the
	// creator of the account), or AuditActorOperator.
	InvitedBy string
	CreatedAt time.Time
	UpdatedAt time.Time
	// RemovedAt is set when Active turned false.
	RemovedAt time.Time
}

// PageRequest asks for one page of a key-ordered list. After is the Next
// of the previous page, empty for the first; Limit is the page size,
// DefaultPageSize when zero or less and at most MaxPageSize.
type PageRequest struct {
	After string
	Limit int
}

// Page sizes of PageRequest.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Size returns the page size p asks for, within its bounds.
func (p PageRequest) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageSize
	case p.Limit > MaxPageSize:
		return MaxPageSize
	}
	return p.Limit
}

// AccountQuery selects accounts for ListAccounts.
type AccountQuery struct {
	// ParentID selects the children of one account; when empty, the
	// top-level accounts are listed.
	ParentID string
	PageRequest
}

// Accounts stores the account tree.
type Accounts interface {
	// CreateAccount stores a new account and its Owner's membership (owner,
	// with Role RoleOwner and Active true, its AccountID set to a.ID) in one
	// transaction, and returns the account as stored. The backend sets
	// Ancestors from the parent and OwnerID from owner. A child of an
	// account at MaxAccountDepth is refused with ErrDepthExceeded; a
	// missing parent with ErrNotFound; a taken ID with ErrAlreadyExists.
	CreateAccount(ctx context.Context, a Account, owner Membership) (Account, error)
	// GetAccount returns the account with the ID, or ErrNotFound.
	GetAccount(ctx context.Context, id string) (Account, error)
	// UpdateAccount reads the account, applies fn and writes the result in
	// one transaction. fn may be called more than once. ID, ParentID,
	// Ancestors, OwnerID and CreatedAt cannot change: the backend keeps
	// the stored values.
	UpdateAccount(ctx context.Context, id string, fn func(old Account) (Account, error)) (Account, error)
	// ListAccounts returns one page of the children of q.ParentID (or of
	// the top-level accounts) ordered by ID, and the Next cursor, empty on
	// the last page. It reads only that page's records.
	ListAccounts(ctx context.Context, q AccountQuery) ([]Account, string, error)
	// CountAccounts returns the number of accounts.
	CountAccounts(ctx context.Context) (int, error)
}

// Memberships stores who belongs to which account with which role.
type Memberships interface {
	// GetMembership returns the user's direct membership of the account,
	// active or removed, or ErrNotFound.
	GetMembership(ctx context.Context, accountID, userID string) (Membership, error)
	// PutMembership reads the user's membership of the account (exists is
	// false and old has only AccountID and UserID when there is none),
	// applies fn and writes the result in one transaction; fn may be
	// called more than once and returns an error to write nothing. The
	// backend refuses with ErrConflict, writing nothing, a change that
	// would give the account a second Owner or none: a result with
	// RoleOwner, or a change to the Owner's membership. Only
	// CreateAccount and TransferOwnership create or move RoleOwner. A
	// missing account is ErrNotFound.
	PutMembership(ctx context.Context, accountID, userID string, fn func(old Membership, exists bool) (Membership, error)) (Membership, error)
	// ListAccountMembers returns one page of the account's memberships,
	// active and removed, ordered by user ID, and the Next cursor.
	ListAccountMembers(ctx context.Context, accountID string, p PageRequest) ([]Membership, string, error)
	// ListUserMemberships returns one page of the user's memberships,
	// active and removed, ordered by account ID, and the Next cursor. It
	// reads only that page's records.
	ListUserMemberships(ctx context.Context, userID string, p PageRequest) ([]Membership, string, error)
	// TransferOwnership makes toUserID the account's Owner and its current
	// Owner an Admin, in one transaction. check sees the account and both
	// memberships as stored in that transaction (to may be a zero value
	// with exists false) and returns an error to write nothing: package
	// iam puts its rules there. now stamps UpdatedAt. It returns the
	// account as written.
	TransferOwnership(ctx context.Context, accountID, toUserID string, now time.Time,
		check func(a Account, from, to Membership, toExists bool) error) (Account, error)
}

// InvitationState is an invitation's lifecycle state.
type InvitationState string

// The invitation states of REQUIREMENTS.md section 7. An invitation whose
// ExpiresAt has passed while pending reads as pending until it is
// answered or swept: package iam treats it as expired.
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
	// ErrAlreadyExists; a missing account is ErrNotFound.
	CreateInvitation(ctx context.Context, inv Invitation) error
	// GetInvitation returns the invitation with the ID, or ErrNotFound.
	GetInvitation(ctx context.Context, id string) (Invitation, error)
	// GetInvitationByToken returns the invitation whose TokenHash is
	// tokenHash, or ErrNotFound.
	GetInvitationByToken(ctx context.Context, tokenHash []byte) (Invitation, error)
	// UpdateInvitation reads the invitation, applies fn and writes the
	// result in one transaction (fn may be called more than once). A new
	// TokenHash replaces the old one in the token index, so the old token
	// no longer finds it. ID, AccountID and CreatedAt cannot change.
	UpdateInvitation(ctx context.Context, id string, fn func(old Invitation) (Invitation, error)) (Invitation, error)
	// ListInvitations returns one page of an account's invitations, or of
	// those sent to an e-mail address, ordered by ID, and the Next cursor.
	ListInvitations(ctx context.Context, q InvitationQuery) ([]Invitation, string, error)
	// AcceptInvitation, in one transaction, reads the invitation and the
	// user's membership of its account, calls check (package iam's rules;
	// an error writes nothing), then marks the invitation accepted by
	// userID and makes the membership active with the invited role. A
	// removed membership is reactivated. It returns both as written.
	AcceptInvitation(ctx context.Context, invitationID, userID string, now time.Time,
		check func(inv Invitation, m Membership, exists bool) error) (Invitation, Membership, error)
}
