package login

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
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
//  4. the second factor: e-mail (the default) or an authenticator app,
//     enrolled at once with a QR code and one code (pathRegisterTOTP);
//  5. the user is created (iam.Register) with recovery codes, shown once;
//     then the sign-in the registration started from completes, or the
//     page says "Account created — sign in".
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
	GivenName     string    `json:"given,omitempty"`
	FamilyName    string    `json:"family,omitempty"`
	PasswordHash  string    `json:"pw,omitempty"`
	TOTPSecret    string    `json:"totp,omitempty"`
	UserID        string    `json:"user,omitempty"`
	ExpiresAt     time.Time `json:"exp"`
}

var probRegistration = problem{Status: http.StatusBadRequest, Page: templates.ErrorPage{
	Title:   "This registration has expired",
	Message: "The registration took too long, or was started in another browser.",
	Next:    "Start again from the sign-in page.",
}}

var probNoRegistration = problem{Status: http.StatusNotFound, Page: templates.ErrorPage{
	Title:   "Registration is closed",
	Message: "New accounts cannot be created here.",
	Next:    "Ask your administrator for an invitation.",
}}

// registerURL returns the "Create an account" link of the e-mail page, or
// "" when registration is off.
func (d *deps) registerURL(authRequestID string) string {
	if !d.Registration {
		return ""
	}
	if authRequestID == "" {
		return pathRegister
	}
	return urlFor(pathRegister, authRequestID)
}

// saveReg seals st into the registration cookie.
func (d *deps) saveReg(w http.ResponseWriter, st regState) {
	b, _ := json.Marshal(st) // plain struct: cannot fail
	d.site.SetCookie(w, registerCookieName, base64.RawURLEncoding.EncodeToString(d.TOTPSealer.Seal(b, registerAD)), int(registerTTL/time.Second))
}

// clearReg ends the registration cookie.
func (d *deps) clearReg(w http.ResponseWriter) {
	d.site.SetCookie(w, registerCookieName, "", -1)
}

// loadReg opens the registration cookie. Without a usable one it renders
// the error page and returns ok=false.
func (d *deps) loadReg(w http.ResponseWriter, r *http.Request) (regState, bool) {
	var st regState
	err := errors.New("no registration cookie")
	if v := d.site.RawCookie(r, registerCookieName); v != "" {
		var sealed, plain []byte
		if sealed, err = base64.RawURLEncoding.DecodeString(v); err == nil {
			if plain, err = d.TOTPSealer.Open(sealed, registerAD); err == nil {
				err = json.Unmarshal(plain, &st)
			}
		}
	}
	if err == nil && !d.Now().Before(st.ExpiresAt) {
		err = errors.New("registration expired")
	}
	if err != nil {
		d.Logger.InfoContext(r.Context(), "registration refused", "err", err)
		d.site.RenderProblem(w, r, probRegistration)
		return st, false
	}
	return st, true
}

// registrationOn wraps the registration routes: 404 when it is off.
func (d *deps) registrationOn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !d.Registration {
			d.site.RenderProblem(w, r, probNoRegistration)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// regCSRF returns the CSRF token of the registration forms (bound to the
// login cookie, set when missing).
func (d *deps) regCSRF(w http.ResponseWriter, r *http.Request) string {
	return d.site.CSRFToken(loginCookie, d.site.EnsureCookie(w, r, loginCookie))
}

// handleRegisterForm serves GET /login/register, the e-mail step.
func handleRegisterForm(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := selfParam(r.URL.Query().Get("authRequestID"))
		page := templates.RegisterPage{AuthRequestID: id, CSRFToken: d.regCSRF(w, r)}
		if id != "" {
			page.SignInURL = urlFor("/login/email", id)
		}
		d.site.Render(w, r, http.StatusOK, page)
	})
}

// handleRegisterPOST serves POST /login/register: it sends the
// verification code (or, for an address that has an account, the notice
// to its owner) and moves on to the code page, the same either way: a
// taken address gets a challenge too, one that no code matches, so that
// resends, wrong codes and the limits answer alike (enumeration). The
// codes sent to one address are limited per address (RegistrationSends).
func handleRegisterPOST(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := selfParam(r.PostForm.Get("authRequestID"))
		email := strings.TrimSpace(r.PostForm.Get("email"))
		if err := iam.CheckRegistration(email, "x", "", "placeholder password for the e-mail check"); err != nil {
			var ie *iam.Error
			if errors.As(err, &ie) && ie.Field == "email" {
				d.site.Render(w, r, http.StatusOK, templates.RegisterPage{AuthRequestID: id, CSRFToken: r.PostForm.Get("csrf"), Email: email,
					Error: "Enter your e-mail address, for example name@example.com."})
				return
			}
		}
		now := d.Now()
		st := regState{AuthRequestID: id, Email: email, ChallengeID: secret.ID("otp_reg_"), ExpiresAt: now.Add(registerTTL)}
		if ok, wait := d.Limiters.RegistrationSends.Allow(d.addressKey(email)); !ok {
			d.Logger.InfoContext(r.Context(), "registration code not sent: address send limit", "retry_after", wait)
			d.saveReg(w, st)
			d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, codesend.WaitMessage(wait))
			return
		}
		if err := d.sendFirstRegisterCode(r, st, now); err != nil {
			d.site.LogProblem(r, "registration code not sent", err)
		}
		d.saveReg(w, st)
		http.Redirect(w, r, pathRegisterVerify, http.StatusSeeOther)
	})
}

// sendFirstRegisterCode stores the challenge of st and e-mails its code,
// or, when the address has an account, stores a challenge no code matches
// and e-mails the owner the notice instead.
func (d *deps) sendFirstRegisterCode(r *http.Request, st regState, now time.Time) error {
	ctx := r.Context()
	c, code := mfa.NewChallenge(d.OTPPepper, storage.OTPChallenge{
		ID: st.ChallengeID, Purpose: storage.OTPVerifyEmail, Channel: storage.ChannelEmail, Destination: st.Email,
	}, d.CodePolicy, now)
	existing, taken, err := d.registeredUser(r, st.Email)
	if err != nil {
		return err
	}
	if taken {
		c.CodeHash = unmatchableCode()
	}
	if err := d.MFA.CreateOTPChallenge(ctx, c); err != nil {
		return fmt.Errorf("store registration challenge: %w", err)
	}
	return d.sendRegisterMessage(r, st.Email, code, existing, taken)
}

// registeredUser returns the user who has email, if any.
func (d *deps) registeredUser(r *http.Request, email string) (storage.User, bool, error) {
	u, err := d.Users.GetUserByEmail(r.Context(), email)
	switch {
	case err == nil:
		return u, true, nil
	case errors.Is(err, storage.ErrNotFound):
		return u, false, nil
	}
	return u, false, fmt.Errorf("look up registration address: %w", err)
}

// sendRegisterMessage e-mails the code, or for a taken address the notice
// to its owner (no code, no link).
func (d *deps) sendRegisterMessage(r *http.Request, email, code string, existing storage.User, taken bool) error {
	if taken {
		d.Logger.InfoContext(r.Context(), "registration with a taken address", "user_id", existing.ID)
		return d.Mailer.SendEmail(r.Context(), registerTakenEmail(existing, d.TOTPIssuer))
	}
	return d.sendRegisterCode(r, email, code)
}

// unmatchableCode is the code digest of a taken address's challenge: the
// digest of a random token, which no six-digit code has.
func unmatchableCode() []byte { return secret.Digest("unmatchable\x00" + secret.Token(32)) }

// addressKey is the key of an address's per-address counters (the sends
// limiter and the failed codes): a keyed digest of the normalised address,
// so that the store does not hold the address attempted.
func (d *deps) addressKey(email string) string {
	m := hmac.New(sha256.New, d.OTPPepper)
	m.Write([]byte("gatehouse registration address\x00" + storage.NormalizeEmail(email)))
	return "reg_" + hex.EncodeToString(m.Sum(nil))[:40]
}

// sendRegisterCode e-mails a verification code.
func (d *deps) sendRegisterCode(r *http.Request, email, code string) error {
	msgs, err := d.selfMessages()
	if err != nil {
		return err
	}
	m, err := msgs.VerifyEmail(email, "", code, d.CodePolicy.TTL)
	if err != nil {
		return fmt.Errorf("compose verification e-mail: %w", err)
	}
	return d.Mailer.SendEmail(r.Context(), m)
}

// handleRegisterVerifyForm serves GET /login/register/verify.
func handleRegisterVerifyForm(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		d.renderRegisterCode(w, r, st, http.StatusOK, "")
	})
}

// renderRegisterCode shows the verification code page.
func (d *deps) renderRegisterCode(w http.ResponseWriter, r *http.Request, st regState, status int, msg string) {
	d.site.Render(w, r, status, templates.CodePage{
		AuthRequestID: st.AuthRequestID,
		CSRFToken:     d.regCSRF(w, r),
		Action:        pathRegisterVerify,
		Heading:       "Check your e-mail",
		Instructions:  "We sent a 6-digit code to " + st.Email + " to confirm the address.",
		ResendAction:  pathRegisterResend,
		Error:         msg,
	})
}

// handleRegisterVerifyPOST serves POST /login/register/verify. Wrong
// codes are counted per address across registrations (AddressPolicy), so
// a new registration brings no fresh guesses, and per client IP.
func handleRegisterVerifyPOST(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		reg, key := d.addressRegulator(), d.addressKey(st.Email)
		if !d.beginAddressAttempt(w, r, st, reg, key) {
			return
		}
		refused, err := d.checkRegisterCode(r, st)
		if err != nil {
			d.site.LogProblem(r, "registration code not checked", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if refused == nil && reg != nil {
			if err := reg.Succeeded(r.Context(), key); errors.Is(err, regulate.ErrLocked) {
				refused = err
			} else if err != nil {
				d.site.LogProblem(r, "registration code not checked", err)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
		}
		if refused != nil {
			countFailure(r)
			if reg != nil {
				if _, err := reg.Failed(r.Context(), key); err != nil {
					d.site.LogProblem(r, "registration code failure not recorded", err)
				}
			}
			d.Logger.InfoContext(r.Context(), "registration code refused", "reason", refused.Error())
			msg := codesend.RefusalMessage(refused)
			if errors.Is(refused, codesend.ErrNoChallenge) || errors.Is(refused, regulate.ErrLocked) {
				msg = codesend.MsgWrongCode
			}
			d.renderRegisterCode(w, r, st, http.StatusOK, msg)
			return
		}
		st.Verified = true
		d.saveReg(w, st)
		http.Redirect(w, r, pathRegisterDetails, http.StatusSeeOther)
	})
}

// msgAddressLocked is shown when an address had too many wrong codes.
const msgAddressLocked = "Too many wrong codes were entered for this address, so it cannot be verified here. Ask your administrator for help."

// beginAddressAttempt counts a code attempt for the address before it is
// checked. When the address must wait or is locked it renders the code
// page with 429 and returns false; nothing is checked then.
func (d *deps) beginAddressAttempt(w http.ResponseWriter, r *http.Request, st regState, reg *regulate.Regulator, key string) bool {
	if reg == nil {
		return true
	}
	dec, err := reg.Begin(r.Context(), key)
	switch {
	case err != nil:
		d.site.LogProblem(r, "registration code not checked", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return false
	case dec.Allowed:
		return true
	case dec.Locked:
		d.Logger.InfoContext(r.Context(), "registration code refused: address locked", "failures", dec.Failures)
		d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, msgAddressLocked)
		return false
	}
	d.Logger.InfoContext(r.Context(), "registration code refused: address delay", "failures", dec.Failures, "retry_after", dec.RetryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(regulate.RetryAfterSeconds(dec.RetryAfter)))
	d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, "Too many wrong codes. Try again in "+codesend.HumanWait(dec.RetryAfter)+".")
	return false
}

// checkRegisterCode checks the code of the POST against the
// registration's challenge and returns why it was refused, if it was.
func (d *deps) checkRegisterCode(r *http.Request, st regState) (refused, err error) {
	now := d.Now()
	_, err = d.MFA.UpdateOTPChallenge(r.Context(), st.ChallengeID, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
		if c.Purpose != storage.OTPVerifyEmail || c.Destination != st.Email {
			refused = codesend.ErrNoChallenge
			return c, nil
		}
		refused = mfa.Check(&c, d.OTPPepper, r.PostForm.Get("code"), d.CodePolicy, now)
		return c, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return mfa.ErrWrongCode, nil
	}
	return refused, err
}

// addressRegulator counts the wrong codes per registration address, on
// the store of the password counter; nil when there is none.
func (d *deps) addressRegulator() *regulate.Regulator {
	if d.Regulator == nil {
		return nil
	}
	return d.Regulator.WithPolicy(regulate.AddressPolicy())
}

// handleRegisterResendPOST serves POST /login/register/resend: a new code
// within the code limits (30 s apart, 5 per 15 minutes, the failure count
// kept) and the per-address send limit. A taken address's challenge gets
// a new digest no code matches, and its owner the notice again, so the
// answers are the same.
func handleRegisterResendPOST(d *deps) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		ctx := r.Context()
		sends, key := d.Limiters.RegistrationSends, d.addressKey(st.Email)
		if ok, wait := sends.Allow(key); !ok {
			d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, codesend.WaitMessage(wait))
			return
		}
		existing, taken, err := d.registeredUser(r, st.Email)
		if err != nil {
			sends.Refund(key)
			d.site.LogProblem(r, "registration code not resent", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		now := d.Now()
		code := mfa.NewCode(d.CodePolicy)
		var refused error
		_, err = d.MFA.UpdateOTPChallenge(ctx, st.ChallengeID, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
			hash := mfa.HashCode(d.OTPPepper, c.ID, code)
			if taken {
				hash = unmatchableCode()
			}
			refused = mfa.Resend(&c, hash, d.CodePolicy, now)
			if refused != nil {
				return c, refused // nothing changes
			}
			return c, nil
		})
		if refused != nil || err != nil {
			sends.Refund(key) // nothing sent
		}
		var rl *mfa.RateLimitError
		switch {
		case errors.As(refused, &rl):
			d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, codesend.WaitMessage(rl.RetryAfter))
			return
		case refused != nil:
			d.renderRegisterCode(w, r, st, http.StatusOK, codesend.RefusalMessage(refused))
			return
		case errors.Is(err, storage.ErrNotFound):
			// No challenge (sent while the address limit held, or swept):
			// nothing to resend, and the page looks the same.
		case err != nil:
			d.site.LogProblem(r, "registration code not resent", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		default:
			if err := d.sendRegisterMessage(r, st.Email, code, existing, taken); err != nil {
				d.site.LogProblem(r, "registration code not sent", err)
			}
		}
		http.Redirect(w, r, pathRegisterVerify, http.StatusSeeOther)
	})
}
