package profile

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// The handler types of the profile. Each group of pages holds only what
// it uses; what every page needs (base) is embedded, and the two shared
// helpers, the page renderer (view) and the security notices (notifier),
// are one field each. handler_test.go fails when a type reaches more than
// ten fields, counting those of the structs it embeds.

// base is what every profile page uses: the site, the SSO session, the
// clock and the log.
type base struct {
	site   *web.Site
	sess   *session.Service
	now    func() time.Time
	logger *slog.Logger
}

// notifier records the security events in the audit log and tells the
// user about them by e-mail (or sends a code by SMS), in the user's
// language.
type notifier struct {
	site     *web.Site
	mailer   notify.Mailer
	texter   notify.Texter
	messages Messages
	auditLog storage.Audit
	now      func() time.Time
	logger   *slog.Logger
}

// view renders the profile page with the tab it names.
type view struct {
	*base
	profileTab  *profileTabView
	securityTab *securityTabView
	// invitationsTab is nil when the tab is not shown.
	invitationsTab *invitationsTabView
	keysShown      bool
}

// profileTabView loads what the Profile tab shows.
type profileTabView struct {
	mfa     storage.MFA
	codes   *codesend.Sender
	avatars storage.Avatars
	canText bool
	now     func() time.Time
}

// securityTabView loads what the Security tab shows.
type securityTabView struct {
	site           *web.Site
	sess           *session.Service
	codes          *codesend.Sender
	sessions       storage.Sessions
	passkeys       *passkey.Service
	canText        bool
	trustedDevices bool
	resetLinks     bool
	now            func() time.Time
}

// profilePages serves the Profile tab and its names and language.
type profilePages struct {
	*base
	page  *view
	rules *iam.Service
}

// avatarPages serves the picture: upload, removal and the picture itself.
type avatarPages struct {
	*base
	page    *view
	users   storage.Users
	avatars storage.Avatars
}

// contactPages serves the changes of the e-mail address and the phone
// number.
type contactPages struct {
	*base
	page  *view
	tell  *notifier
	users storage.Users
	mfa   storage.MFA
	codes *codesend.Sender
}

// passwordPages serves the password change.
type passwordPages struct {
	*base
	page    *view
	tell    *notifier
	rules   *iam.Service
	current PasswordChecker
	// sessions ends the other sessions and the tokens after the change.
	sessions *sessionPages
}

// factorPages serves the second factor, the recovery codes and the reset
// link.
type factorPages struct {
	*base
	page       *view
	tell       *notifier
	rules      *iam.Service
	mfa        storage.MFA
	codes      *codesend.Sender
	resetLinks func(ctx context.Context, u storage.User, channel string) error
}

// sessionPages serves the trusted devices and the sessions, and ends the
// other sessions and the tokens after a password change.
type sessionPages struct {
	*base
	page     *view
	tell     *notifier
	mfa      storage.MFA
	sessions storage.Sessions
	tokens   storage.Tokens
}

// keyPages serves the security keys and passkeys (/profile/keys).
type keyPages struct {
	*base
	tell     *notifier
	passkeys *passkey.Service
}

// newHandler builds the handler types from d, whose defaults are filled
// in.
func newHandler(d Deps) *Handler {
	b := &base{site: d.Site, sess: d.Session, now: d.Now, logger: d.Logger}
	tell := &notifier{site: d.Site, mailer: d.Mailer, texter: d.Texter, messages: d.Messages, auditLog: d.Audit, now: d.Now, logger: d.Logger}
	page := &view{
		base:       b,
		profileTab: &profileTabView{mfa: d.MFA, codes: d.Codes, avatars: d.Avatars, canText: d.Texter != nil, now: d.Now},
		securityTab: &securityTabView{site: d.Site, sess: d.Session, codes: d.Codes, sessions: d.Sessions, passkeys: d.Passkeys,
			canText: d.Texter != nil, trustedDevices: d.TrustedDevices, resetLinks: d.ResetLinks != nil, now: d.Now},
		keysShown: d.Passkeys != nil,
	}
	sessions := &sessionPages{base: b, page: page, tell: tell, mfa: d.MFA, sessions: d.Sessions, tokens: d.Tokens}
	h := &Handler{
		base:     b,
		profile:  &profilePages{base: b, page: page, rules: d.Accounts},
		avatars:  &avatarPages{base: b, page: page, users: d.Users, avatars: d.Avatars},
		contact:  &contactPages{base: b, page: page, tell: tell, users: d.Users, mfa: d.MFA, codes: d.Codes},
		password: &passwordPages{base: b, page: page, tell: tell, rules: d.Accounts, current: d.CurrentPassword, sessions: sessions},
		factor:   &factorPages{base: b, page: page, tell: tell, rules: d.Accounts, mfa: d.MFA, codes: d.Codes, resetLinks: d.ResetLinks},
		sessions: sessions,
		limiters: d.Limiters,
	}
	if d.Passkeys != nil {
		h.keys = &keyPages{base: b, tell: tell, passkeys: d.Passkeys}
	}
	page.invitationsTab = &invitationsTabView{site: d.Site, accounts: d.Accounts}
	h.invitations = &invitationPages{base: b, page: page, accounts: d.Accounts}
	return h
}

// audit records one event of the pages in the audit log (iam.PageEvent),
// with the client IP and User-Agent of r. A failure is logged; the page
// goes on. Nothing is recorded when Deps.Audit is nil.
func (n *notifier) audit(r *http.Request, action, actor, target string, detail map[string]string) {
	if n.auditLog == nil {
		return
	}
	e := iam.PageEvent(n.now(), actor, action, target, n.site.ClientIP(r), r.UserAgent(), detail)
	if err := n.auditLog.AppendAudit(r.Context(), e); err != nil {
		n.logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
	}
}

// email composes a message to u in u's language (compose gets the
// localised Messages) and sends it. A failure is logged as what (for
// example "password notice") and changes nothing: the change it reports
// is already made.
func (n *notifier) email(r *http.Request, u storage.User, what string, compose func(Messages) (notify.Email, error)) {
	m, err := compose(notify.Localize(n.messages, u.Locale))
	if err != nil {
		n.site.LogProblem(r, what+" not composed", err, "user_id", u.ID)
		return
	}
	if err := n.mailer.SendEmail(r.Context(), m); err != nil {
		n.site.LogProblem(r, what+" not sent", err, "user_id", u.ID)
	}
}

// methodChanged tells u by e-mail that their second factor changed to
// method at now.
func (n *notifier) methodChanged(r *http.Request, u storage.User, method string, at time.Time) {
	n.email(r, u, "mfa notice", func(m Messages) (notify.Email, error) {
		return m.MFAChangedEmail(u.Email, u.Name(), method, at)
	})
}

// canText reports whether text messages can be sent.
func (n *notifier) canText() bool { return n.texter != nil }

// logSendProblem logs why a code was not sent.
func (b *base) logSendProblem(r *http.Request, err error, userID, purpose string) {
	var rl *mfa.RateLimitError
	switch {
	case errors.As(err, &rl):
		b.logger.InfoContext(r.Context(), "code not sent: rate limited", "user_id", userID, "method", purpose, "reason", rl.Reason, "retry_after", rl.RetryAfter)
	case errors.Is(err, notify.ErrDelivery):
		b.logger.WarnContext(r.Context(), "code not delivered", "user_id", userID, "method", purpose, "err", err)
	default:
		b.logger.ErrorContext(r.Context(), "code not sent", "user_id", userID, "method", purpose, "err", err)
	}
}
