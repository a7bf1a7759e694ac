package login

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The second factor (REQUIREMENTS.md section 3) is the step after the
// password. Its pages:
//
//   - pathMFA: the code page of the user's method (e-mail and SMS codes
//     in mfa_code.go, the authenticator app in mfa_totp.go); its POST
//     checks a code;
//   - pathMFASend: sends a new e-mail or SMS code (or the first one by
//     another channel);
//   - pathEnrol: the authenticator app enrolment, shown instead of the
//     code page while TOTP is pending;
//   - pathRecovery: a recovery code instead of the code (recovery.go);
//   - pathFinish: the Continue button after an interstitial.
//
// The e-mail or SMS code of a sign-in is sent right after the password
// (a POST), so that no GET sends anything.
const (
	pathMFA      = "/login/mfa"
	pathMFASend  = "/login/mfa/send"
	pathEnrol    = "/login/mfa/enrol"
	pathRecovery = "/login/mfa/recovery"
	pathFinish   = "/login/finish"
)

// User-facing messages of the second-factor pages. None of them depends
// on an error's text.
const (
	msgDelivery      = "We could not send the code. Try again, or choose another method."
	msgWrongRecovery = "That recovery code is not valid or was already used."
	msgBadRecovery   = "Enter a recovery code, for example abcde-12345-fghjk."
)

// codePages serve the code page of the second factor (pathMFA), the
// resends (pathMFASend) and the recovery code page (pathRecovery).
type codePages struct {
	core       *core
	factors    *factors
	checks     *checks
	keys       *keyPages
	finish     *finishPages
	states     storage.MFA
	codePolicy mfa.CodePolicy
	totpIssuer string
	devices    *devices
}

// finishPages end the second-factor step (secondFactorPassed): the new
// recovery codes, the interstitials and their Continue (pathFinish).
type finishPages struct {
	core    *core
	factors *factors
	devices *devices
	states  storage.MFA
}

// urlFor returns path with the auth request ID and extra parameters
// (name, value pairs) as its query.
func urlFor(path, authRequestID string, kv ...string) string {
	q := url.Values{"authRequestID": {authRequestID}}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return path + "?" + q.Encode()
}

// acrAchievable reports whether a sign-in on these pages can reach the
// level acr_values asks for, before the user is known. acr_values naming
// no level Gatehouse knows cannot be met. phr needs WebAuthn (webauthn is
// whether it is on): with it, the e-mail page is shown so that a passkey
// sign-in can happen, and after the password a user without a usable key
// is refused (keyAfterPassword). Without WebAuthn the best is mfa.
func acrAchievable(acrValues []string, webauthn bool) bool {
	req, ok := mfa.RequiredACR(acrValues)
	return ok && (req != mfa.ACRPhishingResistant || webauthn)
}

// primaryMethod returns the method that the code is asked with: the
// user's preferred method, or e-mail when that cannot be used here (SMS
// without a verified phone number or without a Texter, an authenticator
// app that is not confirmed, or WebAuthn, which has its own page: a user
// who signs in with a key is sent there by redirectToKey, and e-mail is
// the code fallback offered on it). While TOTP is pending, User.MFAMethod is still the previous
// method, which keeps working.
func (d *factors) primaryMethod(u storage.User, st storage.MFAState) string {
	switch u.MFAMethod {
	case storage.MFASMS:
		if d.texter != nil && u.PhoneVerified && u.Phone != "" {
			return storage.MFASMS
		}
	case storage.MFATOTP:
		if st.TOTPConfirmed && len(st.TOTPSecretSealed) > 0 {
			return storage.MFATOTP
		}
	}
	return storage.MFAEmail
}

// allowedMethod reports whether the user may enter a code of method in
// this sign-in: the primary method, and e-mail for a user whose SMS could
// not be sent (recovery codes have their own page), but never e-mail while
// it is withheld (emailWithheld).
func (d *factors) allowedMethod(u storage.User, st storage.MFAState, method string) bool {
	if method == storage.MFAEmail && d.emailWithheld(u, st) {
		return false
	}
	primary := d.primaryMethod(u, st)
	return method == primary || method == storage.MFAEmail && primary == storage.MFASMS
}

// signInUser loads the user identified in the sign-in and their MFA
// state. A user who is gone or no longer active cannot continue: the page
// says the link no longer works and the reason is logged.
func (d *core) signInUser(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest) (storage.User, storage.MFAState, bool) {
	ctx := r.Context()
	u, err := d.users.GetUser(ctx, ar.Login.UserID)
	if err == nil && !u.State.MaySignIn() {
		err = fmt.Errorf("user is %s: %w", u.State, authreq.ErrExpired)
	}
	if err != nil {
		d.site.LogProblem(r, "second factor: user not available", err, "auth_request_id", ar.ID, "user_id", ar.Login.UserID)
		d.site.RenderProblem(w, r, authreq.ProblemFor(err))
		return u, storage.MFAState{}, false
	}
	st, err := d.codes.State(ctx, u.ID)
	if err != nil {
		d.site.LogProblem(r, "second factor: state not loaded", err, "user_id", u.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return u, st, false
	}
	return u, st, true
}

// atSecondFactor loads a sign-in at the second-factor step
// (boundRequestAt) and its user with their MFA state (signInUser).
func (d *core) atSecondFactor(w http.ResponseWriter, r *http.Request) (ar storage.AuthRequest, binding string, u storage.User, st storage.MFAState, ok bool) {
	if ar, binding, ok = d.boundRequestAt(w, r, stepSecondFactor); !ok {
		return ar, binding, u, st, false
	}
	u, st, ok = d.signInUser(w, r, ar)
	return ar, binding, u, st, ok
}

// afterPassword moves a sign-in on once the password of u was verified:
// with a trusted device (see device.go) the second factor is skipped;
// otherwise the e-mail or SMS code is sent, unless the authenticator app
// is pending enrolment or is the method, and the browser goes to the
// second-factor page. A code that could not be sent is not an error here:
// the code page says so and offers to try again.
func (d *passwordPages) afterPassword(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, u storage.User) {
	ctx := r.Context()
	now := d.core.now()
	st, err := d.core.codes.State(ctx, u.ID)
	if err != nil {
		d.core.site.LogProblem(r, "second factor: state not loaded", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	setPassword := func(p *storage.LoginProgress) {
		p.UserID = u.ID
		p.PasswordAt = now
		p.Factors = append(p.Factors[:0:0], mfa.AMRPassword)
	}
	if d.devices.trustedDevice(r, ar, u, st, now) {
		d.core.logger.InfoContext(ctx, "second factor skipped: trusted device", "user_id", u.ID, "auth_request_id", ar.ID)
		d.factors.resetSignIn(r, ar, u, "trusted_device")
		d.core.advance(w, r, ar, binding, func(p *storage.LoginProgress) {
			setPassword(p)
			p.Factors = append(p.Factors, trustedDeviceAMR...)
		})
		return
	}
	if d.keys.keyAfterPassword(w, r, ar, binding, u, setPassword) {
		return
	}
	if method := d.factors.primaryMethod(u, st); !st.TOTPPending && method != storage.MFATOTP && !mfa.Locked(&st) && d.factors.allowedMethod(u, st, method) {
		if err := d.factors.sendCode(ctx, ar, u, method); err != nil {
			d.factors.logSendProblem(r, err, u.ID, method)
		}
	}
	d.core.advance(w, r, ar, binding, setPassword)
}

// handleSecondFactorForm serves GET /login/mfa: the enrolment page while
// TOTP is pending (unless the user chose the previous method with the
// method parameter), else the code page of the method.
func (d *codePages) handleSecondFactorForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, st, ok := d.core.atSecondFactor(w, r)
	if !ok {
		return
	}
	requested := r.URL.Query().Get("method")
	if d.keys.redirectToKey(w, r, ar, u, requested) {
		return
	}
	if d.factors.lockedPage(w, r, st, ar.ID) {
		return
	}
	if st.TOTPPending && requested == "" {
		http.Redirect(w, r, urlFor(pathEnrol, ar.ID), http.StatusSeeOther)
		return
	}
	method := d.factors.primaryMethod(u, st)
	if requested != "" && d.factors.allowedMethod(u, st, requested) {
		method = requested
	}
	d.renderCodePage(w, r, ar, binding, u, st, method, http.StatusOK, "")
}

// handleSecondFactorPOST serves POST /login/mfa: it checks the code of
// the posted method and, when it is right, moves the sign-in on.
func (d *codePages) handleSecondFactorPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, st, ok := d.core.atSecondFactor(w, r)
	if !ok {
		return
	}
	method := r.PostForm.Get("method")
	if method == "" {
		method = d.factors.primaryMethod(u, st)
	}
	if !d.factors.allowedMethod(u, st, method) {
		d.core.logger.InfoContext(r.Context(), "second factor: method not allowed", "user_id", u.ID, "method", method, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, web.ProbBadForm)
		return
	}
	code := r.PostForm.Get("code")
	var g guess
	var err error
	if method == storage.MFATOTP {
		g, err = d.checks.verifyTOTP(r.Context(), u.ID, code)
	} else {
		g, err = d.checks.verifyCode(r.Context(), ar, u, method, code)
	}
	if err != nil {
		d.core.site.LogProblem(r, "second factor not checked", err, "user_id", u.ID, "method", method)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if g.refused != nil {
		d.factors.logRefused(r, u.ID, method, ar.ID, g.refused)
		if d.factors.afterGuess(w, r, ar, u, method, g) {
			return
		}
		st, _ = d.core.codes.State(r.Context(), u.ID) // fresh failure and send logs; best effort
		d.renderCodePage(w, r, ar, binding, u, st, method, http.StatusOK, codesend.RefusalMessage(g.refused))
		return
	}
	d.finish.secondFactorPassed(w, r, ar, binding, u, method, r.PostForm.Get("trust") == "on")
}

// secondFactorPassed finishes the second-factor step once method was
// proven. It trusts the device when the user asked for it, creates the
// user's recovery codes on their first second factor, and records the amr
// of mfa.AMRFor as the sign-in's factors. New recovery codes, and the
// count left after using one, are shown on an interstitial whose Continue
// button completes the sign-in (pathFinish); otherwise the sign-in
// completes at once.
func (d *finishPages) secondFactorPassed(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, u storage.User, method string, trust bool) {
	ctx := r.Context()
	amr, err := mfa.AMRFor(method, mfa.Key{})
	if err != nil {
		d.core.site.LogProblem(r, "second factor: no amr", err, "user_id", u.ID, "method", method)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.core.logger.InfoContext(ctx, "second factor accepted", "user_id", u.ID, "method", method, "auth_request_id", ar.ID)
	d.factors.resetSignIn(r, ar, u, method)
	if trust && method != mfa.MethodRecovery {
		d.devices.rememberDevice(w, r, ar, u)
	}
	p := ar.Login
	p.Factors = amr
	ar, ok := d.core.saveProgress(w, r, ar, binding, p)
	if !ok {
		return
	}
	// The progress is saved before codes are created, so that codes are
	// never created for a sign-in that cannot show them.
	shown, remaining := d.showNewRecoveryCodes(w, r, ar, binding, u.ID)
	switch {
	case shown:
	case method == mfa.MethodRecovery:
		d.core.site.AllowFormTargets(w, d.core.callbackURL(ctx, ar.ID), ar.RedirectURI)
		d.core.site.Render(w, r, http.StatusOK, remainingPage(ar.ID, d.core.site.CSRFToken(loginCookie, binding), remaining))
	default:
		d.core.flow.CompleteFresh(w, r, ar, binding, p)
	}
}

// logRefused logs a refused second factor. The code itself is never
// logged; mfa's errors do not contain it.
func (d *factors) logRefused(r *http.Request, userID, method, authRequestID string, refused error) {
	countFailure(r)
	d.core.logger.InfoContext(r.Context(), "second factor refused", "user_id", userID, "method", method, "auth_request_id", authRequestID, "reason", refused.Error())
	d.core.audit(r, iam.AuditSecondFactorFailure, userID, userID, map[string]string{"method": method})
}

// handleFinishForm serves GET /login/finish, the page of a sign-in whose
// every factor passed but which was not completed (the browser left an
// interstitial page): one Continue button.
func (d *finishPages) handleFinishForm() http.Handler {
	return d.handleContinueForm(pathFinish, "You are verified. Continue to the application.")
}

// handleContinueForm serves a page for a sign-in whose every factor passed:
// it changes nothing and offers one Continue button that posts to action.
func (d *finishPages) handleContinueForm(action, message string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ar, binding, ok := d.core.boundRequestAt(w, r, stepComplete)
		if !ok {
			return
		}
		d.core.site.AllowFormTargets(w, d.core.callbackURL(r.Context(), ar.ID), ar.RedirectURI)
		d.core.site.Render(w, r, http.StatusOK, templates.ContinuePage{
			AuthRequestID: ar.ID,
			CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
			Action:        action,
			Heading:       "Continue signing in",
			Message:       message,
		})
	})
}

// handleFinishPOST serves POST /login/finish: it completes a sign-in
// whose every factor passed.
func (d *finishPages) handleFinishPOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.boundRequestAt(w, r, stepComplete)
	if !ok {
		return
	}
	d.core.flow.CompleteFresh(w, r, ar, binding, ar.Login)
}
