package signup

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The SMS method of registration. The registrant types a mobile number
// on the method page; it is checked as iam checks phones (E.164, after
// the spaces, dots, dashes and brackets people type are dropped), and a
// six-digit code goes to it by SMS: an OTP challenge of purpose
// verify_phone with the limits of every code (10 minutes, 30 s between
// sends, 5 sends per window, 5 wrong codes void it), and at most
// RegistrationSends codes per number (a keyed digest of it, as for the
// addresses). The number is the method only once its code is proven; the
// user does not exist before, so the send limits are the challenge's and
// the number's rather than a user's send log.

// Messages of the SMS step.
const (
	msgPhoneInvalid = "Enter the number in international format: a + then the country code and number, for example +447700900123."
	msgSMSNotSent   = "We could not send the code. Check the address or number and try again."
)

// normalizePhone drops the spaces, dots, dashes and brackets people type
// in phone numbers.
func normalizePhone(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '.', '-', '(', ')', '\t':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// phoneKey is the key of a number's send counter: a keyed digest, so that
// the limiter does not hold the number.
func (d *smsStep) phoneKey(phone string) string {
	m := hmac.New(sha256.New, d.limits.pepper)
	m.Write([]byte("gatehouse registration phone\x00" + phone))
	return "regp_" + hex.EncodeToString(m.Sum(nil))[:40]
}

// emailKey is the key of the send counter of a registration's e-mail
// address, a keyed digest like phoneKey.
func (d *smsStep) emailKey(email string) string {
	m := hmac.New(sha256.New, d.limits.pepper)
	m.Write([]byte("gatehouse registration sms by address\x00" + strings.ToLower(strings.TrimSpace(email))))
	return "rege_" + hex.EncodeToString(m.Sum(nil))[:40]
}

// start serves the SMS choice of POST /login/register/method: it checks
// the number, sends the code and moves on to the code page. A bad number,
// a send limit or a failed send shows the method page again with the
// number as typed.
func (d *smsStep) start(w http.ResponseWriter, r *http.Request, st regState) {
	raw := strings.TrimSpace(r.PostForm.Get("phone"))
	phone := normalizePhone(raw)
	if len(raw) > 32 || iam.CheckPhone(phone) != nil {
		d.account.renderMethod(w, r, st, http.StatusOK, storage.MFASMS, raw, msgPhoneInvalid)
		return
	}
	// Two counters: the number's, and the registration address's, so
	// that one registration cannot text many numbers (SMS pumping).
	key, byEmail := d.phoneKey(phone), d.emailKey(st.Email)
	if ok, wait := d.limits.sends.Allow(key); !ok {
		d.logger.InfoContext(r.Context(), "registration sms not sent: number send limit", "retry_after", wait)
		d.account.renderMethod(w, r, st, http.StatusTooManyRequests, storage.MFASMS, raw, codesend.WaitMessage(wait))
		return
	}
	if ok, wait := d.limits.sends.Allow(byEmail); !ok {
		d.limits.sends.Refund(key)
		d.logger.InfoContext(r.Context(), "registration sms not sent: address send limit", "retry_after", wait)
		d.account.renderMethod(w, r, st, http.StatusTooManyRequests, storage.MFASMS, raw, codesend.WaitMessage(wait))
		return
	}
	refund := func() { d.limits.sends.Refund(key); d.limits.sends.Refund(byEmail) }
	now := d.now()
	c, code := mfa.NewChallenge(d.limits.pepper, storage.OTPChallenge{
		ID: secret.ID("otp_regsms_"), Purpose: storage.OTPVerifyPhone, Channel: storage.ChannelSMS, Destination: phone,
	}, d.limits.policy, now)
	if err := d.mfa.CreateOTPChallenge(r.Context(), c); err != nil {
		refund()
		d.site.LogProblem(r, "registration sms challenge not stored", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	if err := d.deliver(r.Context(), phone, code); err != nil {
		refund()
		d.site.LogProblem(r, "registration sms not sent", err)
		d.account.renderMethod(w, r, st, http.StatusOK, storage.MFASMS, raw, msgSMSNotSent)
		return
	}
	st.Factor.Phone, st.Factor.PhoneChallenge, st.Factor.Method = phone, c.ID, ""
	d.saveReg(w, st)
	http.Redirect(w, r, pathRegisterSMS, http.StatusSeeOther)
}

// deliver composes the SMS carrying code and hands it over.
func (d *smsStep) deliver(ctx context.Context, phone, code string) error {
	m, err := d.messages.CodeSMS(phone, code, d.limits.policy.TTL)
	if err != nil {
		return fmt.Errorf("compose registration sms: %w", err)
	}
	if err := d.texter.SendSMS(ctx, m); err != nil {
		return fmt.Errorf("send registration sms: %w", err)
	}
	return nil
}

// smsSent is the readiness of the SMS code page: a code was sent.
func smsSent(st regState) bool { return st.Factor.PhoneChallenge != "" && st.Factor.Phone != "" }

// renderCode shows the SMS code page.
func (d *smsStep) renderCode(w http.ResponseWriter, r *http.Request, st regState, status int, msg string) {
	d.site.Render(w, r, status, templates.CodePage{
		AuthRequestID:   st.AuthRequestID,
		CSRFToken:       d.regCSRF(w, r),
		Action:          pathRegisterSMS,
		Heading:         "Check your phone",
		Instructions:    "We sent a 6-digit code by text message to %s.",
		InstructionsArg: st.Factor.Phone,
		ResendAction:    pathRegisterSMSSend,
		Alternatives:    []templates.Alternative{{Label: "Use e-mail codes instead", Action: pathRegisterMethod, Method: storage.MFAEmail}},
		Error:           msg,
	})
}

// handleSMSForm serves GET /login/register/sms.
func handleSMSForm(d *smsStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.account.regAt(w, r, smsSent, pathRegisterMethod)
		if !ok {
			return
		}
		d.renderCode(w, r, st, http.StatusOK, "")
	})
}

// handleSMSPOST serves POST /login/register/sms: the right code proves
// the number, which becomes the method; a wrong one is counted on the
// challenge (5 void it) and in the client's per-IP failure bucket.
func handleSMSPOST(d *smsStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.account.regAt(w, r, smsSent, pathRegisterMethod)
		if !ok {
			return
		}
		refused, err := d.check(r, st)
		if err != nil {
			d.site.LogProblem(r, "registration sms code not checked", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if refused != nil {
			countFailure(r)
			d.logger.InfoContext(r.Context(), "registration sms code refused", "reason", refused.Error())
			d.renderCode(w, r, st, http.StatusOK, codesend.RefusalMessage(refused))
			return
		}
		st.Factor.Method, st.Factor.PhoneChallenge = storage.MFASMS, ""
		d.account.create.proven(w, r, st)
	})
}

// check checks the code of the POST against the SMS challenge of st and
// returns why it was refused, if it was.
func (d *smsStep) check(r *http.Request, st regState) (refused, err error) {
	now := d.now()
	_, err = d.mfa.UpdateOTPChallenge(r.Context(), st.Factor.PhoneChallenge, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
		if c.Purpose != storage.OTPVerifyPhone || c.Destination != st.Factor.Phone {
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

// handleSMSResendPOST serves POST /login/register/sms/resend: a new code
// to the same number within the code limits (the failure count kept) and
// the number's send limit; a wait is said on the code page.
func handleSMSResendPOST(d *smsStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.account.regAt(w, r, smsSent, pathRegisterMethod)
		if !ok {
			return
		}
		key := d.phoneKey(st.Factor.Phone)
		if ok, wait := d.limits.sends.Allow(key); !ok {
			d.renderCode(w, r, st, http.StatusTooManyRequests, codesend.WaitMessage(wait))
			return
		}
		code := mfa.NewCode(d.limits.policy)
		var refused error
		_, err := d.mfa.UpdateOTPChallenge(r.Context(), st.Factor.PhoneChallenge, func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
			refused = mfa.Resend(&c, mfa.HashCode(d.limits.pepper, c.ID, code), d.limits.policy, d.now())
			return c, refused // a refusal changes nothing
		})
		if err == nil {
			err = d.deliver(r.Context(), st.Factor.Phone, code)
		}
		if refused != nil || err != nil {
			d.limits.sends.Refund(key)
		}
		var rl *mfa.RateLimitError
		switch {
		case errors.As(refused, &rl):
			d.renderCode(w, r, st, http.StatusTooManyRequests, codesend.WaitMessage(rl.RetryAfter))
		case refused != nil:
			d.renderCode(w, r, st, http.StatusOK, codesend.RefusalMessage(refused))
		case err != nil:
			d.site.LogProblem(r, "registration sms not resent", err)
			d.renderCode(w, r, st, http.StatusOK, msgSMSNotSent)
		default:
			http.Redirect(w, r, pathRegisterSMS, http.StatusSeeOther)
		}
	})
}
