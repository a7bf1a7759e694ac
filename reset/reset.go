package reset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The paths of the pages. Package login links to PathForgot from the
// password page.
const (
	PathForgot = "/login/forgot"
	PathReset  = "/reset"
)

// DefaultLinkTTL is how long a reset link works.
const DefaultLinkTTL = 30 * time.Minute

// maxEmailLength bounds the e-mail address (RFC 5321 path limit), as on
// the sign-in's e-mail page.
const maxEmailLength = 254

// auditReasonUnknownAddress is the reason of a reset link asked for an
// address of no active user; nothing is sent.
const auditReasonUnknownAddress = "unknown_or_disabled"

// resetTokenBytes is the entropy of a reset link's token (256 bits).
const resetTokenBytes = 32

// resetCookie carries the CSRF token of the new-password form. The link
// is often opened in another browser than the sign-in, so the form cannot
// rely on the login cookie.
var resetCookie = web.Cookie{Name: "gh_reset"}

// pages serves "Forgot password?" and the reset link's form.
type pages struct {
	site        *web.Site
	flow        *authreq.Flow
	users       storage.Users
	links       *links
	resets      storage.PasswordResets
	passwords   *password.Hasher
	regulator   *regulate.Regulator
	mfa         storage.MFA
	guessPolicy mfa.GuessPolicy
	sessions    storage.Sessions
	tokens      storage.Tokens
	audit       storage.Audit
	now         func() time.Time
	logger      *slog.Logger
}

// dummyResetUser owns the reset records written for unknown addresses, so
// that an unknown address costs the same database write as a known one.
// Each such write voids the previous one, so they never pile up.
const dummyResetUser = "usr_nobody_reset"

// Channels of LinkSender.
const (
	ByEmail = storage.ChannelEmail
	BySMS   = storage.ChannelSMS
)

var probResetLink = web.Problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
	Title:   "This reset link does not work",
	Message: "The link is incomplete, has expired, or was already used. A newer link also replaces older ones.",
	Next:    "Ask for a new link from the sign-in page, and use the latest e-mail.",
}}

// handleForgotForm serves GET /login/forgot, the form asking for the
// e-mail address, prefilled from the email parameter.
func (d *pages) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	binding := d.site.EnsureCookie(w, r, authreq.BindCookie)
	email := r.URL.Query().Get("email")
	if len(email) > maxEmailLength {
		email = ""
	}
	d.site.Render(w, r, http.StatusOK, templates.ForgotPage{
		AuthRequestID: selfParam(r.URL.Query().Get("authRequestID")),
		CSRFToken:     d.site.CSRFToken(authreq.BindCookie, binding),
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
func (d *pages) handleForgotPOST(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	email := strings.TrimSpace(r.PostForm.Get("email"))
	page := templates.ForgotPage{
		AuthRequestID: selfParam(r.PostForm.Get("authRequestID")),
		CSRFToken:     d.site.CSRFToken(authreq.BindCookie, d.site.CookieValue(r, authreq.BindCookie)),
		Email:         email,
	}
	if email == "" || len(email) > maxEmailLength || !strings.Contains(email, "@") {
		page.Error = "Enter your e-mail address, for example name@example.com."
		d.site.Render(w, r, http.StatusOK, page)
		return
	}
	u, err := d.users.GetUserByEmail(ctx, email)
	switch {
	case err == nil && u.State != storage.UserDisabled:
		if err := d.links.sendResetLink(ctx, u, ByEmail, page.AuthRequestID); err != nil {
			d.site.LogProblem(r, "reset link not sent", err, "user_id", u.ID)
		}
		d.record(r, iam.AuditResetRequested, "", u.ID, map[string]string{"channel": ByEmail, "from": "forgot_password"})
	case err == nil || errors.Is(err, storage.ErrNotFound):
		d.links.resetDummyWork(ctx, email)
		d.logger.InfoContext(ctx, "reset link asked for an unknown or disabled address")
		d.record(r, iam.AuditResetRequested, "", "", map[string]string{"reason": auditReasonUnknownAddress, "email_hash": iam.AuditEmailHash(email), "from": "forgot_password"})
	default:
		d.site.LogProblem(r, "user lookup failed", err)
	}
	page.Sent = true
	d.wayBack(r, &page)
	d.site.Render(w, r, http.StatusOK, page)
}

// wayBack fills the links of the "Check your e-mail" answer: back to the
// e-mail page of the sign-in the reset started from and to its
// application when this browser may still answer it, else to the home
// page.
func (d *pages) wayBack(r *http.Request, page *templates.ForgotPage) {
	ar, _, ok := d.flow.Open(r.Context(), r, page.AuthRequestID)
	if !ok {
		page.AuthRequestID, page.BackURL = "", "/"
		return
	}
	page.BackURL = emailPageURL(ar.ID)
	page.StartAgainURL, page.StartAgainApp = d.flow.StartAgain(r.Context(), ar)
}

// usableReset returns the reset and user of a link's token when the link
// still works at now.
func (d *pages) usableReset(ctx context.Context, token string) (storage.PasswordReset, storage.User, error) {
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
	if !d.now().Before(rs.ExpiresAt) {
		return rs, storage.User{}, storage.ErrNotFound
	}
	u, err := d.users.GetUser(ctx, rs.UserID)
	if err == nil && u.State == storage.UserDisabled {
		err = fmt.Errorf("user disabled: %w", storage.ErrNotFound)
	}
	return rs, u, err
}

// renderResetLinkProblem shows why a link does not work, or the internal
// error page for a storage fault.
func (d *pages) renderResetLinkProblem(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrReused) {
		d.logger.InfoContext(r.Context(), "reset link refused", "err", err)
		d.site.RenderProblem(w, r, probResetLink)
		return
	}
	d.site.LogProblem(r, "reset link not checked", err)
	d.site.RenderProblem(w, r, web.ProbInternal)
}

// handleResetForm serves GET /reset?token=…, the new-password form. It
// does not use the link up.
func (d *pages) handleResetForm(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	_, u, err := d.usableReset(r.Context(), token)
	if err != nil {
		d.renderResetLinkProblem(w, r, err)
		return
	}
	binding := d.site.EnsureCookie(w, r, resetCookie)
	d.site.Render(w, r, http.StatusOK, templates.ResetPage{AuthRequestID: selfParam(r.URL.Query().Get("authRequestID")),
		CSRFToken: d.site.CSRFToken(resetCookie, binding), Token: token, Email: u.Email})
}

// handleResetPOST serves POST /reset: it checks the new password against
// the policy (keeping nothing when it fails), uses the link up, stores the
// new hash, unlocks the user, ends every session, revokes the user's
// tokens and e-mails "your password was changed".
func (d *pages) handleResetPOST(w http.ResponseWriter, r *http.Request) {
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
			d.site.LogProblem(r, "password not checked", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.site.Render(w, r, http.StatusOK, templates.ResetPage{AuthRequestID: selfParam(r.PostForm.Get("authRequestID")),
			CSRFToken: r.PostForm.Get("csrf"), Token: token, Email: u.Email, Error: pe.Message})
		return
	}
	hash, err := d.passwords.Hash(ctx, pw)
	if err != nil {
		d.site.LogProblem(r, "password not hashed", err, "user_id", u.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if _, err := d.resets.UsePasswordReset(ctx, rs.ID, d.now()); err != nil {
		d.renderResetLinkProblem(w, r, err)
		return
	}
	unlocked, err := d.completeReset(ctx, u.ID, hash)
	if err != nil {
		d.site.LogProblem(r, "password reset not completed", err, "user_id", u.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.record(r, iam.AuditPasswordReset, "", u.ID, map[string]string{"from": "reset_link"})
	if unlocked {
		d.record(r, iam.AuditMFAUnlocked, "", u.ID, map[string]string{"by": "password_reset"})
	}
	d.site.Render(w, r, http.StatusOK, templates.ResetDonePage{SignInURL: d.resumeURL(ctx, r.PostForm.Get("authRequestID"))})
}

// completeReset stores the new hash of a user whose reset link was just
// used, and applies what a reset implies: the password lock and the
// second-factor lock are lifted (it reports whether the second factor was
// locked), and the reset time is recorded for the next sign-in
// (emailWithheld, resetSignIn).
func (d *pages) completeReset(ctx context.Context, userID, hash string) (mfaUnlocked bool, err error) {
	now := d.now()
	u, err := d.users.UpdateUser(ctx, userID, func(old storage.User) (storage.User, error) {
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
	if mfaUnlocked, err = d.unlockSecondFactor(ctx, userID); err != nil {
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
	d.logger.InfoContext(ctx, "password reset", "user_id", userID, "sessions_ended", n)
	if err := d.links.notifyChanged(ctx, u, now); err != nil {
		// The password is changed; only the notice is missing.
		d.logger.WarnContext(ctx, "password changed e-mail not sent", "user_id", userID, "err", err)
	}
	return mfaUnlocked, nil
}

// resumeURL returns the e-mail page of a sign-in that is still open, or
// "" (also for an unknown ID).
func (d *pages) resumeURL(ctx context.Context, authRequestID string) string {
	if authRequestID == "" || len(authRequestID) > 256 {
		return ""
	}
	ar, err := d.flow.AuthRequests.GetAuthRequest(ctx, authRequestID)
	if err != nil || ar.Done || !d.now().Before(ar.ExpiresAt) {
		return ""
	}
	return emailPageURL(ar.ID)
}

// emailPageURL returns the sign-in's e-mail page of the auth request (a
// page of package login).
func emailPageURL(authRequestID string) string {
	return "/login/email?" + url.Values{"authRequestID": {authRequestID}}.Encode()
}

// unlockSecondFactor records the reset of a user whose reset link was just
// used and lifts the second-factor lock the reset may lift
// (mfa.GuessPolicy.UnlockAfterReset); package login withholds e-mail
// codes from the next sign-in by the recorded time. It reports whether a
// lock was lifted.
func (d *pages) unlockSecondFactor(ctx context.Context, userID string) (bool, error) {
	now := d.now()
	var unlocked bool
	_, err := d.mfa.UpdateMFAState(ctx, userID, func(st storage.MFAState) (storage.MFAState, error) {
		unlocked = d.guessPolicy.UnlockAfterReset(&st, now)
		st.UpdatedAt = now
		return st, nil
	})
	if err != nil {
		return false, fmt.Errorf("unlock second factor: %w", err)
	}
	return unlocked, nil
}
