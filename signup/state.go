package signup

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// Self-registration (REQUIREMENTS.md section 5, without the account step,
// which comes with the accounts issue). The steps, each a page under
// pathRegister:
//
//  1. the e-mail address; a code is e-mailed (an OTP challenge of purpose
//     verify_email, with the limits of the sign-in codes);
//  2. the code (pathRegisterVerify);
//  3. the name and the password, checked by iam.CheckRegistration
//     (pathRegisterDetails);
//  4. the second factor: e-mail (the default), a code by SMS to a number
//     proven at once (pathRegisterSMS, sms.go) or an authenticator app,
//     enrolled at once with a QR code and one code (pathRegisterTOTP);
//  5. the first account: Individual or Business, and a name
//     (pathRegisterAccount, first.go);
//  6. the user is created (iam.Register) with its second factor and
//     recovery codes, and at once its first account
//     (iam.CreateFirstAccount); the codes are shown once; then the
//     sign-in the registration started from completes, or the page says
//     "Account created — sign in".
//
// An invited person (invite.go) runs steps 3, 4 and 6 with the address of
// the invitation, proven by the link; step 6 accepts the invitation
// instead of creating an account.
//
// The registration's progress is kept in a sealed cookie (AES-GCM with the
// TOTP sealer, bound to its purpose), so that nothing is stored before the
// user exists. A registration with an address that already has an account
// looks the same to the visitor: the owner is e-mailed "someone tried to
// register with your address" and the code page follows, where no code
// works: its challenge is stored like any other, with a digest no code
// has, so resends, wrong codes and limits answer identically.
//
// Completing the sign-in after registration: the person has just proven
// the password and possession of the e-mail address (or of the new
// authenticator app) by a code, so the session gets amr ["pwd", "otp",
// "mfa"], the same as a sign-in with an e-mail code.
const (
	pathRegister        = "/login/register"
	pathRegisterVerify  = "/login/register/verify"
	pathRegisterResend  = "/login/register/resend"
	pathRegisterDetails = "/login/register/details"
	pathRegisterMethod  = "/login/register/method"
	pathRegisterTOTP    = "/login/register/totp"
	pathRegisterFinish  = "/login/register/finish"
	pathRegisterSMS     = "/login/register/sms"
	pathRegisterSMSSend = "/login/register/sms/resend"
	pathRegisterAccount = "/login/register/account"
)

// registerCookieName holds the sealed registration state.
const registerCookieName = "gh_register"

// registerTTL bounds a registration from the e-mail to the last step.
const registerTTL = 30 * time.Minute

// registerAD binds the sealed state to its purpose.
const registerAD = "gatehouse registration v1"

// regState is the progress of a registration.
type regState struct {
	AuthRequestID string    `json:"ar,omitempty"`
	Email         string    `json:"email"`
	ChallengeID   string    `json:"ch"`
	Verified      bool      `json:"verified,omitempty"`
	Person        regPerson `json:"p"`
	Factor        regFactor `json:"f"`
	Invite        regInvite `json:"i"`
	UserID        string    `json:"user,omitempty"`
	ExpiresAt     time.Time `json:"exp"`
}

// regPerson is the name and the password hash of the registrant.
type regPerson struct {
	GivenName    string `json:"given,omitempty"`
	FamilyName   string `json:"family,omitempty"`
	PasswordHash string `json:"pw,omitempty"`
}

// regFactor is the second factor of the registrant.
type regFactor struct {
	TOTPSecret string `json:"totp,omitempty"`
	// TOTPStep is the time step of the code that proved TOTPSecret, so
	// that it is not accepted again at the first sign-in.
	TOTPStep int64 `json:"totp_step,omitempty"`
	// Phone is the number of the SMS method and PhoneChallenge the
	// challenge of the code sent to it.
	Phone          string `json:"phone,omitempty"`
	PhoneChallenge string `json:"pch,omitempty"`
	// Method is the second factor, set once it is proven (an e-mail code
	// proved the address; TOTP and SMS by their own code).
	Method string `json:"method,omitempty"`
}

// regInvite marks the registration of an invited person (invite.go),
// whose address the link proved: Token is the link's token until the
// invitation is accepted, and Joined the name of the account joined.
type regInvite struct {
	Invited bool   `json:"invited,omitempty"`
	Token   string `json:"token,omitempty"`
	Joined  string `json:"joined,omitempty"`
}

var probRegistration = web.Problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
	Title:   "This registration has expired",
	Message: "The registration took too long, or was started in another browser.",
	Next:    "Start again from the sign-in page.",
}}

var probNoRegistration = web.Problem{Status: http.StatusNotFound, Page: templates.ErrorPage{
	Title:   "Registration is closed",
	Message: "New accounts cannot be created here.",
	Next:    "Ask your administrator for an invitation.",
}}

// saveReg seals st into the registration cookie.
func (d *pages) saveReg(w http.ResponseWriter, st regState) {
	b, _ := json.Marshal(st) // plain struct: cannot fail
	d.site.SetCookie(w, registerCookieName, base64.RawURLEncoding.EncodeToString(d.sealer.Seal(b, registerAD)), int(registerTTL/time.Second))
}

// clearReg ends the registration cookie.
func (d *pages) clearReg(w http.ResponseWriter) {
	d.site.SetCookie(w, registerCookieName, "", -1)
}

// loadReg opens the registration cookie. Without a usable one it renders
// the error page and returns ok=false.
func (d *pages) loadReg(w http.ResponseWriter, r *http.Request) (regState, bool) {
	var st regState
	err := errors.New("no registration cookie")
	if v := d.site.RawCookie(r, registerCookieName); v != "" {
		var sealed, plain []byte
		if sealed, err = base64.RawURLEncoding.DecodeString(v); err == nil {
			if plain, err = d.sealer.Open(sealed, registerAD); err == nil {
				err = json.Unmarshal(plain, &st)
			}
		}
	}
	if err == nil && !d.now().Before(st.ExpiresAt) {
		err = errors.New("registration expired")
	}
	if err != nil {
		d.logger.InfoContext(r.Context(), "registration refused", "err", err)
		d.site.RenderProblem(w, r, probRegistration)
		return st, false
	}
	return st, true
}

// invitedReg reports whether the browser holds a usable registration of
// an invited person; it renders nothing.
func (d *pages) invitedReg(r *http.Request) bool {
	v := d.site.RawCookie(r, registerCookieName)
	if v == "" {
		return false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil {
		return false
	}
	plain, err := d.sealer.Open(sealed, registerAD)
	if err != nil {
		return false
	}
	var st regState
	return json.Unmarshal(plain, &st) == nil && st.Invite.Invited && d.now().Before(st.ExpiresAt)
}

// registrationOn wraps the registration routes: 404 when it is off,
// except for an invited person's registration, which an invitation link
// started (invite.go).
func (h *Handler) registrationOn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.enabled && !h.code.invitedReg(r) {
			h.code.site.RenderProblem(w, r, probNoRegistration)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// registrationOpen wraps the e-mail steps of the registration: 404 when
// registration is off, invitation or not.
func (h *Handler) registrationOpen(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.enabled {
			h.code.site.RenderProblem(w, r, probNoRegistration)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// regCSRF returns the CSRF token of the registration forms (bound to the
// login cookie, set when missing).
func (d *pages) regCSRF(w http.ResponseWriter, r *http.Request) string {
	return d.site.CSRFToken(authreq.BindCookie, d.site.EnsureCookie(w, r, authreq.BindCookie))
}
