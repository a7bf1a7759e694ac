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
	OwnerID string
	Policy  AccountPolicy
	// Business holds a business account's details; it is zero for an
	// individual account and until they are given.
	Business BusinessDetails
	// VAT is the state of the check of Business.VATNumber.
	VAT       VATCheck
	CreatedAt time.Time
	UpdatedAt time.Time
}

// BusinessDetails are the company name, billing address, phone and VAT
// number of a business account (REQUIREMENTS.md section 5). Package iam
// checks and normalises them; the backend stores them as given.
type BusinessDetails struct {
	CompanyName string
	Street      string
	Postcode    string
	City        string
	// Country is the billing country, ISO 3166-1 alpha-2 in upper case.
	Country string
	// Phone is in E.164 form, or empty.
	Phone string
	// VATNumber is normalised (prefix included) for an EU or XI country.
	VATNumber string
}

// VATCheck is what the last check of an account's VAT number found and
// when it is checked again (REQUIREMENTS.md section 8). It is zero while
// no number needs checking.
type VATCheck struct {
	// Status is the outcome of the last check: valid, invalid,
	// unreachable or unchecked (the names of package vat).
	Status string
	// Source is who decided: off, syntax or vies.
	Source    string
	CheckedAt time.Time
	// UnreachableSince is the time of the first unreachable answer of
	// the current run of them, zero when the last answer was clear. The
	// re-check interval grows after a day of them.
	UnreachableSince time.Time
	// NextCheckAt is when the number is due for a background re-check;
	// zero when none is due. ListVATRechecksDue finds accounts by it.
	NextCheckAt time.Time
}

// Depth returns the account's level in the tree, 1 for a top-level
// account.
func (a Account) Depth() int { return len(a.Ancestors) + 1 }

// PageRequest asks for one page of a key-ordered list. After is the Next
// of the previous page, empty for the first: the page starts with the
// first key after it, so a cursor stays valid when records are added or
// removed between pages. Limit is the page size, DefaultPageSize when zero
// or less and at most MaxPageSize.
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

// AccountQuery selects accounts for ListAccounts. At most one of ParentID
// and AncestorID is set; when neither is, the top-level accounts are
// listed.
type AccountQuery struct {
	// ParentID selects the children of one account.
	ParentID string
	// AncestorID selects every descendant of one account (its subtree
	// without itself), at any depth.
	AncestorID string
	PageRequest
}

// Accounts stores the account tree.
type Accounts interface {
	// CreateAccount stores a new account and its Owner's membership (owner,
	// with Role RoleOwner and Active true, its AccountID set to a.ID) in one
	// transaction, and returns the account as stored. The backend sets
	// Ancestors from the parent and OwnerID from owner.UserID. A child of an
	// account at MaxAccountDepth is refused with ErrDepthExceeded; a
	// missing parent with ErrNotFound; a taken ID with ErrAlreadyExists; an
	// empty ID or owner user ID with an error. Nothing is written on error.
	CreateAccount(ctx context.Context, a Account, owner Membership) (Account, error)
	// GetAccount returns the account with the ID, or ErrNotFound.
	GetAccount(ctx context.Context, id string) (Account, error)
	// UpdateAccount reads the account, applies fn and writes the result in
	// one transaction. fn may be called more than once and returns an
	// error to write nothing. ID, ParentID, Ancestors, OwnerID and
	// CreatedAt cannot change: the backend keeps the stored values.
	UpdateAccount(ctx context.Context, id string, fn func(old Account) (Account, error)) (Account, error)
	// ListAccounts returns one page of the accounts q selects, ordered by
	// ID, and the Next cursor, empty on the last page. It reads only that
	// page's records.
	ListAccounts(ctx context.Context, q AccountQuery) ([]Account, string, error)
	// CountAccounts returns the number of accounts, without reading them.
	CountAccounts(ctx context.Context) (int, error)
	// ListVATRechecksDue returns up to limit accounts whose VAT.NextCheckAt
	// is set and not after now, the earliest first (then by ID). Limit is
	// DefaultPageSize when zero or less and at most MaxPageSize. It reads
	// only the accounts it returns, through an index on NextCheckAt.
	ListVATRechecksDue(ctx context.Context, now time.Time, limit int) ([]Account, error)
}
