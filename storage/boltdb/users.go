package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// userRecord is the stored form of storage.User.
type userRecord struct {
	ID            string    `json:"id"`
	Email         string    `json:"email"`
	EmailVerified bool      `json:"email_verified,omitempty"`
	GivenName     string    `json:"given_name,omitempty"`
	FamilyName    string    `json:"family_name,omitempty"`
	Phone         string    `json:"phone,omitempty"`
	PhoneVerified bool      `json:"phone_verified,omitempty"`
	Locale        string    `json:"locale,omitempty"`
	PasswordHash  string    `json:"password_hash,omitempty"`
	State         string    `json:"state,omitempty"`
	MFAMethod     string    `json:"mfa_method,omitempty"`
	LastAccountID string    `json:"last_account_id,omitempty"`
	CreatedAt     time.Time `json:"created_at,omitzero"`
	UpdatedAt     time.Time `json:"updated_at,omitzero"`
}

func marshalUser(u storage.User) userRecord {
	return userRecord{
		ID:            u.ID,
		Email:         u.Email,
		EmailVerified: u.EmailVerified,
		GivenName:     u.GivenName,
		FamilyName:    u.FamilyName,
		Phone:         u.Phone,
		PhoneVerified: u.PhoneVerified,
		Locale:        u.Locale,
		PasswordHash:  u.PasswordHash,
		State:         string(u.State),
		MFAMethod:     u.MFAMethod,
		LastAccountID: u.LastAccountID,
		CreatedAt:     utc(u.CreatedAt),
		UpdatedAt:     utc(u.UpdatedAt),
	}
}

func (r userRecord) user() storage.User {
	return storage.User{
		ID:            r.ID,
		Email:         r.Email,
		EmailVerified: r.EmailVerified,
		GivenName:     r.GivenName,
		FamilyName:    r.FamilyName,
		Phone:         r.Phone,
		PhoneVerified: r.PhoneVerified,
		Locale:        r.Locale,
		PasswordHash:  r.PasswordHash,
		State:         storage.UserState(r.State),
		MFAMethod:     r.MFAMethod,
		LastAccountID: r.LastAccountID,
		CreatedAt:     r.CreatedAt,
		UpdatedAt:     r.UpdatedAt,
	}
}

// CreateUser stores a new user. It returns storage.ErrAlreadyExists when the
// ID or the normalized e-mail is taken.
func (db *DB) CreateUser(ctx context.Context, u storage.User) error {
	if err := checkID("create user", u.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketUsers).Get([]byte(u.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		email := []byte(storage.NormalizeEmail(u.Email))
		if bucket(tx, bucketUsersByEmail).Get(email) != nil {
			return storage.ErrAlreadyExists
		}
		if err := bucket(tx, bucketUsersByEmail).Put(email, []byte(u.ID)); err != nil {
			return err
		}
		return putRecord(tx, bucketUsers, []byte(u.ID), marshalUser(u))
	})
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

// ImportUsers creates many users in one transaction, with the checks of
// CreateUser: nothing is written when one ID or normalized e-mail is taken
// or repeated. It is for bulk loads (a benchmark's million users, an
// import), where one transaction per user would cost a commit each; keep a
// call to some thousands of users.
func (db *DB) ImportUsers(ctx context.Context, users []storage.User) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		byID, byEmail := bucket(tx, bucketUsers), bucket(tx, bucketUsersByEmail)
		for _, u := range users {
			if err := checkID("import user", u.ID); err != nil {
				return err
			}
			email := []byte(storage.NormalizeEmail(u.Email))
			if byID.Get([]byte(u.ID)) != nil || byEmail.Get(email) != nil {
				return fmt.Errorf("user %s <%s>: %w", u.ID, u.Email, storage.ErrAlreadyExists)
			}
			if err := byEmail.Put(email, []byte(u.ID)); err != nil {
				return err
			}
			if err := putRecord(tx, bucketUsers, []byte(u.ID), marshalUser(u)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("import users: %w", err)
	}
	return nil
}

// GetUser returns the user with the ID or storage.ErrNotFound.
func (db *DB) GetUser(ctx context.Context, id string) (storage.User, error) {
	var u storage.User
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		u, err = getUser(tx, id)
		return err
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

// GetUserByEmail looks a user up by e-mail, case-insensitively, or returns
// storage.ErrNotFound.
func (db *DB) GetUserByEmail(ctx context.Context, email string) (storage.User, error) {
	var u storage.User
	err := db.view(ctx, func(tx *bolt.Tx) error {
		id := bucket(tx, bucketUsersByEmail).Get([]byte(storage.NormalizeEmail(email)))
		if id == nil {
			return storage.ErrNotFound
		}
		var err error
		u, err = getUser(tx, string(id))
		return err
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("get user by email: %w", err)
	}
	return u, nil
}

// ListUsers returns one page of the users ordered by normalized e-mail,
// through the e-mail index; the cursor is the index key.
func (db *DB) ListUsers(ctx context.Context, p storage.PageRequest) ([]storage.User, string, error) {
	var (
		users []storage.User
		next  string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		next, err = pageKeys(bucket(tx, bucketUsersByEmail), nil, p, func(email string, id []byte) error {
			u, err := getUser(tx, string(id))
			if err != nil {
				return fmt.Errorf("user %q of the e-mail index entry %q: %w", id, email, err)
			}
			users = append(users, u)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list users: %w", err)
	}
	return users, next, nil
}

// UpdateUser reads the user, applies fn and writes the result in one
// transaction. A changed e-mail moves the e-mail index entry in the same
// transaction, or fails with storage.ErrAlreadyExists when the new e-mail
// belongs to another user. An error from fn aborts without writing; a
// changed ID is an error.
func (db *DB) UpdateUser(ctx context.Context, id string, fn func(old storage.User) (storage.User, error)) (storage.User, error) {
	var updated storage.User
	err := db.update(ctx, func(tx *bolt.Tx) error {
		old, err := getUser(tx, id)
		if err != nil {
			return err
		}
		u, err := fn(old)
		if err != nil {
			return err
		}
		if u.ID != old.ID {
			return fmt.Errorf("id changed to %q", u.ID)
		}
		oldEmail, newEmail := storage.NormalizeEmail(old.Email), storage.NormalizeEmail(u.Email)
		if oldEmail != newEmail {
			idx := bucket(tx, bucketUsersByEmail)
			if idx.Get([]byte(newEmail)) != nil {
				return storage.ErrAlreadyExists
			}
			if err := idx.Delete([]byte(oldEmail)); err != nil {
				return err
			}
			if err := idx.Put([]byte(newEmail), []byte(u.ID)); err != nil {
				return err
			}
		}
		rec := marshalUser(u)
		if err := putRecord(tx, bucketUsers, []byte(id), rec); err != nil {
			return err
		}
		updated = rec.user()
		return nil
	})
	if err != nil {
		return storage.User{}, fmt.Errorf("update user: %w", err)
	}
	return updated, nil
}

// getUser loads one user.
func getUser(tx *bolt.Tx, id string) (storage.User, error) {
	r, err := getRecord[userRecord](tx, bucketUsers, []byte(id))
	if err != nil {
		return storage.User{}, err
	}
	return r.user(), nil
}
