package boltdb

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/gatehouse-id/gatehouse/storage"
)

// clientRecord is the stored form of storage.Client. Durations are
// nanoseconds.
type clientRecord struct {
	ID                     string    `json:"id"`
	Name                   string    `json:"name,omitempty"`
	LogoURI                string    `json:"logo_uri,omitempty"`
	ClientURI              string    `json:"client_uri,omitempty"`
	SecretHash             []byte    `json:"secret_hash,omitempty"`
	Public                 bool      `json:"public,omitempty"`
	RedirectURIs           []string  `json:"redirect_uris,omitempty"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes             []string  `json:"grant_types,omitempty"`
	RequirePKCE            bool      `json:"require_pkce,omitempty"`
	IDTokenAlg             string    `json:"id_token_alg,omitempty"`
	AccessTokenLifetime    int64     `json:"access_token_lifetime,omitempty"`
	IDTokenLifetime        int64     `json:"id_token_lifetime,omitempty"`
	RefreshTokenLifetime   int64     `json:"refresh_token_lifetime,omitempty"`
	AccountID              string    `json:"account_id,omitempty"`
	CreatedAt              time.Time `json:"created_at,omitzero"`
	// API is set for an API client only.
	API *apiClientRecord `json:"api,omitempty"`
}

// apiClientRecord is the stored form of storage.APIClient.
type apiClientRecord struct {
	OwnerID   string    `json:"owner_id,omitempty"`
	Type      string    `json:"type"`
	Enabled   bool      `json:"enabled"`
	Locked    bool      `json:"locked,omitempty"`
	Scopes    []string  `json:"scopes,omitempty"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// bucketClientsByAccount indexes clients by account and kind.
const bucketClientsByAccount = "clients_by_account" // account ID \0 kind \0 client ID -> empty

func marshalClient(c storage.Client) clientRecord {
	return clientRecord{
		ID:                     c.ID,
		Name:                   c.Name,
		LogoURI:                c.LogoURI,
		ClientURI:              c.ClientURI,
		SecretHash:             c.SecretHash,
		Public:                 c.Public,
		RedirectURIs:           c.RedirectURIs,
		PostLogoutRedirectURIs: c.PostLogoutRedirectURIs,
		GrantTypes:             c.GrantTypes,
		RequirePKCE:            c.RequirePKCE,
		IDTokenAlg:             c.IDTokenAlg,
		AccessTokenLifetime:    int64(c.AccessTokenLifetime),
		IDTokenLifetime:        int64(c.IDTokenLifetime),
		RefreshTokenLifetime:   int64(c.RefreshTokenLifetime),
		AccountID:              c.AccountID,
		CreatedAt:              utc(c.CreatedAt),
		API:                    marshalAPIClient(c.API),
	}
}

func marshalAPIClient(a *storage.APIClient) *apiClientRecord {
	if a == nil {
		return nil
	}
	return &apiClientRecord{OwnerID: a.OwnerID, Type: string(a.Type), Enabled: a.Enabled, Locked: a.Locked,
		Scopes: a.Scopes, UpdatedAt: utc(a.UpdatedAt)}
}

func (r *apiClientRecord) apiClient() *storage.APIClient {
	if r == nil {
		return nil
	}
	return &storage.APIClient{OwnerID: r.OwnerID, Type: storage.APIClientType(r.Type), Enabled: r.Enabled, Locked: r.Locked,
		Scopes: r.Scopes, UpdatedAt: r.UpdatedAt}
}

// clientIndexKey is the client's key in bucketClientsByAccount, or nil
// for a client of no account.
func clientIndexKey(c storage.Client) []byte {
	if c.AccountID == "" {
		return nil
	}
	return indexKey(c.AccountID, string(c.Kind()), c.ID)
}

// indexClient adds the client's account index entry, if it has one.
func indexClient(tx *bolt.Tx, c storage.Client) error {
	k := clientIndexKey(c)
	if k == nil {
		return nil
	}
	if err := bucket(tx, bucketClientsByAccount).Put(k, nil); err != nil {
		return fmt.Errorf("index client: %w", err)
	}
	return nil
}

// unindexClient removes the client's account index entry, if it has one.
func unindexClient(tx *bolt.Tx, c storage.Client) error {
	k := clientIndexKey(c)
	if k == nil {
		return nil
	}
	if err := bucket(tx, bucketClientsByAccount).Delete(k); err != nil {
		return fmt.Errorf("unindex client: %w", err)
	}
	return nil
}

// backfillClientsByAccount fills the account index of clients in a file
// written before schema version 3.
func backfillClientsByAccount(tx *bolt.Tx) error {
	return bucket(tx, bucketClients).ForEach(func(_, v []byte) error {
		r, err := decodeRecord[clientRecord](bucketClients, v)
		if err != nil {
			return err
		}
		return indexClient(tx, r.client())
	})
}

func (r clientRecord) client() storage.Client {
	return storage.Client{
		ID:                     r.ID,
		Name:                   r.Name,
		LogoURI:                r.LogoURI,
		ClientURI:              r.ClientURI,
		SecretHash:             r.SecretHash,
		Public:                 r.Public,
		RedirectURIs:           r.RedirectURIs,
		PostLogoutRedirectURIs: r.PostLogoutRedirectURIs,
		GrantTypes:             r.GrantTypes,
		RequirePKCE:            r.RequirePKCE,
		IDTokenAlg:             r.IDTokenAlg,
		AccessTokenLifetime:    time.Duration(r.AccessTokenLifetime),
		IDTokenLifetime:        time.Duration(r.IDTokenLifetime),
		RefreshTokenLifetime:   time.Duration(r.RefreshTokenLifetime),
		AccountID:              r.AccountID,
		CreatedAt:              r.CreatedAt,
		API:                    r.API.apiClient(),
	}
}

// CreateClient stores a new client or returns storage.ErrAlreadyExists.
func (db *DB) CreateClient(ctx context.Context, c storage.Client) error {
	if err := checkID("create client", c.ID); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if bucket(tx, bucketClients).Get([]byte(c.ID)) != nil {
			return storage.ErrAlreadyExists
		}
		if err := indexClient(tx, c); err != nil {
			return err
		}
		return putRecord(tx, bucketClients, []byte(c.ID), marshalClient(c))
	})
	if err != nil {
		return fmt.Errorf("create client: %w", err)
	}
	return nil
}

// GetClient returns the client or storage.ErrNotFound.
func (db *DB) GetClient(ctx context.Context, id string) (storage.Client, error) {
	var c storage.Client
	err := db.view(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[clientRecord](tx, bucketClients, []byte(id))
		c = r.client()
		return err
	})
	if err != nil {
		return storage.Client{}, fmt.Errorf("get client: %w", err)
	}
	return c, nil
}

// ListClients returns one page of the clients ordered by ID.
func (db *DB) ListClients(ctx context.Context, p storage.PageRequest) ([]storage.Client, string, error) {
	var (
		clients []storage.Client
		next    string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		next, err = pageKeys(bucket(tx, bucketClients), nil, p, func(id string, _ []byte) error {
			r, err := getRecord[clientRecord](tx, bucketClients, []byte(id))
			if err != nil {
				return err
			}
			clients = append(clients, r.client())
			return nil
		})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list clients: %w", err)
	}
	return clients, next, nil
}

// ListAccountClients returns one page of the account's clients of one
// kind, ordered by ID, through the account index.
func (db *DB) ListAccountClients(ctx context.Context, accountID string, kind storage.ClientKind, p storage.PageRequest) ([]storage.Client, string, error) {
	var (
		out  []storage.Client
		next string
	)
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		out, next, err = pageRecords(tx, bucketClientsByAccount, indexPrefix(accountID, string(kind)), p,
			func(tx *bolt.Tx, id string) (storage.Client, error) {
				r, err := getRecord[clientRecord](tx, bucketClients, []byte(id))
				return r.client(), err
			})
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list account clients: %w", err)
	}
	return out, next, nil
}

// UpdateClient applies fn to the client in one transaction. An error from
// fn aborts without writing; a changed ID is an error.
func (db *DB) UpdateClient(ctx context.Context, id string, fn func(old storage.Client) (storage.Client, error)) (storage.Client, error) {
	var updated storage.Client
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[clientRecord](tx, bucketClients, []byte(id))
		if err != nil {
			return err
		}
		c, err := fn(r.client())
		if err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("id changed to %q", c.ID)
		}
		if err := unindexClient(tx, r.client()); err != nil {
			return err
		}
		if err := indexClient(tx, c); err != nil {
			return err
		}
		rec := marshalClient(c)
		if err := putRecord(tx, bucketClients, []byte(id), rec); err != nil {
			return err
		}
		updated = rec.client()
		return nil
	})
	if err != nil {
		return storage.Client{}, fmt.Errorf("update client: %w", err)
	}
	return updated, nil
}

// DeleteClient removes the client or returns storage.ErrNotFound. Tokens
// already issued to the client stay until they expire or are revoked.
func (db *DB) DeleteClient(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		r, err := getRecord[clientRecord](tx, bucketClients, []byte(id))
		if err != nil {
			return err
		}
		if err := unindexClient(tx, r.client()); err != nil {
			return err
		}
		return bucket(tx, bucketClients).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("delete client: %w", err)
	}
	return nil
}
