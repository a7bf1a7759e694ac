package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// verifyTOTP checks an authenticator app code of the user and consumes its
// time step (checkStoredFactor). It returns the refusal (for the user)
// apart from storage faults; a wrong or replayed code is counted as a
// failure even though it is refused.
func (d *checks) verifyTOTP(ctx context.Context, userID, code string) (guess, error) {
	g, err := d.checkStoredFactor(ctx, userID, func(st *storage.MFAState, now time.Time) error {
		return mfa.VerifyTOTP(st, d.sealer, code, now)
	})
	if err != nil {
		return guess{}, fmt.Errorf("check totp code: %w", err)
	}
	if g.refused != nil && !isRefusal(g.refused) {
		return guess{}, fmt.Errorf("check totp code: %w", g.refused) // an unreadable secret
	}
	return g, nil
}

// isRefusal reports whether err is a refused code rather than a fault.
func isRefusal(err error) bool {
	for _, e := range []error{mfa.ErrMalformedCode, mfa.ErrWrongCode, mfa.ErrExpired, mfa.ErrUsed,
		mfa.ErrTooManyFailures, mfa.ErrReplay, mfa.ErrRateLimited, mfa.ErrNotEnrolled, mfa.ErrLocked, codesend.ErrNoChallenge} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// enrolPages serve the authenticator app enrolment of a sign-in
// (pathEnrol).
type enrolPages struct {
	core          *core
	factors       *factors
	finish        *finishPages
	states        storage.MFA
	sealer        *secret.Sealer
	totpIssuer    string
	attemptPolicy mfa.AttemptPolicy
}

// handleEnrolForm serves GET /login/mfa/enrol while TOTP is pending: the
// QR code and the secret of the pending authenticator app (the same ones
// after a reload) and one code field.
func (d *enrolPages) handleEnrolForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, st, ok := d.core.atSecondFactor(w, r)
	if !ok || d.factors.lockedPage(w, r, st, ar.ID) {
		return
	}
	if !st.TOTPPending {
		http.Redirect(w, r, urlFor(pathMFA, ar.ID), http.StatusSeeOther)
		return
	}
	var key mfa.TOTPKey
	_, err := d.states.UpdateMFAState(r.Context(), u.ID, func(s storage.MFAState) (storage.MFAState, error) {
		var err error
		key, err = mfa.BeginTOTP(&s, d.sealer, d.totpIssuer, u.Email)
		return s, err
	})
	if err != nil {
		d.core.site.LogProblem(r, "totp enrolment not started", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.renderEnrol(w, r, ar, binding, u, st, key, http.StatusOK, "")
}

// renderEnrol shows the enrolment page with key. Its "Not now" choice
// continues with the previous method: a new code by e-mail or SMS, or the
// code page of an authenticator app being replaced.
func (d *enrolPages) renderEnrol(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, u storage.User, st storage.MFAState, key mfa.TOTPKey, status int, msg string) {
	page := templates.TOTPEnrolPage{
		AuthRequestID: ar.ID,
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		Action:        pathEnrol,
		QRDataURL:     key.QRDataURL,
		Secret:        key.Secret,
		Error:         msg,
	}
	switch prev := d.factors.primaryMethod(u, st); prev {
	case storage.MFATOTP:
		page.SkipLabel = "Not now — use my current authenticator app instead"
		page.SkipURL = urlFor(pathMFA, ar.ID, "method", prev)
	case storage.MFASMS:
		page.SkipLabel = "Not now — send me a code by text message instead"
		page.SkipAction, page.SkipMethod = pathMFASend, prev
	default:
		if !d.factors.emailWithheld(u, st) {
			page.SkipLabel = "Not now — send me a code by e-mail instead"
			page.SkipAction, page.SkipMethod = pathMFASend, prev
		}
	}
	d.core.site.AllowFormTargets(w, d.core.callbackURL(r.Context(), ar.ID), ar.RedirectURI)
	d.core.site.Render(w, r, status, page)
}

// handleEnrolPOST serves POST /login/mfa/enrol: a correct code from the
// pending authenticator app confirms it (consuming its time step, so the
// code cannot serve again), makes TOTP the user's method, and counts as
// this sign-in's second factor.
func (d *enrolPages) handleEnrolPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, st, ok := d.core.atSecondFactor(w, r)
	if !ok || d.factors.lockedPage(w, r, st, ar.ID) {
		return
	}
	ctx := r.Context()
	now := d.core.now()
	var refused error
	st, err := d.states.UpdateMFAState(ctx, u.ID, func(s storage.MFAState) (storage.MFAState, error) {
		refused = mfa.CheckLocked(&s)
		if refused != nil {
			return s, nil
		}
		if !s.TOTPPending {
			refused = mfa.ErrNotEnrolled
			return s, nil
		}
		refused = d.attemptPolicy.Allow(&s, now)
		if refused == nil {
			refused = mfa.ConfirmTOTP(&s, d.sealer, r.PostForm.Get("code"), now)
		}
		s.UpdatedAt = now
		return s, nil // keep the failure even when the code was refused
	})
	if err == nil && refused != nil && !isRefusal(refused) {
		err = refused
	}
	if err != nil {
		d.core.site.LogProblem(r, "totp enrolment not checked", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if errors.Is(refused, mfa.ErrNotEnrolled) || errors.Is(refused, mfa.ErrLocked) {
		http.Redirect(w, r, urlFor(pathMFA, ar.ID), http.StatusSeeOther)
		return
	}
	if refused != nil {
		d.core.logger.InfoContext(ctx, "totp enrolment refused", "user_id", u.ID, "auth_request_id", ar.ID, "reason", refused.Error())
		key, kerr := mfa.BeginTOTP(&st, d.sealer, d.totpIssuer, u.Email) // the stored pending secret
		if kerr != nil {
			d.core.site.LogProblem(r, "totp key not shown", kerr, "user_id", u.ID)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.renderEnrol(w, r, ar, binding, u, st, key, http.StatusOK, codesend.RefusalMessage(refused))
		return
	}
	nu, err := d.core.users.UpdateUser(ctx, u.ID, func(old storage.User) (storage.User, error) {
		old.MFAMethod = storage.MFATOTP
		old.UpdatedAt = now
		return old, nil
	})
	if err != nil {
		// The app is confirmed and proved this sign-in; the method
		// stays the previous one until the user chooses it again.
		d.core.site.LogProblem(r, "preferred method not set to totp", err, "user_id", u.ID)
	} else {
		u = nu
		d.core.logger.InfoContext(ctx, "totp enrolled", "user_id", u.ID, "auth_request_id", ar.ID)
		d.core.audit(r, iam.AuditTOTPEnrolled, u.ID, u.ID, map[string]string{"method": storage.MFATOTP, "client_id": ar.ClientID})
		d.factors.notifyMethodChanged(ctx, u, storage.MFATOTP)
	}
	d.finish.secondFactorPassed(w, r, ar, binding, u, storage.MFATOTP, false)
}

// notifyMethodChanged tells the user by e-mail that their second factor
// changed. A failure is logged and changes nothing.
func (d *factors) notifyMethodChanged(ctx context.Context, u storage.User, method string) {
	m, err := notify.Localize(d.messages, u.Locale).MFAChangedEmail(u.Email, u.Name(), method, d.core.now())
	if err == nil {
		err = d.mailer.SendEmail(ctx, m)
	}
	if err != nil {
		d.core.logger.WarnContext(ctx, "second factor change not notified", "user_id", u.ID, "err", err)
	}
}
