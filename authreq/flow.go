package authreq

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// maxIDLength bounds an auth request ID taken from a URL or a form.
const maxIDLength = 256

// Flow loads, binds and completes auth requests for the hosted pages. All
// fields are required but Audit.
type Flow struct {
	AuthRequests storage.AuthRequests
	// Sessions deletes the session a failed completion created and the
	// browser's previous session.
	Sessions storage.Sessions
	Session  *session.Service
	Site     *web.Site
	// CallbackURL returns the provider's URL that finishes the
	// authorization once the auth request is done (op.AuthCallbackURL).
	CallbackURL func(ctx context.Context, authRequestID string) string
	// FailAuthRequest ends the authorization with an OIDC error sent to
	// the relying party (op.AuthRequestError).
	FailAuthRequest func(w http.ResponseWriter, r *http.Request, authRequestID, oidcErrorCode, description string)
	// Clients reads the auth requests' clients, for the "Sign in to
	// continue to <app>" header and the "Start again at <app>" links.
	// Optional: without it the pages show neither the name nor the logo.
	Clients ClientReader
	// Accounts chooses the account of sign-ins that ask for scope account
	// or name one with the account parameter (accounts.go), and admits
	// users to applications restricted to an account (application.go).
	// Optional: without it no sign-in carries an account and no
	// application's restriction is enforced, so a server with restricted
	// applications must set it (cmd/gatehouse always does).
	Accounts Accounts
	// StepUp starts a sign-in again when its account's policy asks for a
	// stronger factor (accounts.go). Without it such a sign-in is refused
	// with access_denied.
	StepUp StepUp
	// Audit records the successful sign-ins; nothing when nil.
	Audit  storage.Audit
	Now    func() time.Time
	Logger *slog.Logger
}

// Load returns the auth request named by the request's authRequestID
// parameter if it can still be answered by this browser. When it cannot,
// it renders the error page and returns ok=false.
func (f *Flow) Load(w http.ResponseWriter, r *http.Request, requireBinding bool) (ar storage.AuthRequest, binding string, ok bool) {
	id := r.FormValue("authRequestID")
	if id == "" || len(id) > maxIDLength {
		f.Site.RenderProblem(w, r, ProbBadRequest)
		return ar, "", false
	}
	ar, err := f.AuthRequests.GetAuthRequest(r.Context(), id)
	if err == nil {
		binding = f.Site.CookieValue(r, BindCookie)
		err = CheckOpen(ar, f.Now(), binding, requireBinding)
	}
	if err != nil {
		f.Site.LogProblem(r, "auth request refused", err, "auth_request_id", id)
		f.RenderProblem(w, r, ar, err)
		return ar, "", false
	}
	return ar, binding, true
}

// Open returns the auth request id and the browser's binding when this
// browser may still complete it; it renders nothing.
func (f *Flow) Open(ctx context.Context, r *http.Request, id string) (storage.AuthRequest, string, bool) {
	if id == "" {
		return storage.AuthRequest{}, "", false
	}
	ar, err := f.AuthRequests.GetAuthRequest(ctx, id)
	if err != nil {
		return ar, "", false
	}
	binding := f.Site.CookieValue(r, BindCookie)
	if CheckOpen(ar, f.Now(), binding, true) != nil {
		return ar, "", false
	}
	return ar, binding, true
}

// RenderProblem renders the error page for err, an error of loading or
// updating the auth request ar. The "started in another browser" page and
// the page of an expired or unusable sign-in link also offer to start
// again when ar's client is known: a link to the relying party's home
// page (its ClientURI), else to the origin of its registered redirect
// URI, from which the user can sign in again in this browser.
func (f *Flow) RenderProblem(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, err error) {
	p := ProblemFor(err)
	if p == ProbOtherBrowser || p == ProbBadRequest {
		p.Page.LinkURL, p.Page.LinkApp = f.StartAgain(r.Context(), ar)
	}
	f.Site.RenderProblem(w, r, p)
}

// Bind ties ar to this browser: it stores the digest of the browser's
// binding cookie (set now if absent) in the auth request, in one update.
// A request already bound to this browser is left alone; one bound to
// another browser is refused with ErrNotBound. On an error it returns ar
// as it was given.
func (f *Flow) Bind(ctx context.Context, w http.ResponseWriter, r *http.Request, ar storage.AuthRequest) (storage.AuthRequest, string, error) {
	binding := f.Site.EnsureCookie(w, r, BindCookie)
	if ar.BindingHash != nil && secret.Equal(ar.BindingHash, binding) {
		return ar, binding, nil
	}
	now := f.Now()
	bound, err := f.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if old.Done {
			return old, ErrDone
		}
		if !now.Before(old.ExpiresAt) {
			return old, ErrExpired
		}
		if old.BindingHash != nil {
			if secret.Equal(old.BindingHash, binding) {
				return old, nil
			}
			return old, ErrNotBound
		}
		old.BindingHash = secret.Digest(binding)
		return old, nil
	})
	if err != nil {
		return ar, "", fmt.Errorf("bind auth request: %w", err)
	}
	return bound, binding, nil
}

// CompleteFresh finishes a sign-in whose every step has passed: it
// chooses the account (sending the browser to the account picker when the
// user must pick one, after saving p), creates a new session, then in one
// update marks the auth request done with the result, replaces the
// browser's session cookie and deletes its old session, and sends the
// browser to the provider's callback with a 303.
func (f *Flow) CompleteFresh(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, p storage.LoginProgress) {
	ctx := r.Context()
	now := f.Now()
	if ar.HintSubject != "" && ar.HintSubject != p.UserID {
		f.Logger.InfoContext(ctx, "sign-in refused: not the user that id_token_hint or the claims sub value names", "user_id", p.UserID, "auth_request_id", ar.ID)
		f.Fail(w, r, ar.ID, "login_required", "The signed-in user is not the one the application asked for.")
		return
	}
	amr, acr := Outcome(p)
	if !mfa.Satisfies(acr, ar.ACRValues) {
		// Never a weaker token than the relying party asked for.
		f.Logger.InfoContext(ctx, "sign-in refused: acr_values not met", "user_id", p.UserID, "auth_request_id", ar.ID, "acr", acr, "acr_values", ar.ACRValues)
		f.Fail(w, r, ar.ID, ErrACRNotMet, DescACRNotMet)
		return
	}
	accountID, ok := f.settleAccount(w, r, ar, binding, p.UserID, false, amr, func(old *storage.AuthRequest) {
		old.Login, old.AccountPickSession = p, ""
	})
	if !ok {
		return
	}
	s, value, err := f.Session.Start(ctx, r, p.UserID, amr, acr, now)
	if err != nil {
		f.Site.LogProblem(r, "session not created", err, "user_id", p.UserID)
		f.Site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	_, err = f.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Login, old.Done, old.UserID, old.AuthTime = p, true, p.UserID, now
		old.AMR, old.ACR, old.SessionID, old.AccountID = amr, acr, s.ID, accountID
		return old, nil
	})
	if err != nil {
		if derr := f.Sessions.DeleteSession(ctx, s.ID); derr != nil {
			f.Site.LogProblem(r, "unused session not deleted", derr)
		}
		f.Site.LogProblem(r, "auth request not completed", err, "auth_request_id", ar.ID, "user_id", p.UserID)
		f.Site.RenderProblem(w, r, ProblemFor(err))
		return
	}
	if old := f.Session.Value(r); old != "" {
		if err := f.Sessions.DeleteSession(ctx, secret.DigestHex(old)); err != nil {
			f.Site.LogProblem(r, "old session not deleted", err)
		}
	}
	f.Session.SetCookie(w, value, s.ExpiresAt, now)
	f.Logger.InfoContext(ctx, "sign-in succeeded", "user_id", p.UserID, "auth_request_id", ar.ID, "client_id", ar.ClientID, "amr", amr)
	f.audit(r, p.UserID, map[string]string{"amr": strings.Join(amr, " "), "acr": acr, "client_id": ar.ClientID, "method": SignInMethod(p)})
	http.Redirect(w, r, f.CallbackURL(ctx, ar.ID), http.StatusSeeOther)
}

// StartSession signs the browser in with the fresh sign-in p, whose
// every step has passed, without answering the relying party: it creates
// a new session, replaces the browser's session cookie and deletes its
// old session, and audits the sign-in. The account picker calls it when
// an Owner or Admin leaves the sign-in for a PENDING account's Complete
// setup; the auth request stays open until it expires. It reports
// whether it did; on failure it answered the browser.
func (f *Flow) StartSession(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, p storage.LoginProgress) bool {
	ctx := r.Context()
	now := f.Now()
	amr, acr := Outcome(p)
	s, value, err := f.Session.Start(ctx, r, p.UserID, amr, acr, now)
	if err != nil {
		f.Site.LogProblem(r, "session not created", err, "user_id", p.UserID)
		f.Site.RenderProblem(w, r, web.ProbInternal)
		return false
	}
	if old := f.Session.Value(r); old != "" {
		if err := f.Sessions.DeleteSession(ctx, secret.DigestHex(old)); err != nil {
			f.Site.LogProblem(r, "old session not deleted", err)
		}
	}
	f.Session.SetCookie(w, value, s.ExpiresAt, now)
	f.Logger.InfoContext(ctx, "signed in to complete an account's setup", "user_id", p.UserID, "auth_request_id", ar.ID)
	f.audit(r, p.UserID, map[string]string{"amr": strings.Join(amr, " "), "acr": acr, "client_id": ar.ClientID, "method": SignInMethod(p)})
	return true
}

// CompleteFromSession answers ar, already bound to this browser by its
// binding cookie value binding, from the browser's valid session s
// without a new authentication: the result carries the session's
// auth_time, amr and acr, and the session's idle timer restarts. When the
// user must pick an account, the browser goes to the account picker
// first, which comes back here for the same session.
func (f *Flow) CompleteFromSession(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding string, s storage.Session) {
	ctx := r.Context()
	now := f.Now()
	accountID, ok := f.settleAccount(w, r, ar, binding, s.UserID, true, s.AMR, func(old *storage.AuthRequest) {
		old.AccountPickSession = s.ID
	})
	if !ok {
		return
	}
	if _, err := f.Session.Touch(ctx, s.ID, now); err != nil {
		f.Site.LogProblem(r, "session not reused", err, "auth_request_id", ar.ID)
		f.Site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	_, err := f.AuthRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Done, old.UserID, old.AuthTime = true, s.UserID, s.AuthTime
		old.AMR, old.ACR, old.SessionID, old.AccountID = slices.Clone(s.AMR), s.ACR, s.ID, accountID
		return old, nil
	})
	if err != nil {
		f.Site.LogProblem(r, "auth request not completed from session", err, "auth_request_id", ar.ID)
		f.Site.RenderProblem(w, r, ProblemFor(err))
		return
	}
	f.Logger.InfoContext(ctx, "sign-in from session", "user_id", s.UserID, "auth_request_id", ar.ID, "client_id", ar.ClientID)
	http.Redirect(w, r, f.CallbackURL(ctx, ar.ID), http.StatusSeeOther)
}

// Fail ends the authorization with an OIDC error through the provider.
// Our page CSP is dropped first: with response_mode=form_post the
// provider answers with its own auto-submitting page, which posts to the
// relying party and which our form-action and script policy would block.
func (f *Flow) Fail(w http.ResponseWriter, r *http.Request, authRequestID, code, description string) {
	w.Header().Del("Content-Security-Policy")
	f.FailAuthRequest(w, r, authRequestID, code, description)
}

// audit records a successful sign-in of userID (iam.AuditLoginSuccess). A
// failure is logged; the page goes on.
func (f *Flow) audit(r *http.Request, userID string, detail map[string]string) {
	if f.Audit == nil {
		return
	}
	e := iam.PageEvent(f.Now(), userID, iam.AuditLoginSuccess, userID, f.Site.ClientIP(r), r.UserAgent(), detail)
	if err := f.Audit.AppendAudit(r.Context(), e); err != nil {
		f.Logger.ErrorContext(r.Context(), "audit event not recorded", "action", iam.AuditLoginSuccess, "target", userID, "err", err)
	}
}
