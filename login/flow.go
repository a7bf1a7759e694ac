package login

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/mfa"
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
//     routes.go; the GET handler starts with core.boundRequestAt(w, r, step),
//     the POST handler ends with core.advance(w, r, ar, binding, update).
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

// core is what every sign-in page needs: the browser plumbing, the
// auth-request flow, the auth requests and users of the sign-ins, the code
// sender (which serialises each user's checks), the clock, the logs and
// the provider's callback (with the profile sign-in's exit).
type core struct {
	site         *web.Site
	flow         *authreq.Flow
	authRequests storage.AuthRequests
	users        storage.Users
	codes        *codesend.Sender
	now          func() time.Time
	logger       *slog.Logger
	audit        recordFunc
	callbackURL  func(ctx context.Context, authRequestID string) string
}

// boundRequestAt loads the auth request for a step's page. When the
// sign-in is at another step, it redirects there and returns ok=false.
func (d *core) boundRequestAt(w http.ResponseWriter, r *http.Request, s step) (ar storage.AuthRequest, binding string, ok bool) {
	ar, binding, ok = d.flow.Load(w, r, true)
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
func (d *core) advance(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, update func(p *storage.LoginProgress)) {
	p := ar.Login
	p.Factors = slices.Clone(p.Factors)
	update(&p)
	next := nextStep(p)
	if next == stepComplete {
		d.flow.CompleteFresh(w, r, ar, binding, p)
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
func (d *core) saveProgress(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, p storage.LoginProgress) (storage.AuthRequest, bool) {
	ar, err := d.storeProgress(r.Context(), ar, binding, p)
	if err != nil {
		d.site.LogProblem(r, "sign-in progress not saved", err, "auth_request_id", ar.ID)
		d.site.RenderProblem(w, r, authreq.ProblemFor(err))
		return ar, false
	}
	return ar, true
}

// storeProgress stores p as the progress of ar while ar is still open in
// the browser holding binding.
func (d *core) storeProgress(ctx context.Context, ar storage.AuthRequest, binding string, p storage.LoginProgress) (storage.AuthRequest, error) {
	now := d.now()
	return d.authRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := authreq.CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Login = p
		return old, nil
	})
}
