package boltdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Buckets of the account tree.
const (
	bucketAccounts           = "accounts"             // account ID -> accountRecord
	bucketAccountsByParent   = "accounts_by_parent"   // parent ID ("" at the top) \0 account ID -> empty
	bucketAccountsByAncestor = "accounts_by_ancestor" // ancestor ID \0 descendant ID -> empty
	// bucketAccountsByVATRecheck holds the accounts whose VAT number is
	// due for a re-check: vatRecheckTime(NextCheckAt) \0 account ID -> empty.
	bucketAccountsByVATRecheck = "accounts_by_vat_recheck"
)

// accountRecord is the stored form of storage.Account.
type accountRecord struct {
	ID                       string    `json:"id"`
	Name                     string    `json:"name,omitempty"`
	Email                    string    `json:"email,omitempty"`
	Type                     string    `json:"type,omitempty"`
	Status                   string    `json:"status,omitempty"`
	StatusReason             string    `json:"status_reason,omitempty"`
	PendingReasons           []string  `json:"pending_reasons,omitempty"`
	ParentID                 string    `json:"parent_id,omitempty"`
	Ancestors                []string  `json:"ancestors,omitempty"`
	OwnerID                  string    `json:"owner_id"`
	RequirePhishingResistant bool      `json:"require_phishing_resistant,omitempty"`
	ForbidTrustedDevices     bool      `json:"forbid_trusted_devices,omitempty"`
	Business                 business  `json:"business,omitzero"`
	VAT                      vatCheck  `json:"vat,omitzero"`
	CreatedAt                time.Time `json:"created_at,omitzero"`
	UpdatedAt                time.Time `json:"updated_at,omitzero"`
}

// business is the stored form of storage.BusinessDetails.
type business struct {
	CompanyName string `json:"company_name,omitempty"`
	Street      string `json:"street,omitempty"`
	Postcode    string `json:"postcode,omitempty"`
	City        string `json:"city,omitempty"`
	Country     string `json:"country,omitempty"`
	Phone       string `json:"phone,omitempty"`
	VATNumber   string `json:"vat_number,omitempty"`
}

// vatCheck is the stored form of storage.VATCheck.
type vatCheck struct {
	Status           string    `json:"status,omitempty"`
	Source           string    `json:"source,omitempty"`
	CheckedAt        time.Time `json:"checked_at,omitzero"`
	UnreachableSince time.Time `json:"unreachable_since,omitzero"`
	NextCheckAt      time.Time `json:"next_check_at,omitzero"`
}

func marshalAccount(a storage.Account) accountRecord {
	return accountRecord{
		ID: a.ID, Name: a.Name, Email: a.Email, Type: string(a.Type), Status: string(a.Status),
		StatusReason: a.StatusReason, PendingReasons: slices.Clone(a.PendingReasons),
		ParentID: a.ParentID, Ancestors: slices.Clone(a.Ancestors), OwnerID: a.OwnerID,
		RequirePhishingResistant: a.Policy.RequirePhishingResistant, ForbidTrustedDevices: a.Policy.ForbidTrustedDevices,
		Business: business(a.Business),
		VAT: vatCheck{Status: a.VAT.Status, Source: a.VAT.Source, CheckedAt: utc(a.VAT.CheckedAt),
			UnreachableSince: utc(a.VAT.UnreachableSince), NextCheckAt: utc(a.VAT.NextCheckAt)},
		CreatedAt: utc(a.CreatedAt), UpdatedAt: utc(a.UpdatedAt),
	}
}

func (r accountRecord) account() storage.Account {
	return storage.Account{
		ID: r.ID, Name: r.Name, Email: r.Email, Type: storage.AccountType(r.Type), Status: storage.AccountStatus(r.Status),
		StatusReason: r.StatusReason, PendingReasons: r.PendingReasons,
		ParentID: r.ParentID, Ancestors: r.Ancestors, OwnerID: r.OwnerID,
		Policy:    storage.AccountPolicy{RequirePhishingResistant: r.RequirePhishingResistant, ForbidTrustedDevices: r.ForbidTrustedDevices},
		Business:  storage.BusinessDetails(r.Business),
		VAT:       storage.VATCheck(r.VAT),
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// CreateAccount stores a new account, its index entries under its parent
// and each ancestor, and its Owner's membership, in one transaction.
func (db *DB) CreateAccount(ctx context.Context, a storage.Account, owner storage.Membership) (storage.Account, error) {
	if err := checkID("create account", a.ID); err != nil {
		return storage.Account{}, err
	}
	if err := checkID("create account owner", owner.UserID); err != nil {
		return storage.Account{}, err
	}
	var created storage.Account
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketAccounts).Get([]byte(a.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		a.Ancestors = nil
		if a.ParentID != "" {
			parent, err := getAccount(tx, a.ParentID)
			if err != nil {
				return fmt.Errorf("parent %s: %w", a.ParentID, err)
			}
			if parent.Depth() >= storage.MaxAccountDepth {
				return fmt.Errorf("parent %s is at level %d, the deepest of %d levels: %w",
					parent.ID, parent.Depth(), storage.MaxAccountDepth, storage.ErrDepthExceeded)
			}
			a.Ancestors = append(slices.Clone(parent.Ancestors), parent.ID)
		}
		a.OwnerID = owner.UserID
		if err := putAccount(tx, a); err != nil {
			return err
		}
		if err := indexAccount(tx, a); err != nil {
			return err
		}
		if err := reindexVATRecheck(tx, a.ID, time.Time{}, a.VAT.NextCheckAt); err != nil {
			return err
		}
		owner.AccountID, owner.Role, owner.Active, owner.RemovedAt = a.ID, storage.RoleOwner, true, time.Time{}
		if err := putMembership(tx, owner); err != nil {
			return err
		}
		created = marshalAccount(a).account()
		return addCounter(tx, keyAccountCount, 1)
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("create account: %w", err)
	}
	return created, nil
}

// indexAccount adds a new account to the parent and ancestor indexes.
func indexAccount(tx *bolt.Tx, a storage.Account) error {
	if err := bucket(tx, bucketAccountsByParent).Put(indexKey(a.ParentID, a.ID), nil); err != nil {
		return fmt.Errorf("index account by parent: %w", err)
	}
	for _, anc := range a.Ancestors {
		if err := bucket(tx, bucketAccountsByAncestor).Put(indexKey(anc, a.ID), nil); err != nil {
			return fmt.Errorf("index account by ancestor: %w", err)
		}
	}
	return nil
}

// GetAccount returns the account with the ID, or storage.ErrNotFound.
func (db *DB) GetAccount(ctx context.Context, id string) (storage.Account, error) {
	var a storage.Account
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		a, err = getAccount(tx, id)
		return err
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// UpdateAccount reads the account, applies fn and writes the result in one
// transaction, keeping the fields that never change.
func (db *DB) UpdateAccount(ctx context.Context, id string, fn func(old storage.Account) (storage.Account, error)) (storage.Account, error) {
	var updated storage.Account
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, err := getAccount(tx, id)
		if err != nil {
			return err
		}
		a, err := fn(old)
		if err != nil {
			return err
		}
		a.ID, a.ParentID, a.Ancestors, a.OwnerID, a.CreatedAt = old.ID, old.ParentID, old.Ancestors, old.OwnerID, old.CreatedAt
		if err := putAccount(tx, a); err != nil {
			return err
		}
		if err := reindexVATRecheck(tx, a.ID, old.VAT.NextCheckAt, a.VAT.NextCheckAt); err != nil {
			return err
		}
		updated = marshalAccount(a).account()
		return nil
	})
	if err != nil {
		return storage.Account{}, fmt.Errorf("update account: %w", err)
	}
	return updated, nil
}

// ListAccounts returns one page of the children of q.ParentID, of the
// descendants of q.AncestorID, or of the top-level accounts, through the
// parent or ancestor index.
func (db *DB) ListAccounts(ctx context.Context, q storage.AccountQuery) ([]storage.Account, string, error) {
	if q.ParentID != "" && q.AncestorID != "" {
		return nil, "", errors.New("list accounts: both a parent and an ancestor given")
	}
	index, prefix := bucketAccountsByParent, indexPrefix(q.ParentID)
	if q.AncestorID != "" {
		index, prefix = bucketAccountsByAncestor, indexPrefix(q.AncestorID)
	}
	var (
		out  []storage.Account
		next string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, next, err = pageRecords(tx, index, prefix, q.PageRequest, getAccount)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list accounts: %w", err)
	}
	return out, next, nil
}

// CountAccounts returns the number of accounts from the counter that
// CreateAccount keeps.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int64
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = readCounter(bucket(tx, bucketMeta), keyAccountCount)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return int(n), nil
}

// getAccount loads one account.
func getAccount(tx *bolt.Tx, id string) (storage.Account, error) {
	r, err := getRecord[accountRecord](tx, bucketAccounts, []byte(id))
	if err != nil {
		return storage.Account{}, err
	}
	return r.account(), nil
}

// putAccount stores one account. It does not maintain the VAT re-check
// index: a caller that may change VAT.NextCheckAt calls reindexVATRecheck.
func putAccount(tx *bolt.Tx, a storage.Account) error {
	return putRecord(tx, bucketAccounts, []byte(a.ID), marshalAccount(a))
}
