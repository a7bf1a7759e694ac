package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// "Forgot password?" (REQUIREMENTS.md section 2). The password page links
// to pathForgot, which asks for the e-mail address and always answers the
// same; a known user gets an e-mail with a link to pathReset carrying a
// random token. Only the token's digest is stored (storage.PasswordReset),
// the link works once for ResetLinkTTL, and a newer link voids the older
// ones. The link's page sets the new password, which unlocks a locked
// user, signs out every session, revokes the user's tokens and e-mails
// "your password was changed". The next sign-in still needs the second
// factor.
const (
	pathForgot = "/login/forgot"
	pathReset  = "/reset"
)

// DefaultResetLinkTTL is how long a reset link works.
const DefaultResetLinkTTL = 30 * time.Minute

// resetTokenBytes is the entropy of a reset link's token (256 bits).
const resetTokenBytes = 32

// resetCookie carries the CSRF token of the new-password form. The link
// is often opened in another browser than the sign-in, so the form cannot
// rely on the login cookie.
var resetCookie = web.Cookie{Name: "gh_reset"}

// resetLinks creates and sends the reset links.
type resetLinks struct {
	core    *core
	resets  storage.PasswordResets
	ttl     time.Duration
	issuer  string
	texter  notify.Texter
	product string
	msgs    SelfServiceMessages
	mailer  notify.Mailer
}

// resetPages serves "Forgot password?" and the reset link's form.
type resetPages struct {
	core      *core
	links     *resetLinks
	resets    storage.PasswordResets
	passwords *password.Hasher
	regulator *regulate.Regulator
	factors   *factors
	sessions  storage.Sessions
	tokens    storage.Tokens
}

// dummyResetUser owns the reset records written for unknown addresses, so
// that an unknown address costs the same database write as a known one.
// Each such write voids the previous one, so they never pile up.
const dummyResetUser = "usr_nobody_reset"

// Channels of sendResetLink.
const (
	ResetByEmail = storage.ChannelEmail
	ResetBySMS   = storage.ChannelSMS
)

var probResetLink = problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
	Title:   "This reset link does not work",
	Message: "The link is incomplete, has expired, or was already used. A newer link also replaces older ones.",
	Next:    "Ask for a new link from the sign-in page, and use the latest e-mail.",
}}

// forgotURL returns the "Forgot password?" link of a sign-in, or "" when
// resets are off.
func (d *passwordPages) forgotURL(ar storage.AuthRequest) string {
	if !d.resetsOn {
		return ""
	}
	return urlFor(pathForgot, ar.ID, "email", ar.Login.Email)
}

// handleForgotForm serves GET /login/forgot, the form asking for the
// e-mail address, prefilled from the email parameter.
func (d *resetPages) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	binding := d.core.site.EnsureCookie(w, r, loginCookie)
	email := r.URL.Query().Get("email")
	if len(email) > maxEmailLength {
		email = ""
	}
	d.core.site.Render(w, r, http.StatusOK, templates.ForgotPage{
		AuthRequestID: selfParam(r.URL.Query().Get("authRequestID")),
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Email:         email,
	})
}

// selfParam returns s unless it is implausibly long.
func selfParam(s string) string {
	if len(s) > 256 {
		return ""
	}
	return s
}

// handleForgotPOST serves POST /login/forgot. Its answer is the same page,
// status and body whatever the address, and it does comparable work for
// an unknown address (token, digest, a database write and a composed
// message), so that it reveals nothing. The one difference left is the
// delivery itself, which only happens for a known address; with the
// development outbox it is a file write, and the tests check that the
// medium times stay within a tolerance.
func (d *resetPages) handleForgotPOST(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostForm.Get("email"))
	page := templates.ForgotPage{
		AuthRequestID: selfParam(r.PostForm.Get("authRequestID")),
		CSRFToken:     d.core.site.CSRFToken(loginCookie, d.core.site.CookieValue(r, loginCookie)),
		Email:         email,
	}
	if email == "" || len(email) > maxEmailLength || !strings.Contains(email, "@") {
		page.Error = "Enter your e-mail address, for example name@example.com."
		d.core.site.Render(w, r, http.StatusOK, page)
		return
	}
	u, err := d.core.users.GetUserByEmail(ctx, email)
	switch {
	case err == nil && u.State != storage.UserDisabled:
		if err := d.links.sendResetLink(ctx, u, ResetByEmail, page.AuthRequestID); err != nil {
			d.core.site.LogProblem(r, "reset link not sent", err, "user_id", u.ID)
		}
		d.core.audit(r, iam.AuditResetRequested, "", u.ID, map[string]string{"channel": ResetByEmail, "from": "forgot_password"})
	case err == nil || errors.Is(err, storage.ErrNotFound):
		d.links.resetDummyWork(ctx, email)
		d.core.logger.InfoContext(ctx, "reset link asked for an unknown or disabled address")
		d.core.audit(r, iam.AuditResetRequested, "", "", map[string]string{"reason": auditReasonUnknownAddress, "email_hash": iam.AuditEmailHash(email), "from": "forgot_password"})
	default:
		d.core.site.LogProblem(r, "user lookup failed", err)
	}
	page.Sent = true
	d.wayBack(r, &page)
	d.core.site.Render(w, r, http.StatusOK, page)
}

// wayBack fills the links of the "Check your e-mail" answer: back to the
// e-mail page of the sign-in the reset started from and to its
// application when this browser may still answer it, else to the home
// page.
func (d *resetPages) wayBack(r *http.Request, page *templates.ForgotPage) {
	ar, _, ok := d.core.flow.Open(r.Context(), r, page.AuthRequestID)
	if !ok {
		page.AuthRequestID, page.BackURL = "", "/"
		return
	}
	page.BackURL = urlFor("/login/email", ar.ID)
	page.StartAgainURL, page.StartAgainApp = d.core.flow.StartAgain(r.Context(), ar)
}

// resetDummyWork does for an unknown address what sendResetLink does
// before delivery: a token, its digest, a reset record written (for a user
// that does not exist) and the message composed.
func (d *resetLinks) resetDummyWork(ctx context.Context, email string) {
	token := secret.Token(resetTokenBytes)
	now := d.core.now()
	_ = d.resets.CreatePasswordReset(ctx, storage.PasswordReset{
		ID: secret.DigestHex(token), UserID: dummyResetUser, CreatedAt: now, ExpiresAt: now.Add(d.ttl),
	})
	_, _ = d.msgs.PasswordResetEmail(email, "", d.resetLink(token, ""), d.ttl)
}

// resetLink returns the link carrying token.
func (d *resetLinks) resetLink(token, authRequestID string) string {
	q := url.Values{"token": {token}}
	if authRequestID != "" {
		q.Set("authRequestID", authRequestID)
	}
	return strings.TrimSuffix(d.issuer, "/") + pathReset + "?" + q.Encode()
}

// sendResetLink creates a reset link for u, voiding the older ones, and
// sends it by channel: ResetByEmail, or ResetBySMS to the user's verified
// phone (by e-mail when the user has none or no SMS transport is set).
// authRequestID, when set, lets the reset page lead back to that sign-in.
// The profile's "Send reset password link" calls it with the user's
// second-factor channel (SMS when the method is sms, else e-mail).
func (d *resetLinks) sendResetLink(ctx context.Context, u storage.User, channel, authRequestID string) error {
	if d.resets == nil {
		return errors.New("password resets are not configured")
	}
	token := secret.Token(resetTokenBytes)
	now := d.core.now()
	ttl := d.ttl
	if err := d.resets.CreatePasswordReset(ctx, storage.PasswordReset{
		ID: secret.DigestHex(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(ttl),
	}); err != nil {
		return fmt.Errorf("create password reset: %w", err)
	}
	link := d.resetLink(token, authRequestID)
	if channel == ResetBySMS && d.texter != nil && u.PhoneVerified && u.Phone != "" {
		body := fmt.Sprintf("%s: reset your password with this link, valid for %d minutes: %s", d.product, int(ttl/time.Minute), link)
		if err := d.texter.SendSMS(ctx, notify.SMS{To: u.Phone, Body: body}); err != nil {
			return fmt.Errorf("send reset link by sms: %w", err)
		}
		d.core.logger.InfoContext(ctx, "reset link sent", "user_id", u.ID, "channel", ResetBySMS)
		return nil
	}
	m, err := notify.Localize(d.msgs, u.Locale).PasswordResetEmail(u.Email, u.Name(), link, ttl)
	if err != nil {
		return fmt.Errorf("compose reset e-mail: %w", err)
	}
	if err := d.mailer.SendEmail(ctx, m); err != nil {
		return fmt.Errorf("send reset e-mail: %w", err)
	}
	d.core.logger.InfoContext(ctx, "reset link sent", "user_id", u.ID, "channel", ResetByEmail)
	return nil
}

// usableReset returns the reset and user of a link's token when the link
// still works at now.
func (d *resetPages) usableReset(ctx context.Context, token string) (storage.PasswordReset, storage.User, error) {
	if token == "" || len(token) > 256 {
		return storage.PasswordReset{}, storage.User{}, storage.ErrNotFound
	}
	rs, err := d.resets.GetPasswordReset(ctx, secret.DigestHex(token))
	if err != nil {
		return rs, storage.User{}, err
	}
	if !rs.UsedAt.IsZero() {
		return rs, storage.User{}, storage.ErrReused
	}
	if !d.core.now().Before(rs.ExpiresAt) {
		return rs, storage.User{}, storage.ErrNotFound
	}
	u, err := d.core.users.GetUser(ctx, rs.UserID)
	if err == nil && u.State == storage.UserDisabled {
		err = fmt.Errorf("user disabled: %w", storage.ErrNotFound)
	}
	return rs, u, err
}

// renderResetLinkProblem shows why a link does not work, or the internal
// error page for a storage fault.
func (d *resetPages) renderResetLinkProblem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrReused) {
		d.core.logger.InfoContext(r.Context(), "reset link refused", "err", err)
		d.core.site.RenderProblem(w, r, probResetLink)
		return
	}
	d.core.site.LogProblem(r, "reset link not checked", err)
	d.core.site.RenderProblem(w, r, web.ProbInternal)
}

// handleResetForm serves GET /reset?token=…, the new-password form. It
// does not use the link up.
func (d *resetPages) handleResetForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	_, u, err := d.usableReset(r.Context(), token)
	if err != nil {
		d.renderResetLinkProblem(w, r, err)
		return
	}
	binding := d.core.site.EnsureCookie(w, r, resetCookie)
	d.core.site.Render(w, r, http.StatusOK, templates.ResetPage{AuthRequestID: selfParam(r.URL.Query().Get("authRequestID")),
		CSRFToken: d.core.site.CSRFToken(resetCookie, binding), Token: token, Email: u.Email})
}

// handleResetPOST serves POST /reset: it checks the new password against
// the policy (keeping nothing when it fails), uses the link up, stores the
// new hash, unlocks the user, ends every session, revokes the user's
// tokens and e-mails "your password was changed".
func (d *resetPages) handleResetPOST(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	token := r.PostForm.Get("token")
	rs, u, err := d.usableReset(ctx, token)
	if err != nil {
		d.renderResetLinkProblem(w, r, err)
		return
	}
	pw := r.PostForm.Get("password")
	if err := password.Validate(pw, u.Email); err != nil {
		var pe *password.PolicyError
		if !errors.As(err, &pe) {
			d.core.site.LogProblem(r, "password not checked", err)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.core.site.Render(w, r, http.StatusOK, templates.ResetPage{AuthRequestID: selfParam(r.PostForm.Get("authRequestID")),
			CSRFToken: r.PostForm.Get("csrf"), Token: token, Email: u.Email, Error: pe.Message})
		return
	}
	hash, err := d.passwords.Hash(ctx, pw)
	if err != nil {
		d.core.site.LogProblem(r, "password not hashed", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if _, err := d.resets.UsePasswordReset(ctx, rs.ID, d.core.now()); err != nil {
		d.renderResetLinkProblem(w, r, err)
		return
	}
	unlocked, err := d.completeReset(ctx, u.ID, hash)
	if err != nil {
		d.core.site.LogProblem(r, "password reset not completed", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.core.audit(r, iam.AuditPasswordReset, "", u.ID, map[string]string{"from": "reset_link"})
	if unlocked {
		d.core.audit(r, iam.AuditMFAUnlocked, "", u.ID, map[string]string{"by": "password_reset"})
	}
	d.core.site.Render(w, r, http.StatusOK, templates.ResetDonePage{SignInURL: d.resumeURL(ctx, r.PostForm.Get("authRequestID"))})
}

// completeReset stores the new hash of a user whose reset link was just
// used, and applies what a reset implies: the password lock and the
// second-factor lock are lifted (it reports whether the second factor was
// locked), and the reset time is recorded for the next sign-in
// (emailWithheld, resetSignIn).
func (d *resetPages) completeReset(ctx context.Context, userID, hash string) (mfaUnlocked bool, err error) {
	now := d.core.now()
	u, err := d.core.users.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
		old.PasswordHash = hash
		if old.State == storage.UserLocked {
			old.State = storage.UserActive
		}
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		return false, fmt.Errorf("store new password: %w", err)
	}
	if d.regulator != nil {
		if err := d.regulator.Unlock(ctx, userID); err != nil {
			return false, err
		}
	}
	if mfaUnlocked, err = d.factors.unlockAfterReset(ctx, userID); err != nil {
		return false, err
	}
	n, err := d.sessions.DeleteUserSessions(ctx, userID, "")
	if err != nil {
		return mfaUnlocked, fmt.Errorf("end sessions: %w", err)
	}
	if d.tokens != nil {
		if err := d.tokens.RevokeUserTokens(ctx, userID, ""); err != nil {
			return mfaUnlocked, fmt.Errorf("revoke tokens: %w", err)
		}
	}
	d.core.logger.InfoContext(ctx, "password reset", "user_id", userID, "sessions_ended", n)
	if err := d.links.notifyChanged(ctx, u, now); err != nil {
		// The password is changed; only the notice is missing.
		d.core.logger.WarnContext(ctx, "password changed e-mail not sent", "user_id", userID, "err", err)
	}
	return mfaUnlocked, nil
}

// notifyChanged e-mails u "your password was changed" (at).
func (d *resetLinks) notifyChanged(ctx context.Context, u storage.User, at time.Time) error {
	m, err := notify.Localize(d.msgs, u.Locale).PasswordChangedEmail(u.Email, u.Name(), at)
	if err != nil {
		return fmt.Errorf("compose password changed e-mail: %w", err)
	}
	return d.mailer.SendEmail(ctx, m)
}

// resumeURL returns the e-mail page of a sign-in that is still open, or
// "" (also for an unknown ID).
func (d *resetPages) resumeURL(ctx context.Context, authRequestID string) string {
	if authRequestID == "" || len(authRequestID) > 256 {
		return ""
	}
	ar, err := d.core.authRequests.GetAuthRequest(ctx, authRequestID)
	if err != nil || ar.Done || !d.core.now().Before(ar.ExpiresAt) {
		return ""
	}
	return urlFor("/login/email", ar.ID)
}
