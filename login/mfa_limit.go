package login

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The per-user ceiling on second-factor guessing (mfa.GuessPolicy, issue
// 8). Every checked e-mail, SMS, TOTP or recovery code of a user is
// counted in storage.MFAState, whichever challenge, resend or sign-in it
// belongs to: a wrong one as a failure, a right one as a success, which
// resets the counts. Input that is not a code at all, a void or expired
// code, and attempts held back by the per-minute limit are not counted:
// nothing was compared. The checks of one user are serialised
// (userLocks), so that the count of an e-mail code, which lives in its
// challenge and in the state, is exact under parallel guesses.
//
// After Deps.GuessPolicy's failures in a row the sign-in ends: its auth
// request is deleted and the page says to start again. After its failures
// without a success the second factor is locked: no code is sent and none
// is accepted, the user is told once by e-mail and the audit log records
// it. A password reset (completeReset) lifts the lock but keeps the count,
// so that the lock comes again at the hard limit, which only the operator
// (iam.UnlockMFA) lifts. WebAuthn assertions are not counted and a key still
// works while codes are locked: a key cannot be guessed.

var (
	probSignInEnded = problem{Status: http.StatusTooManyRequests, Page: templates.ErrorPage{
		Title:   "Too many wrong codes",
		Message: "For your security, this sign-in was stopped after too many wrong codes.",
		Next:    "Go back to the application you were using and sign in again.",
	}}
	probMFALocked = problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
		Title:   "Your second factor is locked",
		Message: "After too many wrong codes, no code can be sent or accepted for your account. We sent you an e-mail about it.",
		Next:    "Reset your password with \"Forgot password?\" on the sign-in page to unlock it, or ask your administrator. If it was locked again after a reset, only your administrator can unlock it.",
	}}
)

// factors holds the second-factor rules the pages share: which methods a
// user may use (mfa.go), the sending of e-mail and SMS codes
// (mfa_code.go), the counting of guesses with its locks (this file) and
// the notices about them.
type factors struct {
	core        *core
	states      storage.MFA
	mailer      notify.Mailer
	messages    Messages
	notices     lockNotices
	guessPolicy mfa.GuessPolicy
	texter      notify.Texter
	codeTTL     time.Duration
	webauthn    bool
}

// guess is the outcome of one checked second-factor code.
type guess struct {
	// refused is nil when the code was right, else why it was refused.
	refused error
	// verdict says whether this code ended the sign-in or locked the
	// second factor.
	verdict mfa.Verdict
	// failures is the user's count of failures since a success, after
	// this code.
	failures int
}

// isGuess reports whether a refusal of a TOTP or recovery code compared
// the code (a wrong code, a replayed step, a used recovery code), so that
// it counts as a failure.
func isGuess(refused error) bool {
	return errors.Is(refused, mfa.ErrWrongCode) || errors.Is(refused, mfa.ErrReplay) || errors.Is(refused, mfa.ErrUsed)
}

// countGuess records in st a code that was right (refused is nil) or a
// counted failure (guessed), and returns the verdict. Call it in the
// transaction that checked the code.
func (d *factors) countGuess(st *storage.MFAState, refused error, guessed bool, now time.Time) mfa.Verdict {
	switch {
	case refused == nil:
		mfa.RecordSuccess(st)
	case guessed:
		return d.guessPolicy.RecordFailure(st, now)
	}
	return mfa.Verdict{}
}

// lockedPage renders the locked page when the user's second factor is
// locked, and reports whether it did.
func (d *factors) lockedPage(w http.ResponseWriter, r *http.Request, st storage.MFAState, authRequestID string) bool {
	if !mfa.Locked(&st) {
		return false
	}
	d.core.logger.InfoContext(r.Context(), "second factor locked", "user_id", st.UserID, "auth_request_id", authRequestID)
	d.core.site.RenderProblem(w, r, probMFALocked)
	return true
}

// afterGuess handles a refused code's consequences beyond the code page:
// the locked page for a locked second factor, and for a code that ended
// the sign-in, the end (endSignIn), after the notice of a new lock. It
// reports whether it answered the request.
func (d *factors) afterGuess(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, u storage.User, method string, g guess) bool {
	if g.verdict.Locked {
		d.notifyLocked(r, u, method, g.failures)
	}
	switch {
	case g.verdict.EndSignIn:
		d.endSignIn(w, r, ar, u, method, g.verdict.Locked)
		return true
	case errors.Is(g.refused, mfa.ErrLocked):
		d.core.site.RenderProblem(w, r, probMFALocked)
		return true
	}
	return false
}

// endSignIn ends a sign-in after too many wrong codes in a row: it
// deletes the auth request and its code challenge, records the end and
// shows why (probMFALocked when the second factor just locked).
func (d *factors) endSignIn(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, u storage.User, method string, locked bool) {
	ctx := r.Context()
	if err := d.core.authRequests.DeleteAuthRequest(ctx, ar.ID); err != nil {
		d.core.site.LogProblem(r, "ended sign-in not deleted", err, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if err := d.states.DeleteOTPChallenge(ctx, challengeID(ar.ID)); err != nil {
		d.core.site.LogProblem(r, "code of an ended sign-in not deleted", err, "auth_request_id", ar.ID)
	}
	d.core.logger.InfoContext(ctx, "sign-in ended: too many wrong codes", "user_id", u.ID, "auth_request_id", ar.ID, "method", method)
	d.core.audit(r, iam.AuditSignInEnded, u.ID, u.ID, map[string]string{"method": method, "client_id": ar.ClientID, "reason": "too_many_failures"})
	if locked {
		d.core.site.RenderProblem(w, r, probMFALocked)
		return
	}
	d.core.site.RenderProblem(w, r, probSignInEnded)
}

// lockNotices renders the second-factor lock and reset notices;
// *notify.Composer implements it.
type lockNotices interface {
	MFALockedEmail(to, toName string, at time.Time) (notify.Email, error)
	ResetSignInEmail(to, toName, method string, resetAt, at time.Time) (notify.Email, error)
}

// notifyLocked records a new lock in the audit log and tells the user by
// e-mail. A failed e-mail is logged; the lock holds.
func (d *factors) notifyLocked(r *http.Request, u storage.User, method string, failures int) {
	ctx := r.Context()
	d.core.logger.WarnContext(ctx, "second factor locked: too many wrong codes", "user_id", u.ID, "failures", failures)
	d.core.audit(r, iam.AuditMFALocked, u.ID, u.ID, map[string]string{"method": method, "failures": strconv.Itoa(failures), "reason": "too_many_failures"})
	m, err := notify.Localize(d.notices, u.Locale).MFALockedEmail(u.Email, u.Name(), d.core.now())
	if err == nil {
		err = d.mailer.SendEmail(ctx, m)
	}
	if err != nil {
		d.core.logger.WarnContext(ctx, "second factor lock e-mail not sent", "user_id", u.ID, "err", err)
	}
}

// msgEmailWithheld is the code page of a user whose method is not e-mail
// in the sign-in right after a password reset.
const msgEmailWithheld = "Right after a password reset, a code by e-mail cannot be your second step. Use your usual method or a recovery code."

// emailWithheld reports whether e-mail codes are withheld from u: right
// after a password reset (from the reset until the next second factor
// that passes, resetSignIn), a user whose second factor in use is not
// e-mail is never offered the e-mail code, so that a reset link and an
// e-mail code, both from the same mailbox, cannot stand in for the user's
// own factor. The factor in use is the security key for a WebAuthn user
// (when keys are on), else primaryMethod: a user whose preferred method
// cannot be used here (SMS without a verified number or an SMS sender)
// signs in with e-mail codes anyway, and keeps them.
func (d *factors) emailWithheld(u storage.User, st storage.MFAState) bool {
	if st.PasswordResetAt.IsZero() {
		return false
	}
	if u.MFAMethod == storage.MFAWebAuthn {
		return d.webauthn
	}
	return d.primaryMethod(u, st) != storage.MFAEmail
}

// resetSignIn runs after a second factor passed (method: a storage.MFA*
// method, mfa.MethodRecovery or "trusted_device"). When it is the first
// since a password reset, it clears the reset time, and records in the
// audit log and tells the user by e-mail which second factor completed
// the sign-in. Failures are logged; the sign-in goes on.
func (d *factors) resetSignIn(r *http.Request, ar storage.AuthRequest, u storage.User, method string) {
	ctx := r.Context()
	now := d.core.now()
	var resetAt time.Time
	_, err := d.states.UpdateMFAState(ctx, u.ID, func(st storage.MFAState) (storage.MFAState, error) {
		resetAt = st.PasswordResetAt
		if !resetAt.IsZero() {
			st.PasswordResetAt = time.Time{}
			st.UpdatedAt = now
		}
		return st, nil
	})
	if err != nil {
		d.core.site.LogProblem(r, "reset sign-in not recorded", err, "user_id", u.ID)
		return
	}
	if resetAt.IsZero() {
		return
	}
	d.core.logger.InfoContext(ctx, "first sign-in after a password reset", "user_id", u.ID, "method", method)
	d.core.audit(r, iam.AuditResetSignIn, u.ID, u.ID, map[string]string{"method": method, "client_id": ar.ClientID,
		"reset_at": resetAt.UTC().Format(time.RFC3339)})
	m, err := notify.Localize(d.notices, u.Locale).ResetSignInEmail(u.Email, u.Name(), method, resetAt, now)
	if err == nil {
		err = d.mailer.SendEmail(ctx, m)
	}
	if err != nil {
		d.core.logger.WarnContext(ctx, "reset sign-in e-mail not sent", "user_id", u.ID, "err", err)
	}
}
