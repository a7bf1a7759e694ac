package main

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/metrics"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

// observedStore times the storage calls of the request path and counts
// what they record: the tokens issued by grant (IssueTokens) and the
// sign-in outcomes (the audit events the sign-in appends). Every other
// method is the embedded Store's.
type observedStore struct {
	storage.Store
	m *metrics.Metrics
}

// observeStore returns s measured into m, or s itself when m is nil
// (metrics off).
func observeStore(s storage.Store, m *metrics.Metrics) storage.Store {
	if m == nil {
		return s
	}
	return &observedStore{Store: s, m: m}
}

// expectedErr reports whether err is an answer of the storage contract
// rather than a failure of the backend.
func expectedErr(err error) bool {
	return err == nil || errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrAlreadyExists) ||
		errors.Is(err, storage.ErrReused) || errors.Is(err, storage.ErrConflict)
}

// done records a call of op that started at start and returned err.
func (s *observedStore) done(op string, start time.Time, err error) {
	s.m.StorageCall(op, time.Since(start), !expectedErr(err))
}

// grantOf returns the grant an issuance stands for: a code redemption, a
// refresh rotation, or else client credentials.
func grantOf(iss storage.Issue) string {
	switch {
	case iss.RedeemCode != nil:
		return metrics.GrantAuthorizationCode
	case iss.RotateRefresh != "":
		return metrics.GrantRefreshToken
	}
	return metrics.GrantClientCredentials
}

// IssueTokens times the issuance and counts it by grant when it is stored.
func (s *observedStore) IssueTokens(ctx context.Context, iss storage.Issue, now time.Time) error {
	start := time.Now()
	err := s.Store.IssueTokens(ctx, iss, now)
	s.done("IssueTokens", start, err)
	if err == nil {
		s.m.TokenIssued(grantOf(iss))
	}
	return err
}

// tokenIssuedMetric returns the counter of the tokens the provider issues
// without a storage write (client_credentials), when store is measured;
// the others are counted by IssueTokens above.
func tokenIssuedMetric(store storage.Store) func(grant string) {
	if o, ok := store.(*observedStore); ok {
		return o.m.TokenIssued
	}
	return nil
}

// signInOutcome returns the sign-in result and method an audit event
// records, and false for an event that is no sign-in outcome.
func signInOutcome(e storage.AuditEvent) (result, method string, ok bool) {
	switch e.Action {
	case iam.AuditLoginSuccess:
		return metrics.ResultSuccess, e.Detail["method"], true
	case iam.AuditPasswordFailure:
		return metrics.ResultFailure, "password", true
	case iam.AuditSecondFactorFailure:
		return metrics.ResultFailure, e.Detail["method"], true
	case iam.AuditPasskeyFailure:
		return metrics.ResultFailure, "passkey", true
	case iam.AuditSignInEnded:
		return metrics.ResultEnded, e.Detail["method"], true
	}
	return "", "", false
}

// AppendAudit times the append and counts the sign-in outcome it records,
// whether or not the append succeeded: the outcome happened.
func (s *observedStore) AppendAudit(ctx context.Context, e storage.AuditEvent) error {
	start := time.Now()
	err := s.Store.AppendAudit(ctx, e)
	s.done("AppendAudit", start, err)
	if result, method, ok := signInOutcome(e); ok {
		s.m.SignIn(result, method)
	}
	return err
}

// UpdateAuthRequest is timed.
func (s *observedStore) UpdateAuthRequest(ctx context.Context, id string, fn func(storage.AuthRequest) (storage.AuthRequest, error)) (storage.AuthRequest, error) {
	start := time.Now()
	ar, err := s.Store.UpdateAuthRequest(ctx, id, fn)
	s.done("UpdateAuthRequest", start, err)
	return ar, err
}

// GetAuthRequest is timed.
func (s *observedStore) GetAuthRequest(ctx context.Context, id string) (storage.AuthRequest, error) {
	start := time.Now()
	ar, err := s.Store.GetAuthRequest(ctx, id)
	s.done("GetAuthRequest", start, err)
	return ar, err
}

// CreateAuthRequest is timed.
func (s *observedStore) CreateAuthRequest(ctx context.Context, ar storage.AuthRequest) error {
	start := time.Now()
	err := s.Store.CreateAuthRequest(ctx, ar)
	s.done("CreateAuthRequest", start, err)
	return err
}

// SaveAuthCode is timed.
func (s *observedStore) SaveAuthCode(ctx context.Context, c storage.AuthCode) error {
	start := time.Now()
	err := s.Store.SaveAuthCode(ctx, c)
	s.done("SaveAuthCode", start, err)
	return err
}

// GetClient is timed.
func (s *observedStore) GetClient(ctx context.Context, id string) (storage.Client, error) {
	start := time.Now()
	c, err := s.Store.GetClient(ctx, id)
	s.done("GetClient", start, err)
	return c, err
}

// GetUser is timed.
func (s *observedStore) GetUser(ctx context.Context, id string) (storage.User, error) {
	start := time.Now()
	u, err := s.Store.GetUser(ctx, id)
	s.done("GetUser", start, err)
	return u, err
}

// GetUserByEmail is timed.
func (s *observedStore) GetUserByEmail(ctx context.Context, email string) (storage.User, error) {
	start := time.Now()
	u, err := s.Store.GetUserByEmail(ctx, email)
	s.done("GetUserByEmail", start, err)
	return u, err
}

// GetSession is timed.
func (s *observedStore) GetSession(ctx context.Context, id string) (storage.Session, error) {
	start := time.Now()
	se, err := s.Store.GetSession(ctx, id)
	s.done("GetSession", start, err)
	return se, err
}

// UpdateSession is timed.
func (s *observedStore) UpdateSession(ctx context.Context, id string, fn func(storage.Session) (storage.Session, error)) (storage.Session, error) {
	start := time.Now()
	se, err := s.Store.UpdateSession(ctx, id, fn)
	s.done("UpdateSession", start, err)
	return se, err
}

// CreateSession is timed.
func (s *observedStore) CreateSession(ctx context.Context, se storage.Session) error {
	start := time.Now()
	err := s.Store.CreateSession(ctx, se)
	s.done("CreateSession", start, err)
	return err
}

// GetLoginAttempts is timed: the per-user brute-force counter's read.
func (s *observedStore) GetLoginAttempts(ctx context.Context, userID string) (storage.LoginAttempts, error) {
	start := time.Now()
	a, err := s.Store.GetLoginAttempts(ctx, userID)
	s.done("GetLoginAttempts", start, err)
	return a, err
}

// UpdateLoginAttempts is timed: the per-user brute-force counter's write.
func (s *observedStore) UpdateLoginAttempts(ctx context.Context, userID string, fn func(storage.LoginAttempts) (storage.LoginAttempts, error)) (storage.LoginAttempts, error) {
	start := time.Now()
	a, err := s.Store.UpdateLoginAttempts(ctx, userID, fn)
	s.done("UpdateLoginAttempts", start, err)
	return a, err
}

// GetAccessToken is timed.
func (s *observedStore) GetAccessToken(ctx context.Context, id string) (storage.AccessToken, error) {
	start := time.Now()
	t, err := s.Store.GetAccessToken(ctx, id)
	s.done("GetAccessToken", start, err)
	return t, err
}

// GetRefreshToken is timed.
func (s *observedStore) GetRefreshToken(ctx context.Context, id string) (storage.RefreshToken, error) {
	start := time.Now()
	t, err := s.Store.GetRefreshToken(ctx, id)
	s.done("GetRefreshToken", start, err)
	return t, err
}

// UpdateOTPChallenge is timed: a one-time code's tries.
func (s *observedStore) UpdateOTPChallenge(ctx context.Context, id string, fn func(storage.OTPChallenge) (storage.OTPChallenge, error)) (storage.OTPChallenge, error) {
	start := time.Now()
	c, err := s.Store.UpdateOTPChallenge(ctx, id, fn)
	s.done("UpdateOTPChallenge", start, err)
	return c, err
}

// countingMailer counts the codes it hands to its Mailer (notify.Email's
// IsCode: sign-in codes and address checks), by channel "email".
type countingMailer struct {
	notify.Mailer
	m *metrics.Metrics
}

// SendEmail sends msg and counts it when it is a code that was handed
// over.
func (c countingMailer) SendEmail(ctx context.Context, msg notify.Email) error {
	err := c.Mailer.SendEmail(ctx, msg)
	if err == nil && msg.IsCode() {
		c.m.CodeSent(metrics.ChannelEmail)
	}
	return err
}

// countingTexter counts the text messages it hands to its Texter; every
// text message Gatehouse sends is a code.
type countingTexter struct {
	notify.Texter
	m *metrics.Metrics
}

// SendSMS sends msg and counts it when it was handed over.
func (c countingTexter) SendSMS(ctx context.Context, msg notify.SMS) error {
	err := c.Texter.SendSMS(ctx, msg)
	if err == nil {
		c.m.CodeSent(metrics.ChannelSMS)
	}
	return err
}

// observeDelivery returns mailer and texter counted into m; they are
// returned as they are when m is nil, and a nil texter (SMS off) stays
// nil.
func observeDelivery(mailer notify.Mailer, texter notify.Texter, m *metrics.Metrics) (notify.Mailer, notify.Texter) {
	if m == nil {
		return mailer, texter
	}
	if texter != nil {
		texter = countingTexter{Texter: texter, m: m}
	}
	return countingMailer{Mailer: mailer, m: m}, texter
}
