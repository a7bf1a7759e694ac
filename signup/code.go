package signup

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// handleRegisterForm serves GET /login/register, the e-mail step.
func handleRegisterForm(d *codeStep) http.Handler {
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
func handleRegisterPOST(d *codeStep) http.Handler {
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
		now := d.now()
		st := regState{AuthRequestID: id, Email: email, ChallengeID: secret.ID("otp_reg_"), ExpiresAt: now.Add(registerTTL)}
		if ok, wait := d.limits.sends.Allow(d.addressKey(email)); !ok {
			d.logger.InfoContext(r.Context(), "registration code not sent: address send limit", "retry_after", wait)
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
func (d *codeStep) sendFirstRegisterCode(r *http.Request, st regState, now time.Time) error {
	ctx := r.Context()
	c, code := mfa.NewChallenge(d.limits.pepper, storage.OTPChallenge{
		ID: st.ChallengeID, Purpose: storage.OTPVerifyEmail, Channel: storage.ChannelEmail, Destination: st.Email,
	}, d.limits.policy, now)
	existing, taken, err := d.registeredUser(r, st.Email)
	if err != nil {
		return err
	}
	if taken {
		c.CodeHash = unmatchableCode()
	}
	if err := d.mfa.CreateOTPChallenge(ctx, c); err != nil {
		return fmt.Errorf("store registration challenge: %w", err)
	}
	return d.sendRegisterMessage(r, st.Email, code, existing, taken)
}

// registeredUser returns the user who has email, if any.
func (d *codeStep) registeredUser(r *http.Request, email string) (storage.User, bool, error) {
	u, err := d.users.GetUserByEmail(r.Context(), email)
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
func (d *codeStep) sendRegisterMessage(r *http.Request, email, code string, existing storage.User, taken bool) error {
	if taken {
		d.logger.InfoContext(r.Context(), "registration with a taken address", "user_id", existing.ID)
		m, err := notify.Localize(d.messages, existing.Locale).RegisterAttemptEmail(existing.Email, existing.Name())
		if err != nil {
			return fmt.Errorf("compose registration notice: %w", err)
		}
		return d.mailer.SendEmail(r.Context(), m)
	}
	return d.sendRegisterCode(r, email, code)
}

// unmatchableCode is the code digest of a taken address's challenge: the
// digest of a random token, which no six-digit code has.
func unmatchableCode() []byte { return secret.Digest("unmatchable\x00" + secret.Token(32)) }

// addressKey is the key of an address's per-address counters (the sends
// limiter and the failed codes): a keyed digest of the normalised address,
// so that the store does not hold the address attempted.
func (d *codeStep) addressKey(email string) string {
	m := hmac.New(sha256.New, d.limits.pepper)
	m.Write([]byte("gatehouse registration address\x00" + storage.NormalizeEmail(email)))
	return "reg_" + hex.EncodeToString(m.Sum(nil))[:40]
}

// sendRegisterCode e-mails a verification code.
func (d *codeStep) sendRegisterCode(r *http.Request, email, code string) error {
	m, err := d.messages.VerifyEmail(email, "", code, d.limits.policy.TTL)
	if err != nil {
		return fmt.Errorf("compose verification e-mail: %w", err)
	}
	return d.mailer.SendEmail(r.Context(), m)
}

// handleRegisterVerifyForm serves GET /login/register/verify.
func handleRegisterVerifyForm(d *codeStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		d.renderRegisterCode(w, r, st, http.StatusOK, "")
	})
}

// renderRegisterCode shows the verification code page.
func (d *codeStep) renderRegisterCode(w http.ResponseWriter, r *http.Request, st regState, status int, msg string) {
	d.site.Render(w, r, status, templates.CodePage{
		AuthRequestID:   st.AuthRequestID,
		CSRFToken:       d.regCSRF(w, r),
		Action:          pathRegisterVerify,
		Heading:         "Check your e-mail",
		Instructions:    "We sent a 6-digit code to %s to confirm the address.",
		InstructionsArg: st.Email,
		ResendAction:    pathRegisterResend,
		Error:           msg,
	})
}

// handleRegisterVerifyPOST serves POST /login/register/verify. Wrong
// codes are counted per address across registrations (AddressPolicy), so
// a new registration brings no fresh guesses, and per client IP.
func handleRegisterVerifyPOST(d *codeStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		reg, key := d.limits.addresses, d.addressKey(st.Email)
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
			d.logger.InfoContext(r.Context(), "registration code refused", "reason", refused.Error())
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
func (d *codeStep) beginAddressAttempt(w http.ResponseWriter, r *http.Request, st regState, reg *regulate.Regulator, key string) bool {
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
		d.logger.InfoContext(r.Context(), "registration code refused: address locked", "failures", dec.Failures)
		d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, msgAddressLocked)
		return false
	}
	d.logger.InfoContext(r.Context(), "registration code refused: address delay", "failures", dec.Failures, "retry_after", dec.RetryAfter)
	w.Header().Set("Retry-After", strconv.Itoa(regulate.RetryAfterSeconds(dec.RetryAfter)))
	d.renderRegisterCode(w, r, st, http.StatusTooManyRequests, codesend.WaitWrongCodes.Message(dec.RetryAfter))
	return false
}

// checkRegisterCode checks the code of the POST against the
// registration's challenge and returns why it was refused, if it was.
func (d *codeStep) checkRegisterCode(r *http.Request, st regState) (refused, err error) {
	now := d.now()
	_, err = d.mfa.UpdateOTPChallenge(r.Context(), st.ChallengeID, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
		if c.Purpose != storage.OTPVerifyEmail || c.Destination != st.Email {
			refused = codesend.ErrNoChallenge
			return c, nil
		}
		refused = mfa.Check(&c, d.limits.pepper, r.PostForm.Get("code"), d.limits.policy, now)
		return c, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return mfa.ErrWrongCode, nil
	}
	return refused, err
}

// handleRegisterResendPOST serves POST /login/register/resend: a new code
// within the code limits (30 s apart, 5 per 15 minutes, the failure count
// kept) and the per-address send limit. A taken address's challenge gets
// a new digest no code matches, and its owner the notice again, so the
// answers are the same.
func handleRegisterResendPOST(d *codeStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		ctx := r.Context()
		sends, key := d.limits.sends, d.addressKey(st.Email)
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
		now := d.now()
		code := mfa.NewCode(d.limits.policy)
		var refused error
		_, err = d.mfa.UpdateOTPChallenge(ctx, st.ChallengeID, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
			hash := mfa.HashCode(d.limits.pepper, c.ID, code)
			if taken {
				hash = unmatchableCode()
			}
			refused = mfa.Resend(&c, hash, d.limits.policy, now)
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
