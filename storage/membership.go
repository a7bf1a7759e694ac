package storage

import (
	"context"
	"time"
)

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

// Memberships stores who belongs to which account with which role.
//
// The backend keeps one invariant whatever the callers do: every account
// has exactly one active membership with RoleOwner, and Account.OwnerID is
// its user. Only CreateAccount and TransferOwnership write RoleOwner.
type Memberships interface {
	// GetMembership returns the user's direct membership of the account,
	// active or removed, or ErrNotFound.
	GetMembership(ctx context.Context, accountID, userID string) (Membership, error)
	// NearestMembership returns the user's first active membership among
	// accountIDs, in their order (an account, then its ancestors from the
	// nearest up: how a role is inherited), read in one transaction; found
	// is false when there is none.
	NearestMembership(ctx context.Context, userID string, accountIDs []string) (m Membership, found bool, err error)
	// PutMembership reads the user's membership of the account (exists is
	// false and old has only AccountID and UserID when there is none),
	// applies fn and writes the result in one transaction; fn may be
	// called more than once and returns an error to write nothing. The
	// backend keeps AccountID, UserID and, for an existing membership,
	// CreatedAt. It refuses with ErrConflict, writing nothing, a change
	// that would give the account a second Owner or none: a result with
	// RoleOwner, or any write to the Owner's membership. A missing account
	// is ErrNotFound.
	PutMembership(ctx context.Context, accountID, userID string, fn func(old Membership, exists bool) (Membership, error)) (Membership, error)
	// ListAccountMembers returns one page of the account's memberships,
	// active and removed, ordered by user ID, and the Next cursor, empty
	// on the last page. It reads only that page's records.
	ListAccountMembers(ctx context.Context, accountID string, p PageRequest) ([]Membership, string, error)
	// ListUserMemberships returns one page of the user's memberships,
	// active and removed, ordered by account ID, and the Next cursor. It
	// reads only that page's records.
	ListUserMemberships(ctx context.Context, userID string, p PageRequest) ([]Membership, string, error)
	// TransferOwnership makes toUserID the account's Owner and its current
	// Owner an Admin, in one transaction. check sees the account and both
	// memberships as stored in that transaction (to is a zero value with
	// toExists false when there is none) and returns an error to write
	// nothing: package iam puts its rules there. After check, the backend
	// itself refuses a missing account or target membership with
	// ErrNotFound, and a removed target or the Owner as target with
	// ErrConflict. now stamps UpdatedAt of the account and of both
	// memberships. It returns the account as written.
	TransferOwnership(ctx context.Context, accountID, toUserID string, now time.Time,
		check func(a Account, from, to Membership, toExists bool) error) (Account, error)
}
