package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/passcheck"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// Default session timeouts (REQUIREMENTS.md section 4, NIST AAL2).
const (
	DefaultSessionLifetime    = session.DefaultLifetime
	DefaultSessionIdleTimeout = session.DefaultIdleTimeout
)

// secretKeySize is the minimum size of the OTP pepper and the device key.
const secretKeySize = 32

// defaultProduct names the product in messages and authenticator apps.
const defaultProduct = "Gatehouse"

// Deps are the dependencies of the hosted pages.
type Deps struct {
	Users        storage.Users
	AuthRequests storage.AuthRequests
	Sessions     storage.Sessions
	// Tokens is the store of the user's tokens, for the page packages
	// mounted beside the sign-in (cmd/gatehouse passes it on to profile,
	// reset and signout, which revoke tokens). Optional.
	Tokens storage.Tokens

	// Clients reads the relying parties, for the "Sign in to continue to
	// <app>" header (name and logo) of the sign-in pages and the "Start
	// again at <app>" links. Optional: without it the pages name no
	// application.
	Clients authreq.ClientReader

	Passwords *password.Hasher
	Templates *templates.Set
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Logger receives sign-in events; nothing is logged when nil.
	Logger *slog.Logger
	// Audit records the security events of the pages (sign-ins,
	// second-factor, password, contact and session changes; see
	// audit.go) in the audit log. Optional: nothing is recorded when nil.
	Audit storage.Audit

	// CallbackURL returns the provider's URL that finishes the
	// authorization once the auth request is done (op.AuthCallbackURL).
	CallbackURL func(ctx context.Context, authRequestID string) string
	// Callback is the provider's authorization callback handler
	// (PathCallback), which issues the code of a done auth request. The
	// pages mount it behind a guard that lets each request through once,
	// in the browser it is bound to (callback.go).
	Callback http.Handler
	// FailAuthRequest ends the authorization with an OIDC error sent to the
	// relying party (op.AuthRequestError), for example "login_required".
	FailAuthRequest func(w http.ResponseWriter, r *http.Request, authRequestID, oidcErrorCode, description string)

	// Issuer is the provider's issuer URL. Its origin is allowed as a form
	// target and as the Origin of POSTs.
	Issuer string
	// SecureCookies marks cookies Secure, names the session cookie with
	// the __Host- prefix and turns HSTS on. Set it whenever the pages are
	// served over https.
	SecureCookies bool
	// SessionLifetime is the absolute lifetime of an SSO session;
	// DefaultSessionLifetime when zero.
	SessionLifetime time.Duration
	// SessionIdleTimeout ends a session that was not used for so long;
	// DefaultSessionIdleTimeout when zero.
	SessionIdleTimeout time.Duration
	// CSRFKey is the HMAC key of the CSRF tokens, at least 32 bytes. When
	// empty a random key is generated, so forms opened before a restart
	// are refused after it; pass a persisted key to avoid that.
	CSRFKey []byte

	// MFA stores the users' second-factor state and the one-time code
	// challenges. Required.
	MFA storage.MFA
	// Mailer sends e-mail codes (and the "second factor changed"
	// notice). Required: e-mail is every user's default method.
	Mailer notify.Mailer
	// Texter sends SMS codes. When nil, SMS is not offered and users who
	// prefer it get their code by e-mail.
	Texter notify.Texter
	// Messages renders the code messages; a notify.Composer for
	// "Gatehouse" when nil.
	Messages Messages
	// OTPPepper keys the digests of e-mail and SMS codes (mfa.HashCode):
	// a server secret of at least 32 bytes kept outside the database.
	// Required.
	OTPPepper []byte
	// TOTPSealer encrypts TOTP secrets at rest. Required.
	TOTPSealer *secret.Sealer
	// TOTPIssuer is the issuer name shown in authenticator apps;
	// "Gatehouse" when empty.
	TOTPIssuer string
	// CodePolicy holds the e-mail and SMS code limits;
	// mfa.DefaultCodePolicy when zero.
	CodePolicy mfa.CodePolicy
	// AttemptPolicy limits wrong TOTP and recovery codes per user;
	// mfa.DefaultAttemptPolicy when zero.
	AttemptPolicy mfa.AttemptPolicy
	// GuessPolicy is the per-user ceiling on wrong second factors across
	// challenges, resends and sign-ins (mfa_limit.go);
	// mfa.DefaultGuessPolicy when zero.
	GuessPolicy mfa.GuessPolicy
	// TrustedDevices offers "Don't ask again on this device" on the code
	// pages. Off by default.
	TrustedDevices bool
	// DeviceKey signs trusted-device cookies, at least 32 bytes. Required
	// when TrustedDevices is set.
	DeviceKey []byte
	// DeviceTTL is how long a trusted device skips the second factor;
	// mfa.DeviceTTL (30 days) when zero.
	DeviceTTL time.Duration

	// Passkeys runs the WebAuthn ceremonies: security keys and passkeys
	// as the second factor, passkey sign-in and /profile/keys (see
	// webauthn.go). When nil, WebAuthn is off: users who prefer it get
	// e-mail codes and acr_values=phr cannot be met.
	Passkeys *passkey.Service

	// Codes sends the e-mail and SMS codes under the users' send limits.
	// Pass the Sender the profile pages use too, so that the sends and
	// checks of each user are serialised across both; when nil, one is
	// built from MFA, OTPPepper, CodePolicy and Now.
	Codes *codesend.Sender

	// Avatars stores the profile pictures. When nil the profile offers no
	// picture upload.
	Avatars storage.Avatars

	// Accounts chooses the account of sign-ins that ask for scope account
	// and serves the account picker (picker.go); *iam.Service implements
	// it. When nil, no sign-in carries an account.
	Accounts authreq.Accounts

	// Self-service: brute force, per-IP limits and the links to
	// "Forgot password?" and registration (lockout.go, ratelimit.go; the
	// pages are packages reset's and signup's).
	SelfService
}

// Messages renders the messages that carry sign-in codes. *notify.Composer
// implements it.
type Messages interface {
	CodeEmail(to, toName, code string, validFor time.Duration) (notify.Email, error)
	CodeSMS(to, code string, validFor time.Duration) (notify.SMS, error)
	MFAChangedEmail(to, toName, method string, at time.Time) (notify.Email, error)
}

// Handler serves the hosted sign-in pages. Build it with New and mount it
// on a router with Mount.
type Handler struct {
	core      *core
	sess      *session.Service
	pw        *passcheck.Checker
	limiters  regulate.Limiters
	templates *templates.Set
	pages     pageSet
	// picker serves the account picker; nil without Deps.Accounts.
	picker *pickerPages
}

// pageSet holds the handler types of the pages, for addRoutes. keys serves
// no route when Deps.Passkeys is nil.
type pageSet struct {
	email    *emailPages
	password *passwordPages
	codes    *codePages
	enrol    *enrolPages
	finish   *finishPages
	keys     *keyPages
	profile  *profilePages
	callback *callbackGuard
}

// New validates d and returns the handler of the hosted pages.
func New(d Deps) (*Handler, error) {
	d, err := withDefaults(d)
	if err != nil {
		return nil, err
	}
	site, err := web.New(web.Config{Issuer: d.Issuer, Secure: d.SecureCookies, CSRFKey: d.CSRFKey,
		Templates: d.Templates, Logger: d.Logger, TrustedProxies: d.TrustedProxies})
	if err != nil {
		return nil, fmt.Errorf("login deps: %w", err)
	}
	msgs, err := composerFor[SelfServiceMessages](d.Messages)
	if err != nil {
		return nil, fmt.Errorf("login deps: %w", err)
	}
	notices, err := composerFor[lockNotices](d.Messages)
	if err != nil {
		return nil, fmt.Errorf("login deps: %w", err)
	}
	sess := session.New(session.Config{Sessions: d.Sessions, Users: d.Users, Site: site,
		Lifetime: d.SessionLifetime, IdleTimeout: d.SessionIdleTimeout, Now: d.Now})
	audit := auditor(d.Audit, site, d.Now, d.Logger)
	c := &core{site: site, authRequests: d.AuthRequests, users: d.Users, codes: d.Codes, now: d.Now, logger: d.Logger, audit: audit}
	profile := &profilePages{core: c, sess: sess, keysOn: d.Passkeys != nil}
	// The flow's exits must be the profile-aware ones.
	callback, fail := profile.exits(d.CallbackURL, d.FailAuthRequest)
	c.callbackURL = callback
	c.flow = &authreq.Flow{AuthRequests: d.AuthRequests, Sessions: d.Sessions, Session: sess, Site: site,
		CallbackURL: callback, FailAuthRequest: fail, Clients: d.Clients, Accounts: d.Accounts, Audit: d.Audit, Now: d.Now, Logger: d.Logger}
	h := &Handler{core: c, sess: sess, limiters: d.Limiters, templates: d.Templates}
	h.pw = &passcheck.Checker{Users: d.Users, Passwords: d.Passwords, Regulator: d.Regulator, Mailer: d.Mailer,
		Messages: msgs, Audit: audit, Logger: d.Logger, Now: d.Now}
	h.pages = newPages(d, c, sess, h.pw, msgs, notices)
	h.pages.profile = profile
	h.pages.callback = &callbackGuard{site: site, authRequests: d.AuthRequests, flow: c.flow, callback: d.Callback, now: d.Now}
	if d.Accounts != nil {
		h.picker = &pickerPages{core: c, sess: sess, accounts: d.Accounts}
	}
	return h, nil
}

// newPages builds the sign-in pages' handler types from d (with its
// defaults) and the shared parts.
func newPages(d Deps, c *core, sess *session.Service, pw *passcheck.Checker, msgs SelfServiceMessages, notices lockNotices) pageSet {
	f := &factors{core: c, states: d.MFA, mailer: d.Mailer, messages: d.Messages, notices: notices,
		guessPolicy: d.GuessPolicy, texter: d.Texter, codeTTL: d.CodePolicy.TTL, webauthn: d.Passkeys != nil}
	dev := &devices{core: c, on: d.TrustedDevices, key: d.DeviceKey, ttl: d.DeviceTTL, states: d.MFA, accounts: d.Accounts}
	fin := &finishPages{core: c, factors: f, devices: dev, states: d.MFA}
	keys := &keyPages{core: c, passkeys: d.Passkeys, factors: f, finish: fin}
	c.flow.StepUp = keys.stepUp
	chk := &checks{core: c, factors: f, states: d.MFA, pepper: d.OTPPepper, codePolicy: d.CodePolicy,
		attemptPolicy: d.AttemptPolicy, sealer: d.TOTPSealer}
	p := pageSet{
		email:    &emailPages{core: c, sess: sess, keys: keys, registration: d.Registration},
		password: &passwordPages{core: c, pw: pw, factors: f, devices: dev, keys: keys, resetsOn: d.PasswordResets != nil},
		codes: &codePages{core: c, factors: f, checks: chk, keys: keys, finish: fin, states: d.MFA,
			codePolicy: d.CodePolicy, totpIssuer: d.TOTPIssuer, devices: dev},
		enrol: &enrolPages{core: c, factors: f, finish: fin, states: d.MFA, sealer: d.TOTPSealer,
			totpIssuer: d.TOTPIssuer, attemptPolicy: d.AttemptPolicy},
		finish: fin,
		keys:   keys,
	}
	return p
}

// Mount registers the hosted pages on r. See routes.go for the list. The
// per-IP limits wrap these routes only, not those added to r later.
func (h *Handler) Mount(r *mux.Router) { addRoutes(r, h) }

// withDefaults checks d and fills in its defaults.
func withDefaults(d Deps) (Deps, error) {
	var missing []error
	for name, ok := range map[string]bool{
		"Users":           d.Users != nil,
		"AuthRequests":    d.AuthRequests != nil,
		"Sessions":        d.Sessions != nil,
		"Passwords":       d.Passwords != nil,
		"Templates":       d.Templates != nil,
		"CallbackURL":     d.CallbackURL != nil,
		"Callback":        d.Callback != nil,
		"FailAuthRequest": d.FailAuthRequest != nil,
		"MFA":             d.MFA != nil,
		"Mailer":          d.Mailer != nil,
		"TOTPSealer":      d.TOTPSealer != nil,
	} {
		if !ok {
			missing = append(missing, fmt.Errorf("login deps: %s is required", name))
		}
	}
	if len(d.OTPPepper) < secretKeySize {
		missing = append(missing, fmt.Errorf("login deps: OTPPepper has %d bytes, want at least %d", len(d.OTPPepper), secretKeySize))
	}
	if d.TrustedDevices && len(d.DeviceKey) < secretKeySize {
		missing = append(missing, fmt.Errorf("login deps: DeviceKey has %d bytes, want at least %d with TrustedDevices", len(d.DeviceKey), secretKeySize))
	}
	if len(missing) > 0 {
		slices.SortFunc(missing, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
		return d, errors.Join(missing...)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.SessionLifetime <= 0 {
		d.SessionLifetime = DefaultSessionLifetime
	}
	if d.SessionIdleTimeout <= 0 {
		d.SessionIdleTimeout = DefaultSessionIdleTimeout
	}
	if d.Messages == nil {
		c, err := notify.NewComposer(defaultProduct)
		if err != nil {
			return d, fmt.Errorf("login deps: message templates: %w", err)
		}
		d.Messages = c
	}
	if d.TOTPIssuer == "" {
		d.TOTPIssuer = defaultProduct
	}
	if d.CodePolicy == (mfa.CodePolicy{}) {
		d.CodePolicy = mfa.DefaultCodePolicy()
	}
	if d.AttemptPolicy == (mfa.AttemptPolicy{}) {
		d.AttemptPolicy = mfa.DefaultAttemptPolicy()
	}
	if d.DeviceTTL <= 0 {
		d.DeviceTTL = mfa.DeviceTTL
	}
	if d.Codes == nil {
		d.Codes = codesend.New(codesend.Config{MFA: d.MFA, Pepper: d.OTPPepper, Policy: d.CodePolicy, Now: d.Now})
	}
	return d, nil
}

// Site returns the browser plumbing of the pages, for the page packages
// mounted beside them (package profile): they must share its CSRF key.
func (h *Handler) Site() *web.Site { return h.core.site }

// Session returns the SSO session service of the pages, for the page
// packages mounted beside them.
func (h *Handler) Session() *session.Service { return h.sess }

// Flow returns the auth-request flow of the pages (with the profile
// sign-in's exits), for the page packages that complete a sign-in too
// (package signup).
func (h *Handler) Flow() *authreq.Flow { return h.core.flow }

// Codes returns the code sender of the pages (Deps.Codes, or the one New
// built), for the page packages that send codes too.
func (h *Handler) Codes() *codesend.Sender { return h.core.codes }

// CheckPassword checks the current password of the user userID behind the
// same per-user counter as the sign-in password (passcheck.Checker),
// for a password change on the profile. reason is empty when the password
// is right and names the refusal for the log otherwise; throttled reports
// a refusal by the counter (a delay or a lock).
func (h *Handler) CheckPassword(r *http.Request, userID, pw string) (reason string, throttled bool, err error) {
	_, reason, err = h.pw.Check(r, userID, pw)
	return reason, passcheck.Throttled(reason), err
}
