package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// Security keys and passkeys (WebAuthn) in the sign-in. Two ways:
//
//   - As the second factor: after the password, a user whose preferred
//     method is WebAuthn (or whom the relying party asked for acr phr)
//     and who has a usable key gets pathWebAuthn instead of the code
//     page. Its button runs BeginLogin and FinishLogin through the JSON
//     endpoints pathWebAuthnBegin and pathWebAuthnFinish. The e-mail code
//     and a recovery code remain as fallbacks, except for acr_values=phr.
//   - Passkey sign-in: the e-mail page's "Sign in with a passkey" button
//     and its autofill (conditional mediation) run BeginPasskeyLogin and
//     FinishPasskeyLogin through pathPasskeyBegin and pathPasskeyFinish. A
//     passkey with user verification is both factors.
//
// The JSON endpoints take the auth request in the query, require the
// login cookie's CSRF token in the X-CSRF-Token header and a JSON body,
// and bind every ceremony to the auth request (passkey.ForAuthRequest),
// which is itself bound to the browser. A successful finish records the
// factors in the sign-in's progress and answers {"post":
// pathWebAuthnDone?...}: webauthn.js then submits a form with the CSRF
// token there, and that POST creates the user's first recovery codes and
// shows them once (their Continue goes on to pathFinish), or else
// completes the sign-in. No GET changes anything (ASVS 3.5.3): GET
// pathWebAuthnDone only offers a Continue button that posts the same form,
// for a browser that lands there without the script.
const (
	pathWebAuthn       = "/login/webauthn"
	pathWebAuthnBegin  = "/login/webauthn/begin"
	pathWebAuthnFinish = "/login/webauthn/finish"
	pathWebAuthnDone   = "/login/webauthn/done"
	pathPasskeyBegin   = "/login/webauthn/passkey/begin"
	pathPasskeyFinish  = "/login/webauthn/passkey/finish"
)

// keyPages serve the WebAuthn pages and endpoints of the sign-in and tell
// the other steps when a key is the second factor. passkeys is nil when
// WebAuthn is off.
type keyPages struct {
	core     *core
	passkeys *passkey.Service
	factors  *factors
	finish   *finishPages
}

// withPasskey adds the passkey sign-in to the e-mail page of ar when
// passkeys are on. A passkey sign-in completes through a form that
// webauthn.js posts from this page, so the page's CSP lets forms end at the
// provider's callback and the relying party (and still load the script).
func (d *keyPages) withPasskey(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, p templates.EmailPage) templates.EmailPage {
	if d.passkeys != nil && p.AuthRequestID != "" {
		p.PasskeyBeginURL = urlFor(pathPasskeyBegin, p.AuthRequestID)
		p.PasskeyFinishURL = urlFor(pathPasskeyFinish, p.AuthRequestID)
		d.core.site.AllowFormTargets(w, d.core.callbackURL(r.Context(), ar.ID), ar.RedirectURI)
		web.AllowScripts(w)
	}
	return p
}

// phrRequired reports whether the sign-in ar must be phishing-resistant:
// the relying party asked for it only, or the chosen account's policy
// requires it (stepup.go).
func phrRequired(ar storage.AuthRequest) bool {
	if iam.PolicyGap(ar.Login.StepUp) == iam.GapPhishingResistant {
		return true
	}
	req, ok := mfa.RequiredACR(ar.ACRValues)
	return ok && req == mfa.ACRPhishingResistant
}

// usableKeys returns how many usable keys the user has (0 when passkeys
// are off).
func (d *keyPages) usableKeys(ctx context.Context, userID string) (int, error) {
	if d.passkeys == nil {
		return 0, nil
	}
	creds, err := d.passkeys.ListCredentials(ctx, userID)
	if err != nil {
		return 0, fmt.Errorf("usable keys: %w", err)
	}
	return passkey.UsableCount(creds), nil
}

// useKey reports whether the second factor of u in ar is a security key
// or passkey: the user has a usable key and prefers WebAuthn, or the
// relying party asked for phr.
func (d *keyPages) useKey(ctx context.Context, ar storage.AuthRequest, u storage.User) (bool, error) {
	if d.passkeys == nil || (u.MFAMethod != storage.MFAWebAuthn && !phrRequired(ar)) {
		return false, nil
	}
	n, err := d.usableKeys(ctx, u.ID)
	return n > 0, err
}

// keyAfterPassword handles the second factor after the password when it
// must be a key. It refuses a phr request of a user without a usable key
// (access_denied to the relying party, never a weaker token) and sends a
// user who signs in with a key to its page. It returns true when it
// answered the request.
func (d *keyPages) keyAfterPassword(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, u storage.User, setPassword func(p *storage.LoginProgress)) bool {
	ctx := r.Context()
	use, err := d.useKey(ctx, ar, u)
	if err != nil {
		d.core.site.LogProblem(r, "second factor: keys not loaded", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return true
	}
	switch {
	case use:
		d.core.advance(w, r, ar, binding, setPassword)
		return true
	case phrRequired(ar):
		d.core.logger.InfoContext(ctx, "sign-in refused: acr phr without a security key or passkey", "user_id", u.ID, "auth_request_id", ar.ID, "client_id", ar.ClientID)
		d.core.flow.Fail(w, r, ar.ID, authreq.ErrACRNotMet, authreq.DescACRNotMet)
		return true
	}
	return false
}

// redirectToKey sends the second-factor page on to pathWebAuthn when the
// user signs in with a key: always for acr phr, and otherwise unless the
// user chose another method (requested). It returns true when it
// redirected.
func (d *keyPages) redirectToKey(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, u storage.User, requested string) bool {
	if requested != "" && !phrRequired(ar) {
		return false
	}
	use, err := d.useKey(r.Context(), ar, u)
	if err != nil {
		d.core.site.LogProblem(r, "second factor: keys not loaded", err, "user_id", u.ID)
	}
	if !use {
		return false
	}
	http.Redirect(w, r, urlFor(pathWebAuthn, ar.ID), http.StatusSeeOther)
	return true
}

// handleWebAuthnForm serves GET /login/webauthn, the "Use your security
// key or passkey" page.
func (d *keyPages) handleWebAuthnForm(w http.ResponseWriter, r *http.Request) {
	ar, binding, u, st, ok := d.core.atSecondFactor(w, r)
	if !ok {
		return
	}
	use, err := d.useKey(r.Context(), ar, u)
	if err != nil {
		d.core.site.LogProblem(r, "second factor: keys not loaded", err, "user_id", u.ID)
		d.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if !use {
		http.Redirect(w, r, urlFor(pathMFA, ar.ID, "method", storage.MFAEmail), http.StatusSeeOther)
		return
	}
	page := templates.WebAuthnPage{
		AuthRequestID: ar.ID,
		CSRFToken:     d.core.site.CSRFToken(loginCookie, binding),
		BeginURL:      urlFor(pathWebAuthnBegin, ar.ID),
		FinishURL:     urlFor(pathWebAuthnFinish, ar.ID),
	}
	if !phrRequired(ar) {
		if !d.factors.emailWithheld(u, st) {
			page.EmailAction = pathMFASend
		}
		page.RecoveryURL = urlFor(pathRecovery, ar.ID)
	}
	d.core.site.AllowFormTargets(w, d.core.callbackURL(r.Context(), ar.ID), ar.RedirectURI)
	web.AllowScripts(w)
	d.core.site.Render(w, r, http.StatusOK, page)
}

// jsonRequest loads the auth request named in the query of a JSON
// endpoint, bound to this browser and open. ok reports whether the sign-in
// is at one of the steps; otherwise it has answered with a JSON error.
func (d *keyPages) jsonRequest(w http.ResponseWriter, r *http.Request, steps ...step) (ar storage.AuthRequest, binding string, ok bool) {
	id := r.URL.Query().Get("authRequestID")
	if id == "" || len(id) > 256 {
		web.JSONError(w, http.StatusBadRequest, passkey.JSONErrRequest)
		return ar, "", false
	}
	ar, err := d.core.authRequests.GetAuthRequest(r.Context(), id)
	if err == nil {
		binding = d.core.site.CookieValue(r, loginCookie)
		err = authreq.CheckOpen(ar, d.core.now(), binding, true)
	}
	if err != nil {
		d.core.site.LogProblem(r, "auth request refused", err, "auth_request_id", id)
		web.JSONError(w, authreq.ProblemFor(err).Status, passkey.JSONErrRequest)
		return ar, "", false
	}
	if !slices.Contains(steps, nextStep(ar.Login)) {
		d.core.logger.InfoContext(r.Context(), "webauthn: sign-in at another step", "auth_request_id", id, "path", r.URL.Path)
		web.JSONError(w, http.StatusConflict, passkey.JSONErrStep)
		return ar, "", false
	}
	return ar, binding, true
}

// activeUser loads the user with the ID for a JSON endpoint and checks
// that it may sign in (not locked or disabled).
func (d *keyPages) activeUser(w http.ResponseWriter, r *http.Request, userID, authRequestID string) (storage.User, bool) {
	u, err := d.core.users.GetUser(r.Context(), userID)
	switch {
	case errors.Is(err, storage.ErrNotFound) || err == nil && !u.State.MaySignIn():
		d.core.logger.InfoContext(r.Context(), "webauthn sign-in refused: user not active", "user_id", userID, "state", u.State, "auth_request_id", authRequestID)
		web.JSONError(w, http.StatusForbidden, passkey.JSONErrUser)
		return u, false
	case err != nil:
		d.core.site.LogProblem(r, "webauthn: user not loaded", err, "user_id", userID)
		web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
		return u, false
	}
	return u, true
}

// handleWebAuthnBegin serves POST /login/webauthn/begin: the second-factor
// ceremony's options for the user who gave the password.
func (d *keyPages) handleWebAuthnBegin(w http.ResponseWriter, r *http.Request) {
	ar, _, ok := d.jsonRequest(w, r, stepSecondFactor)
	if !ok {
		return
	}
	u, ok := d.activeUser(w, r, ar.Login.UserID, ar.ID)
	if !ok {
		return
	}
	sid, opts, err := d.passkeys.BeginLogin(r.Context(), u.ID, passkey.ForAuthRequest(ar.ID))
	if errors.Is(err, passkey.ErrNoCredentials) {
		web.JSONError(w, http.StatusConflict, passkey.JSONErrNoKeys)
		return
	}
	if err != nil {
		d.core.site.LogProblem(r, "webauthn: login not begun", err, "user_id", u.ID)
		web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
		return
	}
	web.WriteJSON(w, http.StatusOK, passkey.Begun{Session: sid, Options: opts})
}

// handleWebAuthnFinish serves POST /login/webauthn/finish: it verifies the
// key as the second factor and records pwd, hwk or swk, user (with user
// verification) and mfa.
func (d *keyPages) handleWebAuthnFinish(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.jsonRequest(w, r, stepSecondFactor)
	if !ok {
		return
	}
	u, ok := d.activeUser(w, r, ar.Login.UserID, ar.ID)
	if !ok {
		return
	}
	f, err := passkey.ReadFinish(r)
	if err != nil {
		d.core.logger.InfoContext(r.Context(), "webauthn: bad finish request", "user_id", u.ID, "err", err)
		web.JSONError(w, http.StatusBadRequest, web.JSONErrBody)
		return
	}
	res, err := d.passkeys.FinishLogin(r.Context(), u.ID, f.Session, f.Credential, passkey.ForAuthRequest(ar.ID))
	if err != nil {
		d.ceremonyRefused(w, r, "second factor refused", err, u.ID, ar.ID)
		return
	}
	amr, err := mfa.AMRFor(storage.MFAWebAuthn, res.MFAKey())
	if err != nil {
		d.core.site.LogProblem(r, "second factor: no amr", err, "user_id", u.ID)
		web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
		return
	}
	d.core.logger.InfoContext(r.Context(), "second factor accepted", "user_id", u.ID, "method", storage.MFAWebAuthn, "auth_request_id", ar.ID, "amr", amr)
	d.factors.resetSignIn(r, ar, u, storage.MFAWebAuthn)
	p := ar.Login
	p.Factors = amr
	d.keyProven(w, r, ar, binding, p)
}

// handlePasskeyBegin serves POST /login/webauthn/passkey/begin: the
// options of a passkey sign-in (no user known yet).
func (d *keyPages) handlePasskeyBegin(w http.ResponseWriter, r *http.Request) {
	ar, _, ok := d.jsonRequest(w, r, stepEmail, stepPassword, stepSecondFactor)
	if !ok {
		return
	}
	sid, opts, err := d.passkeys.BeginPasskeyLogin(r.Context(), passkey.ForAuthRequest(ar.ID))
	if err != nil {
		d.core.site.LogProblem(r, "webauthn: passkey login not begun", err, "auth_request_id", ar.ID)
		web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
		return
	}
	web.WriteJSON(w, http.StatusOK, passkey.Begun{Session: sid, Options: opts})
}

// handlePasskeyFinish serves POST /login/webauthn/passkey/finish: it
// verifies the passkey, finds its user, checks that the user may sign in
// and is the one the relying party asked for, and records the passkey as
// both factors. Whatever was proven before in this sign-in is replaced.
func (d *keyPages) handlePasskeyFinish(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.jsonRequest(w, r, stepEmail, stepPassword, stepSecondFactor)
	if !ok {
		return
	}
	f, err := passkey.ReadFinish(r)
	if err != nil {
		d.core.logger.InfoContext(r.Context(), "webauthn: bad finish request", "auth_request_id", ar.ID, "err", err)
		web.JSONError(w, http.StatusBadRequest, web.JSONErrBody)
		return
	}
	res, err := d.passkeys.FinishPasskeyLogin(r.Context(), f.Session, f.Credential, passkey.ForAuthRequest(ar.ID))
	if err != nil {
		d.ceremonyRefused(w, r, "passkey sign-in refused", err, "", ar.ID)
		return
	}
	u, ok := d.activeUser(w, r, res.UserID, ar.ID)
	if !ok {
		return
	}
	if ar.HintSubject != "" && ar.HintSubject != u.ID {
		d.core.logger.InfoContext(r.Context(), "passkey sign-in refused: not the user of id_token_hint", "user_id", u.ID, "auth_request_id", ar.ID)
		web.JSONError(w, http.StatusForbidden, passkey.JSONErrUser)
		return
	}
	if !res.UserVerified || !slices.Contains(res.AMR, mfa.AMRMFA) {
		// FinishPasskeyLogin requires user verification; this guards
		// the rule that a passkey alone is two factors only with it.
		d.core.logger.InfoContext(r.Context(), "passkey sign-in refused: no user verification", "user_id", u.ID, "auth_request_id", ar.ID)
		web.JSONError(w, http.StatusForbidden, passkey.JSONErrFailed)
		return
	}
	d.core.logger.InfoContext(r.Context(), "passkey accepted", "user_id", u.ID, "auth_request_id", ar.ID, "amr", res.AMR)
	d.keyProven(w, r, ar, binding, storage.LoginProgress{Email: u.Email, UserID: u.ID, Factors: slices.Clone(res.AMR)})
}

// ceremonyRefused logs a refused ceremony and answers with a JSON error.
// The error text goes to the log only.
func (d *keyPages) ceremonyRefused(w http.ResponseWriter, r *http.Request, msg string, err error, userID, authRequestID string) {
	switch {
	case errors.Is(err, passkey.ErrSessionNotFound), errors.Is(err, passkey.ErrCeremonyFailed),
		errors.Is(err, passkey.ErrClone), errors.Is(err, passkey.ErrNoCredentials):
		d.core.logger.InfoContext(r.Context(), msg, "user_id", userID, "auth_request_id", authRequestID, "reason", err.Error())
		if authRequestID != "" { // a sign-in, not a key registration
			action, method := iam.AuditSecondFactorFailure, storage.MFAWebAuthn
			if userID == "" {
				action, method = iam.AuditPasskeyFailure, "passkey"
			}
			d.core.audit(r, action, userID, userID, map[string]string{"method": method})
		}
		web.JSONError(w, http.StatusBadRequest, passkey.JSONErrFailed)
	default:
		d.core.site.LogProblem(r, "webauthn ceremony not checked", err, "user_id", userID, "auth_request_id", authRequestID)
		web.JSONError(w, http.StatusInternalServerError, passkey.JSONErrInternal)
	}
}

// keyProven saves the progress p of a sign-in whose key was verified and
// answers with the POST that goes on from there (pathWebAuthnDone).
func (d *keyPages) keyProven(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, p storage.LoginProgress) {
	if _, err := d.core.storeProgress(r.Context(), ar, binding, p); err != nil {
		d.core.site.LogProblem(r, "sign-in progress not saved", err, "auth_request_id", ar.ID)
		web.JSONError(w, authreq.ProblemFor(err).Status, passkey.JSONErrRequest)
		return
	}
	web.WriteJSON(w, http.StatusOK, passkey.Done{Post: urlFor(pathWebAuthnDone, ar.ID)})
}

// handleWebAuthnDoneForm serves GET /login/webauthn/done, for a browser
// that arrives there after its key was verified without posting the form
// (no script, or an old one): it changes nothing and offers a Continue
// button that posts to the same path.
func (d *keyPages) handleWebAuthnDoneForm() http.Handler {
	return d.finish.handleContinueForm(pathWebAuthnDone, "Your security key or passkey was accepted. Continue to the application.")
}

// handleWebAuthnDonePOST serves POST /login/webauthn/done, which
// webauthn.js posts after a key was verified: it creates the user's
// recovery codes on their first second factor and shows them once (their
// Continue posts to pathFinish), or else completes the sign-in.
func (d *keyPages) handleWebAuthnDonePOST(w http.ResponseWriter, r *http.Request) {
	ar, binding, ok := d.core.boundRequestAt(w, r, stepComplete)
	if !ok {
		return
	}
	if shown, _ := d.finish.showNewRecoveryCodes(w, r, ar, binding, ar.Login.UserID); shown {
		return
	}
	d.core.flow.CompleteFresh(w, r, ar, binding, ar.Login)
}

// handleWebAuthnScript serves /static/webauthn.js from passkey.Static. It
// is revalidated rather than cached for long, since its URL carries no
// version.
func handleWebAuthnScript() http.Handler {
	files := http.FileServerFS(passkey.Static())
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		r2 := r.Clone(r.Context())
		r2.URL.Path = "/" + passkey.ScriptName
		files.ServeHTTP(w, r2)
	})
}
