package login

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// The sign-in is a small state machine. Its state is the auth request's
// LoginProgress; nextStep derives from it the step the user is at, each
// step has a page, and a step's POST handler records what it proved and
// calls advance, which either sends the browser to the next step's page or
// completes the auth request.
//
// To add a step (a second factor, a TOTP enrolment, an account picker):
//  1. add a constant below, before stepComplete;
//  2. teach nextStep when it is due, from LoginProgress (for example
//     "PasswordAt is set and Factors has only pwd");
//  3. give it a path in stepPath and register its GET and POST handlers in
//     routes.go; the GET handler starts with d.boundRequestAt(w, r, step),
//     the POST handler ends with d.advance(w, r, ar, binding, update).
type step int

const (
	stepEmail step = iota + 1
	stepPassword
	// stepSecondFactor is due when only the password was proven. Its page
	// is the code page of the user's method, or the TOTP enrolment or
	// recovery code pages (see mfa.go).
	stepSecondFactor
	// stepComplete is reached when every factor was proven. The sign-in
	// usually completes at once; after an interstitial (new recovery
	// codes, the recovery codes left) its page offers Continue.
	stepComplete
)

// nextStep returns the step the sign-in with progress p is at.
func nextStep(p storage.LoginProgress) step {
	switch {
	case p.UserID != "" && slices.Contains(p.Factors, mfa.AMRMFA):
		// Every factor passed: a password and a second factor, or a
		// passkey with user verification alone (webauthn.go).
		return stepComplete
	case p.Email == "":
		return stepEmail
	case p.PasswordAt.IsZero() || !slices.Contains(p.Factors, mfa.AMRPassword):
		return stepPassword
	case len(p.Factors) < 2:
		return stepSecondFactor
	default:
		return stepComplete
	}
}

// stepPath returns the URL of a step's page for an auth request.
func stepPath(s step, authRequestID string) string {
	var p string
	switch s {
	case stepEmail:
		p = "/login/email"
	case stepPassword:
		p = "/login/password"
	case stepSecondFactor:
		p = pathMFA
	default:
		p = pathFinish
	}
	return p + "?" + url.Values{"authRequestID": {authRequestID}}.Encode()
}

// outcome returns the amr and acr that the proven factors earn: the
// factors, plus mfa when there are two or more, and the level mfa.ACRFor
// gives them.
func outcome(p storage.LoginProgress) (amr []string, acr string) {
	amr = slices.Clone(p.Factors)
	if len(amr) >= 2 && !slices.Contains(amr, mfa.AMRMFA) {
		amr = append(amr, mfa.AMRMFA)
	}
	return amr, mfa.ACRFor(amr)
}

// Reasons an auth request cannot be changed.
var (
	errRequestDone    = errors.New("auth request already done")
	errRequestExpired = errors.New("auth request expired")
	errNotBound       = errors.New("auth request bound to another browser")
	errNotDone        = errors.New("auth request not done")
	errCallbackUsed   = errors.New("auth request already passed the callback")
)

// checkOpen returns an error unless ar can still be answered at now by the
// browser holding the login cookie value binding. An unbound request is
// accepted only when requireBinding is false: on the first hosted page,
// which binds it before anything else (handleLoginStart).
func checkOpen(ar storage.AuthRequest, now time.Time, binding string, requireBinding bool) error {
	if ar.Done {
		return errRequestDone
	}
	if !now.Before(ar.ExpiresAt) {
		return errRequestExpired
	}
	if ar.BindingHash == nil && !requireBinding {
		return nil
	}
	if binding == "" || !secret.Equal(ar.BindingHash, binding) {
		return errNotBound
	}
	return nil
}

// problemFor maps an error of loading or updating an auth request to the
// page the user sees.
func problemFor(err error) problem {
	switch {
	case errors.Is(err, errRequestDone), errors.Is(err, errCallbackUsed):
		return probDone
	case errors.Is(err, errNotBound):
		return probOtherBrowser
	case errors.Is(err, errRequestExpired), errors.Is(err, storage.ErrNotFound), errors.Is(err, errNotDone):
		return probBadRequest
	}
	return web.ProbInternal
}

// loadRequest returns the auth request named by the request's
// authRequestID parameter if it can still be answered by this browser.
// When it cannot, it renders the error page and returns ok=false.
func (d *deps) loadRequest(w http.ResponseWriter, r *http.Request, requireBinding bool) (ar storage.AuthRequest, binding string, ok bool) {
	id := r.FormValue("authRequestID")
	if id == "" || len(id) > 256 {
		d.site.RenderProblem(w, r, probBadRequest)
		return ar, "", false
	}
	ar, err := d.AuthRequests.GetAuthRequest(r.Context(), id)
	if err == nil {
		binding = d.site.CookieValue(r, loginCookie)
		err = checkOpen(ar, d.Now(), binding, requireBinding)
	}
	if err != nil {
		d.site.LogProblem(r, "auth request refused", err, "auth_request_id", id)
		d.renderRequestProblem(w, r, ar, err)
		return ar, "", false
	}
	return ar, binding, true
}

// boundRequestAt loads the auth request for a step's page. When the
// sign-in is at another step, it redirects there and returns ok=false.
func (d *deps) boundRequestAt(w http.ResponseWriter, r *http.Request, s step) (ar storage.AuthRequest, binding string, ok bool) {
	ar, binding, ok = d.loadRequest(w, r, true)
	if !ok {
		return ar, "", false
	}
	if next := nextStep(ar.Login); next != s {
		http.Redirect(w, r, stepPath(next, ar.ID), http.StatusSeeOther)
		return ar, "", false
	}
	return ar, binding, true
}

// advance records the progress that update makes and moves the sign-in
// on: to the next step's page, or, when every step has passed, to
// completion.
func (d *deps) advance(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, update func(p *storage.LoginProgress)) {
	p := ar.Login
	p.Factors = slices.Clone(p.Factors)
	update(&p)
	next := nextStep(p)
	if next == stepComplete {
		d.completeFresh(w, r, ar, binding, p)
		return
	}
	if _, ok := d.saveProgress(w, r, ar, binding, p); !ok {
		return
	}
	http.Redirect(w, r, stepPath(next, ar.ID), http.StatusSeeOther)
}

// saveProgress stores p as the progress of ar without moving on, for a
// step that shows an interstitial page next. When it fails it renders the
// error page and returns ok=false.
func (d *deps) saveProgress(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, p storage.LoginProgress) (storage.AuthRequest, bool) {
	now := d.Now()
	ar, err := d.AuthRequests.UpdateAuthRequest(r.Context(), ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := checkOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Login = p
		return old, nil
	})
	if err != nil {
		d.site.LogProblem(r, "sign-in progress not saved", err, "auth_request_id", ar.ID)
		d.site.RenderProblem(w, r, problemFor(err))
		return ar, false
	}
	return ar, true
}

// completeFresh finishes a sign-in whose every step has passed: it
// creates a new session, then in one update marks the auth request done
// with the result, replaces the browser's session cookie and deletes its
// old session, and sends the browser to the provider's callback with a
// 303.
func (d *deps) completeFresh(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, p storage.LoginProgress) {
	ctx := r.Context()
	now := d.Now()
	if ar.HintSubject != "" && ar.HintSubject != p.UserID {
		d.Logger.InfoContext(ctx, "sign-in refused: not the user of id_token_hint", "user_id", p.UserID, "auth_request_id", ar.ID)
		d.fail(w, r, ar.ID, "login_required", "The signed-in user is not the one the application asked for.")
		return
	}
	amr, acr := outcome(p)
	if !mfa.Satisfies(acr, ar.ACRValues) {
		// Never a weaker token than the relying party asked for.
		d.Logger.InfoContext(ctx, "sign-in refused: acr_values not met", "user_id", p.UserID, "auth_request_id", ar.ID, "acr", acr, "acr_values", ar.ACRValues)
		d.fail(w, r, ar.ID, errACRNotMet, descACRNotMet)
		return
	}
	s, value, err := d.sess.Start(ctx, r, p.UserID, amr, acr, now)
	if err != nil {
		d.site.LogProblem(r, "session not created", err, "user_id", p.UserID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	_, err = d.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := checkOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Login = p
		old.Done = true
		old.UserID = p.UserID
		old.AuthTime = now
		old.AMR = amr
		old.ACR = acr
		old.SessionID = s.ID
		return old, nil
	})
	if err != nil {
		if derr := d.Sessions.DeleteSession(ctx, s.ID); derr != nil {
			d.site.LogProblem(r, "unused session not deleted", derr)
		}
		d.site.LogProblem(r, "auth request not completed", err, "auth_request_id", ar.ID, "user_id", p.UserID)
		d.site.RenderProblem(w, r, problemFor(err))
		return
	}
	if old := d.sess.Value(r); old != "" {
		if err := d.Sessions.DeleteSession(ctx, secret.DigestHex(old)); err != nil {
			d.site.LogProblem(r, "old session not deleted", err)
		}
	}
	d.sess.SetCookie(w, value, s.ExpiresAt, now)
	d.Logger.InfoContext(ctx, "sign-in succeeded", "user_id", p.UserID, "auth_request_id", ar.ID, "client_id", ar.ClientID, "amr", amr)
	d.audit(r, iam.AuditLoginSuccess, p.UserID, p.UserID, map[string]string{"amr": strings.Join(amr, " "), "acr": acr, "client_id": ar.ClientID, "method": auditSignInMethod(p)})
	http.Redirect(w, r, d.CallbackURL(ctx, ar.ID), http.StatusSeeOther)
}

// completeFromSession answers ar, already bound to this browser by its
// login cookie value binding, from the browser's valid session s without
// a new authentication: the result carries the session's auth_time, amr
// and acr, and the session's idle timer restarts.
func (d *deps) completeFromSession(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, s storage.Session) {
	ctx := r.Context()
	now := d.Now()
	if _, err := d.sess.Touch(ctx, s.ID, now); err != nil {
		d.site.LogProblem(r, "session not reused", err, "auth_request_id", ar.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	_, err := d.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := checkOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Done = true
		old.UserID = s.UserID
		old.AuthTime = s.AuthTime
		old.AMR = slices.Clone(s.AMR)
		old.ACR = s.ACR
		old.SessionID = s.ID
		return old, nil
	})
	if err != nil {
		d.site.LogProblem(r, "auth request not completed from session", err, "auth_request_id", ar.ID)
		d.site.RenderProblem(w, r, problemFor(err))
		return
	}
	d.Logger.InfoContext(ctx, "sign-in from session", "user_id", s.UserID, "auth_request_id", ar.ID, "client_id", ar.ClientID)
	http.Redirect(w, r, d.CallbackURL(ctx, ar.ID), http.StatusSeeOther)
}

// bind ties ar to this browser: it stores the digest of the browser's
// login cookie (set now if absent) in the auth request, in one update. A
// request already bound to this browser is left alone; one bound to
// another browser is refused with errNotBound. On an error it returns ar
// as it was given.
func (d *deps) bind(ctx context.Context, w http.ResponseWriter, r *http.Request, ar storage.AuthRequest) (storage.AuthRequest, string, error) {
	binding := d.site.EnsureCookie(w, r, loginCookie)
	if ar.BindingHash != nil && secret.Equal(ar.BindingHash, binding) {
		return ar, binding, nil
	}
	now := d.Now()
	bound, err := d.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if old.Done {
			return old, errRequestDone
		}
		if !now.Before(old.ExpiresAt) {
			return old, errRequestExpired
		}
		if old.BindingHash != nil {
			if secret.Equal(old.BindingHash, binding) {
				return old, nil
			}
			return old, errNotBound
		}
		old.BindingHash = secret.Digest(binding)
		return old, nil
	})
	if err != nil {
		return ar, "", fmt.Errorf("bind auth request: %w", err)
	}
	return bound, binding, nil
}

// fail ends the authorization with an OIDC error through the provider.
// Our page CSP is dropped first: with response_mode=form_post the provider
// answers with its own auto-submitting page, which posts to the relying
// party and which our form-action and script policy would block.
func (d *deps) fail(w http.ResponseWriter, r *http.Request, authRequestID, code, description string) {
	w.Header().Del("Content-Security-Policy")
	d.FailAuthRequest(w, r, authRequestID, code, description)
}
