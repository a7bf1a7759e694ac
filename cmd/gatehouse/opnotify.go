package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
)

// opNotifier e-mails the people an operator's account change concerns, as
// the console does for the same changes: a role change and a removal tell
// the member, an ownership transfer tells both people. A failure is logged
// and changes nothing: the change is already made and audited.
type opNotifier struct {
	mailer   notify.Mailer
	composer *notify.Composer
	store    storage.Store
	now      func() time.Time
	logger   *slog.Logger
}

// after sends the e-mails of the operation name, whose result is res.
func (n *opNotifier) after(ctx context.Context, name string, res any) {
	if n == nil {
		return
	}
	at := n.now().UTC()
	switch v := res.(type) {
	case memberJSON:
		switch name {
		case "member.set-role":
			n.send(ctx, v.UserID, "role change notice", func(c *notify.Composer, u storage.User) (notify.Email, error) {
				return c.RoleChangedEmail(u.Email, u.Name(), n.accountName(ctx, v.AccountID), v.Role, at)
			})
		case "member.remove":
			n.send(ctx, v.UserID, "removal notice", func(c *notify.Composer, u storage.User) (notify.Email, error) {
				return c.MemberRemovedEmail(u.Email, u.Name(), n.accountName(ctx, v.AccountID), at)
			})
		}
	case transferJSON:
		from, to := n.name(ctx, v.FromUserID), n.name(ctx, v.ToUserID)
		n.send(ctx, v.ToUserID, "ownership notice", func(c *notify.Composer, u storage.User) (notify.Email, error) {
			return c.OwnershipReceivedEmail(u.Email, u.Name(), v.Account.Name, from, at)
		})
		n.send(ctx, v.FromUserID, "ownership notice", func(c *notify.Composer, u storage.User) (notify.Email, error) {
			return c.OwnershipHandedOverEmail(u.Email, u.Name(), v.Account.Name, to, at)
		})
	}
}

// send composes a message for the user in their language and sends it.
func (n *opNotifier) send(ctx context.Context, userID, what string, compose func(*notify.Composer, storage.User) (notify.Email, error)) {
	u, err := n.store.GetUser(ctx, userID)
	if err != nil {
		n.logger.Warn(what+" not sent: user not read", "user_id", userID, "err", err)
		return
	}
	e, err := compose(n.composer.ForLocale(u.Locale), u)
	if err == nil {
		err = n.mailer.SendEmail(ctx, e)
	}
	if err != nil {
		n.logger.Warn(what+" not sent", "user_id", userID, "err", err)
	}
}

// name returns the display name of a user, or the ID when unread.
func (n *opNotifier) name(ctx context.Context, userID string) string {
	u, err := n.store.GetUser(ctx, userID)
	if err != nil {
		return userID
	}
	if name := u.Name(); name != "" {
		return name
	}
	return u.Email
}

// accountName returns the name of an account, or the ID when unread.
func (n *opNotifier) accountName(ctx context.Context, id string) string {
	if a, err := n.store.GetAccount(ctx, id); err == nil {
		return a.Name
	}
	return id
}
