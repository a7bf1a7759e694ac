package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gorilla/mux"
	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/api"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/provider"
	"github.com/gatehouse-id/gatehouse/storage"
)

// apiTokens verifies the management API's bearer tokens with the
// provider (api.Verifier): the same checks as userinfo and introspection.
type apiTokens struct {
	prov *provider.Provider
}

var _ api.Verifier = apiTokens{}

// Verify implements api.Verifier with provider.VerifyAccessToken.
func (v apiTokens) Verify(ctx context.Context, raw string) (api.Token, error) {
	t, err := v.prov.VerifyAccessToken(ctx, raw)
	if errors.Is(err, provider.ErrInvalidAccessToken) {
		return api.Token{}, api.ErrInvalidToken
	}
	if err != nil {
		return api.Token{}, err
	}
	return api.Token{Subject: t.Subject, ClientID: t.ClientID, Client: t.Client, Scopes: t.Scopes, AccountID: t.AccountID,
		AuthTime: t.AuthTime, AMR: t.AMR, ExpiresAt: t.ExpiresAt, Claims: t.Claims}, nil
}

// apiClientActors turns API clients' tokens into iam actors
// (api.ClientActors): a client that can no longer act gets 401.
type apiClientActors struct {
	accounts *iam.Service
}

var _ api.ClientActors = apiClientActors{}

// ClientActor implements api.ClientActors with iam.ActingAPIClient.
func (c apiClientActors) ClientActor(ctx context.Context, t api.Token, ip, userAgent string) (iam.Actor, error) {
	a, err := c.accounts.ActingAPIClient(ctx, t.ClientID, ip, userAgent)
	if errors.Is(err, iam.ErrClientCannotAct) {
		return iam.Actor{}, fmt.Errorf("%w: %w", api.ErrInvalidToken, err)
	}
	return a, err
}

// mountAPI mounts the management API (package api) under /api/v1 on the
// public router, authenticated by the provider's access tokens, with the
// rules of accounts and the e-mails of composer.
func mountAPI(r *mux.Router, prov *provider.Provider, accounts *iam.Service, users storage.Users, mailer notify.Mailer,
	composer *notify.Composer, issuer string, lang language.Tag, clientIP func(*http.Request) string, logger *slog.Logger) error {
	h, err := api.New(api.Deps{
		IAM:   accounts,
		Users: users,
		Auth:  api.Bearer{Verifier: apiTokens{prov: prov}, Clients: apiClientActors{accounts: accounts}, ClientIP: clientIP},
		Notifier: &apiMail{mailer: mailer, messages: composer, users: users,
			inviteBase: strings.TrimRight(issuer, "/") + "/invite/", logger: logger},
		BaseURL:         issuer,
		DefaultLanguage: lang,
		Logger:          logger,
	})
	if err != nil {
		return fmt.Errorf("start management API: %w", err)
	}
	h.Mount(r)
	return nil
}

// apiMail sends the API's e-mails (api.Notifier), each in its
// recipient's language, as the console sends them. A failure is logged:
// the change it reports is already made.
type apiMail struct {
	mailer   notify.Mailer
	messages *notify.Composer
	users    storage.Users
	// inviteBase is "<issuer>/invite/", the start of an invitation link.
	inviteBase string
	logger     *slog.Logger
}

var _ api.Notifier = (*apiMail)(nil)

// send composes a message in locale's language and sends it.
func (m *apiMail) send(ctx context.Context, locale, what string, compose func(*notify.Composer) (notify.Email, error)) {
	e, err := compose(m.messages.ForLocale(locale))
	if err == nil {
		err = m.mailer.SendEmail(ctx, e)
	}
	if err != nil {
		m.logger.WarnContext(ctx, "api "+what+" not sent", "err", err)
	}
}

// user returns the user with the ID; ok is false when it cannot be read.
func (m *apiMail) user(ctx context.Context, id string) (storage.User, bool) {
	u, err := m.users.GetUser(ctx, id)
	if err != nil {
		m.logger.WarnContext(ctx, "api e-mail: user not read", "user_id", id, "err", err)
		return storage.User{}, false
	}
	return u, true
}

// apiDisplayName returns u's display name, or the address when it has none.
func apiDisplayName(u storage.User) string {
	if n := u.Name(); n != "" {
		return n
	}
	return u.Email
}

// Invited implements api.Notifier: the invitation's link, in the
// language of the invited address's user when there is one.
func (m *apiMail) Invited(ctx context.Context, inv iam.IssuedInvitation, inviterID string) {
	locale := ""
	if u, err := m.users.GetUserByEmail(ctx, inv.Invitation.Email); err == nil {
		locale = u.Locale
	}
	inviter := "Gatehouse"
	if u, ok := m.user(ctx, inviterID); inviterID != "" && ok {
		inviter = apiDisplayName(u)
	}
	i := inv.Invitation
	m.send(ctx, locale, "invitation", func(c *notify.Composer) (notify.Email, error) {
		return c.InvitationEmail(i.Email, i.Name, inv.Account.Name, inviter, string(i.Role), m.inviteBase+inv.Token, i.ExpiresAt)
	})
}

// RoleChanged implements api.Notifier.
func (m *apiMail) RoleChanged(ctx context.Context, rc iam.RoleChange) {
	u, ok := m.user(ctx, rc.Membership.UserID)
	if !ok {
		return
	}
	m.send(ctx, u.Locale, "role change notice", func(c *notify.Composer) (notify.Email, error) {
		return c.RoleChangedEmail(u.Email, u.Name(), rc.Account.Name, string(rc.Membership.Role), rc.Membership.UpdatedAt)
	})
}

// Removed implements api.Notifier.
func (m *apiMail) Removed(ctx context.Context, ms storage.Membership, a storage.Account) {
	u, ok := m.user(ctx, ms.UserID)
	if !ok {
		return
	}
	m.send(ctx, u.Locale, "removal notice", func(c *notify.Composer) (notify.Email, error) {
		return c.MemberRemovedEmail(u.Email, u.Name(), a.Name, ms.RemovedAt)
	})
}

// Transferred implements api.Notifier: both people are told.
func (m *apiMail) Transferred(ctx context.Context, t iam.Transfer) {
	from, okFrom := m.user(ctx, t.FromUserID)
	to, okTo := m.user(ctx, t.ToUserID)
	if !okFrom || !okTo {
		return
	}
	at := t.Account.UpdatedAt
	m.send(ctx, to.Locale, "ownership notice", func(c *notify.Composer) (notify.Email, error) {
		return c.OwnershipReceivedEmail(to.Email, to.Name(), t.Account.Name, apiDisplayName(from), at)
	})
	m.send(ctx, from.Locale, "ownership notice", func(c *notify.Composer) (notify.Email, error) {
		return c.OwnershipHandedOverEmail(from.Email, from.Name(), t.Account.Name, apiDisplayName(to), at)
	})
}
