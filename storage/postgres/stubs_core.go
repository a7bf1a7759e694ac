package postgres

import (
	"context"

	"github.com/gatehouse-id/gatehouse/storage"
)

// Users

// CreateUser is not implemented yet.
func (s *Store) CreateUser(context.Context, storage.User) error {
	return errNotImplemented
}

// GetUser is not implemented yet.
func (s *Store) GetUser(context.Context, string) (storage.User, error) {
	return storage.User{}, errNotImplemented
}

// GetUserByEmail is not implemented yet.
func (s *Store) GetUserByEmail(context.Context, string) (storage.User, error) {
	return storage.User{}, errNotImplemented
}

// ListUsers is not implemented yet.
func (s *Store) ListUsers(context.Context, storage.PageRequest) ([]storage.User, string, error) {
	return nil, "", errNotImplemented
}

// UpdateUser is not implemented yet.
func (s *Store) UpdateUser(context.Context, string, func(storage.User) (storage.User, error)) (storage.User, error) {
	return storage.User{}, errNotImplemented
}

// Clients

// CreateClient is not implemented yet.
func (s *Store) CreateClient(context.Context, storage.Client) error {
	return errNotImplemented
}

// DeleteClient is not implemented yet.
func (s *Store) DeleteClient(context.Context, string) error {
	return errNotImplemented
}

// GetClient is not implemented yet.
func (s *Store) GetClient(context.Context, string) (storage.Client, error) {
	return storage.Client{}, errNotImplemented
}

// ListAccountClients is not implemented yet.
func (s *Store) ListAccountClients(context.Context, string, storage.ClientKind, storage.PageRequest) ([]storage.Client, string, error) {
	return nil, "", errNotImplemented
}

// ListClients is not implemented yet.
func (s *Store) ListClients(context.Context, storage.PageRequest) ([]storage.Client, string, error) {
	return nil, "", errNotImplemented
}

// UpdateClient is not implemented yet.
func (s *Store) UpdateClient(context.Context, string, func(storage.Client) (storage.Client, error)) (storage.Client, error) {
	return storage.Client{}, errNotImplemented
}

// AuthRequests

// CreateAuthRequest is not implemented yet.
func (s *Store) CreateAuthRequest(context.Context, storage.AuthRequest) error {
	return errNotImplemented
}

// DeleteAuthRequest is not implemented yet.
func (s *Store) DeleteAuthRequest(context.Context, string) error {
	return errNotImplemented
}

// GetAuthCode is not implemented yet.
func (s *Store) GetAuthCode(context.Context, []uint8) (storage.AuthCode, error) {
	return storage.AuthCode{}, errNotImplemented
}

// GetAuthRequest is not implemented yet.
func (s *Store) GetAuthRequest(context.Context, string) (storage.AuthRequest, error) {
	return storage.AuthRequest{}, errNotImplemented
}

// SaveAuthCode is not implemented yet.
func (s *Store) SaveAuthCode(context.Context, storage.AuthCode) error {
	return errNotImplemented
}

// UpdateAuthRequest is not implemented yet.
func (s *Store) UpdateAuthRequest(context.Context, string, func(storage.AuthRequest) (storage.AuthRequest, error)) (storage.AuthRequest, error) {
	return storage.AuthRequest{}, errNotImplemented
}

// Sessions

// CreateSession is not implemented yet.
func (s *Store) CreateSession(context.Context, storage.Session) error {
	return errNotImplemented
}

// DeleteSession is not implemented yet.
func (s *Store) DeleteSession(context.Context, string) error {
	return errNotImplemented
}

// DeleteUserSessions is not implemented yet.
func (s *Store) DeleteUserSessions(context.Context, string, string) (int, error) {
	return 0, errNotImplemented
}

// GetSession is not implemented yet.
func (s *Store) GetSession(context.Context, string) (storage.Session, error) {
	return storage.Session{}, errNotImplemented
}

// ListUserSessions is not implemented yet.
func (s *Store) ListUserSessions(context.Context, string) ([]storage.Session, error) {
	return nil, errNotImplemented
}

// UpdateSession is not implemented yet.
func (s *Store) UpdateSession(context.Context, string, func(storage.Session) (storage.Session, error)) (storage.Session, error) {
	return storage.Session{}, errNotImplemented
}

// Logouts

// CreateLogout is not implemented yet.
func (s *Store) CreateLogout(context.Context, storage.Logout) error {
	return errNotImplemented
}

// DeleteLogout is not implemented yet.
func (s *Store) DeleteLogout(context.Context, string) error {
	return errNotImplemented
}

// GetLogout is not implemented yet.
func (s *Store) GetLogout(context.Context, string) (storage.Logout, error) {
	return storage.Logout{}, errNotImplemented
}

// Keys

// AddSigningKeyAfter is not implemented yet.
func (s *Store) AddSigningKeyAfter(context.Context, string, storage.SigningKey) error {
	return errNotImplemented
}

// AddSigningKeys is not implemented yet.
func (s *Store) AddSigningKeys(context.Context, ...storage.SigningKey) error {
	return errNotImplemented
}

// DeleteSigningKeys is not implemented yet.
func (s *Store) DeleteSigningKeys(context.Context, ...string) error {
	return errNotImplemented
}

// ListSigningKeys is not implemented yet.
func (s *Store) ListSigningKeys(context.Context) ([]storage.SigningKey, error) {
	return nil, errNotImplemented
}

// Secrets

// GetSecret is not implemented yet.
func (s *Store) GetSecret(context.Context, string) ([]uint8, error) {
	return nil, errNotImplemented
}

// PutSecretIfAbsent is not implemented yet.
func (s *Store) PutSecretIfAbsent(context.Context, string, []uint8) ([]uint8, error) {
	return nil, errNotImplemented
}
