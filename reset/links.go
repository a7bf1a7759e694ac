package reset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
)

// links creates and sends the reset links.
type links struct {
	resets  storage.PasswordResets
	ttl     time.Duration
	issuer  string
	texter  notify.Texter
	product string
	msgs    Messages
	mailer  notify.Mailer
	now     func() time.Time
	logger  *slog.Logger
}

// resetDummyWork does for an unknown address what sendResetLink does
// before delivery: a token, its digest, a reset record written (for a user
// that does not exist) and the message composed.
func (d *links) resetDummyWork(ctx context.Context, email string) {
	token := secret.Token(resetTokenBytes)
	now := d.now()
	_ = d.resets.CreatePasswordReset(ctx, storage.PasswordReset{
		ID: secret.DigestHex(token), UserID: dummyResetUser, CreatedAt: now, ExpiresAt: now.Add(d.ttl),
	})
	_, _ = d.msgs.PasswordResetEmail(email, "", d.resetLink(token, ""), d.ttl)
}

// resetLink returns the link carrying token.
func (d *links) resetLink(token, authRequestID string) string {
	q := url.Values{"token": {token}}
	if authRequestID != "" {
		q.Set("authRequestID", authRequestID)
	}
	return strings.TrimSuffix(d.issuer, "/") + PathReset + "?" + q.Encode()
}

// sendResetLink creates a reset link for u, voiding the older ones, and
// sends it by channel: ByEmail, or BySMS to the user's verified
// phone (by e-mail when the user has none or no SMS transport is set).
// authRequestID, when set, lets the reset page lead back to that sign-in.
// The profile's "Send reset password link" calls it with the user's
// second-factor channel (SMS when the method is sms, else e-mail).
func (d *links) sendResetLink(ctx context.Context, u storage.User, channel, authRequestID string) error {
	if d.resets == nil {
		return errors.New("password resets are not configured")
	}
	token := secret.Token(resetTokenBytes)
	now := d.now()
	ttl := d.ttl
	if err := d.resets.CreatePasswordReset(ctx, storage.PasswordReset{
		ID: secret.DigestHex(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}); err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	link := d.resetLink(token, authRequestID)
	if channel == BySMS && d.texter != nil && u.PhoneVerified && u.Phone != "" {
		body := fmt.Sprintf("%s: reset your password with this link, valid for %d minutes: %s", d.product, int(ttl/time.Minute), link)
		if err := d.texter.SendSMS(ctx, notify.SMS{To: u.Phone, Body: body}); err != nil {
			return fmt.Errorf("send reset link by sms: %w", err)
		}
		d.logger.InfoContext(ctx, "reset link sent", "user_id", u.ID, "channel", BySMS)
		return nil
	}
	m, err := notify.Localize(d.msgs, u.Locale).PasswordResetEmail(u.Email, u.Name(), link, ttl)
	if err != nil {
		return fmt.Errorf("compose reset e-mail: %w", err)
	}
	if err := d.mailer.SendEmail(ctx, m); err != nil {
		return fmt.Errorf("send reset e-mail: %w", err)
	}
	d.logger.InfoContext(ctx, "reset link sent", "user_id", u.ID, "channel", ByEmail)
	return nil
}

// notifyChanged e-mails u "your password was changed" (at).
func (d *links) notifyChanged(ctx context.Context, u storage.User, at time.Time) error {
	m, err := notify.Localize(d.msgs, u.Locale).PasswordChangedEmail(u.Email, u.Name(), at)
	if err != nil {
		return fmt.Errorf("compose password changed e-mail: %w", err)
	}
	return d.mailer.SendEmail(ctx, m)
}
