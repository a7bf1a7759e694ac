package profile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// Changing the e-mail address or the phone number (REQUIREMENTS.md
// section 1, SECURITY-CHECKLIST 3.3 and 3.5). The new address or number is
// proven first: a code goes to it (challenge purpose OTPVerifyEmail or
// OTPVerifyPhone, one challenge per user and purpose under
// profileChallengeID) with the same limits as sign-in codes: the user's
// send log, 30 s between sends, a resend keeps the failure count, 5 wrong
// codes void it, 10 minutes of validity. Asking for the change needs a
// fresh second factor (step-up); entering the code does not, since the
// code was sent under step-up. Once the code is right, the user record
// changes in one update (the e-mail stays unique: ErrAlreadyExists is a
// clear message), and the old address is told.

// Messages of the e-mail and phone changes.
const (
	msgEmailInvalid = "Enter an e-mail address, for example name@example.com."
	msgEmailSame    = "That is already your e-mail address."
	msgEmailTaken   = "This e-mail address is already used by another account."
	msgPhoneInvalid = "Enter the number in international format: a + then the country code and number, for example +447700900123."
	msgPhoneSame    = "That is already your phone number."
	msgNoSMS        = "Text messages are not available, so the number cannot be changed."
)

// e164RE matches a phone number in E.164 form.
var e164RE = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// profileChallengeID returns the ID of the user's challenge for purpose.
func profileChallengeID(userID, purpose string) string {
	return "otp_profile_" + secret.DigestHex("gatehouse profile otp\x00" + purpose + "\x00" + userID)[:32]
}

// usable reports whether c is an open challenge of the user for purpose
// at now: not used, not void, not expired.
func (d *profileTabView) usable(c storage.OTPChallenge, userID, purpose string, now time.Time) bool {
	return c.UserID == userID && c.Purpose == purpose && c.AuthRequestID == "" && c.UsedAt.IsZero() &&
		(d.codes.Policy().MaxFailures <= 0 || c.Failures < d.codes.Policy().MaxFailures) && now.Before(c.ExpiresAt)
}

// pendingChange returns the new address or number awaiting its code, or
// "".
func (d *profileTabView) pendingChange(ctx context.Context, userID, purpose string) (string, error) {
	c, err := d.mfa.GetOTPChallenge(ctx, profileChallengeID(userID, purpose))
	if errors.Is(err, storage.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("get otp challenge: %w", err)
	}
	if !d.usable(c, userID, purpose, d.now()) {
		return "", nil
	}
	return c.Destination, nil
}

// sendVerifyCode sends a code proving dest for purpose, with the limits
// and errors of issueCode. The same destination keeps its challenge and
// failure count; another one starts over.
func (d *contactPages) sendVerifyCode(ctx context.Context, u storage.User, purpose, dest string) error {
	channel := storage.ChannelEmail
	if purpose == storage.OTPVerifyPhone {
		channel = storage.ChannelSMS
	}
	return d.codes.Issue(ctx, codesend.Send{
		User: u,
		Want: storage.OTPChallenge{
			ID: profileChallengeID(u.ID, purpose), UserID: u.ID, Purpose: purpose, Channel: channel, Destination: dest,
		},
		Resumes: func(old storage.OTPChallenge) bool {
			return old.Destination == dest && old.UserID == u.ID && old.Purpose == purpose
		},
		Deliver: func(ctx context.Context, code string) error {
			return d.tell.deliverCode(ctx, u, channel, dest, code, d.codes.Policy().TTL)
		},
	})
}

// deliverCode composes the message carrying a code valid for ttl that
// proves dest (an e-mail address or, for storage.ChannelSMS, a phone
// number), in u's language, and hands it over.
func (n *notifier) deliverCode(ctx context.Context, u storage.User, channel, dest, code string, ttl time.Duration) error {
	msgs := notify.Localize(n.messages, u.Locale)
	if channel == storage.ChannelSMS {
		if n.texter == nil {
			return errors.New("no sms transport")
		}
		m, err := msgs.CodeSMS(dest, code, ttl)
		if err != nil {
			return fmt.Errorf("compose sms: %w", err)
		}
		return n.texter.SendSMS(ctx, m)
	}
	m, err := msgs.VerifyEmail(dest, u.Name(), code, ttl)
	if err != nil {
		return fmt.Errorf("compose e-mail: %w", err)
	}
	return n.mailer.SendEmail(ctx, m)
}

// checkVerifyCode checks code against the user's challenge for purpose
// and returns the proven destination. A wrong code is counted.
func (d *contactPages) checkVerifyCode(ctx context.Context, userID, purpose, code string) (dest string, refused, err error) {
	now := d.now()
	_, err = d.mfa.UpdateOTPChallenge(ctx, profileChallengeID(userID, purpose), func(c storage.OTPChallenge) (storage.OTPChallenge, error) {
		if c.UserID != userID || c.Purpose != purpose || c.AuthRequestID != "" {
			refused = codesend.ErrNoChallenge
			return c, nil
		}
		refused = mfa.Check(&c, d.codes.Pepper(), code, d.codes.Policy(), now)
		dest = c.Destination
		return c, nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return "", codesend.ErrNoChallenge, nil
	}
	if err != nil {
		return "", nil, fmt.Errorf("check code: %w", err)
	}
	return dest, refused, nil
}

// sendRefusal returns the message for a code that could not be sent, or
// "" for a storage fault.
func sendRefusal(err error) string {
	var rl *mfa.RateLimitError
	switch {
	case errors.As(err, &rl):
		return codesend.WaitMessage(rl.RetryAfter)
	case errors.Is(err, codesend.ErrNotSent):
		return "We could not send the code. Check the address or number and try again."
	}
	return ""
}

// startChange sends the code for a new address or number and reports the
// outcome: a redirect to the code form, or the tab with the reason.
func (d *contactPages) startChange(w http.ResponseWriter, r *http.Request, ps session.SignedIn, purpose, dest, done string, refill func(*templates.ProfilePage)) {
	err := d.sendVerifyCode(r.Context(), ps.User, purpose, dest)
	if err == nil {
		d.logger.InfoContext(r.Context(), "verification code sent", "user_id", ps.User.ID, "purpose", purpose)
		http.Redirect(w, r, tabPath(templates.TabProfile, done), http.StatusSeeOther)
		return
	}
	msg := sendRefusal(err)
	if msg == "" {
		d.site.LogProblem(r, "verification code not sent", err, "user_id", ps.User.ID, "purpose", purpose)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.logSendProblem(r, err, ps.User.ID, purpose)
	d.page.refuse(w, r, ps, templates.TabProfile, msg, refill)
}

// emailChange serves POST /profile/email: it sends a code to the new
// address.
func (d *contactPages) emailChange() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if !d.page.requireStepUp(w, r, ps, templates.TabProfile) {
			return
		}
		email := strings.TrimSpace(r.PostForm.Get("email"))
		refill := func(p *templates.ProfilePage) { p.Profile.EmailInput = email }
		a, err := mail.ParseAddress(email)
		if err != nil || a.Name != "" || a.Address != email || len(email) > maxEmailLength {
			d.page.refuse(w, r, ps, templates.TabProfile, msgEmailInvalid, refill)
			return
		}
		if storage.NormalizeEmail(email) == storage.NormalizeEmail(ps.User.Email) {
			d.page.refuse(w, r, ps, templates.TabProfile, msgEmailSame, refill)
			return
		}
		other, err := d.users.GetUserByEmail(r.Context(), email)
		switch {
		case err == nil && other.ID != ps.User.ID:
			d.page.refuse(w, r, ps, templates.TabProfile, msgEmailTaken, refill)
			return
		case err != nil && !errors.Is(err, storage.ErrNotFound):
			d.site.LogProblem(r, "user lookup failed", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.startChange(w, r, ps, storage.OTPVerifyEmail, email, "email_sent", refill)
	})
}

// confirmedDest checks the code of the user's pending change (purpose
// storage.OTPVerifyEmail or OTPVerifyPhone; what names it in the log) and
// returns the address or number it confirms. When the code is refused or
// cannot be checked it answers and returns ok=false.
func (d *contactPages) confirmedDest(w http.ResponseWriter, r *http.Request, ps session.SignedIn, purpose, what string) (string, bool) {
	ctx := r.Context()
	dest, refused, err := d.checkVerifyCode(ctx, ps.User.ID, purpose, r.PostForm.Get("code"))
	if err != nil {
		d.site.LogProblem(r, what+" code not checked", err, "user_id", ps.User.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return "", false
	}
	if refused != nil {
		d.logger.InfoContext(ctx, what+" change code refused", "user_id", ps.User.ID, "reason", refused.Error())
		d.page.refuse(w, r, ps, templates.TabProfile, codesend.RefusalMessage(refused))
		return "", false
	}
	return dest, true
}

// emailConfirm serves POST /profile/email/confirm: with the right
// code, the new address replaces the old one, which is told.
func (d *contactPages) emailConfirm() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		dest, ok := d.confirmedDest(w, r, ps, storage.OTPVerifyEmail, "e-mail")
		if !ok {
			return
		}
		now := d.now()
		oldEmail := ps.User.Email
		u, err := d.users.UpdateUser(ctx, ps.User.ID, func(old storage.User) (storage.User, error) {
			oldEmail = old.Email
			old.Email = dest
			old.EmailVerified = true
			old.UpdatedAt = now
			return old, nil
		})
		d.dropChallenge(r, ps.User.ID, storage.OTPVerifyEmail)
		if errors.Is(err, storage.ErrAlreadyExists) {
			d.page.refuse(w, r, ps, templates.TabProfile, msgEmailTaken)
			return
		}
		if err != nil {
			d.site.LogProblem(r, "e-mail not changed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(ctx, "e-mail address changed", "user_id", u.ID)
		d.tell.audit(r, iam.AuditEmailChanged, ps.User.ID, u.ID, nil)
		d.tell.email(r, u, "e-mail change notice", func(m Messages) (notify.Email, error) {
			return m.EmailChangedEmail(oldEmail, u.Name(), dest, now)
		})
		http.Redirect(w, r, tabPath(templates.TabProfile, "email"), http.StatusSeeOther)
	})
}

// phoneChange serves POST /profile/phone: it sends a code by SMS to
// the new number.
func (d *contactPages) phoneChange() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if !d.page.requireStepUp(w, r, ps, templates.TabProfile) {
			return
		}
		if !d.tell.canText() {
			d.page.refuse(w, r, ps, templates.TabProfile, msgNoSMS)
			return
		}
		raw := r.PostForm.Get("phone")
		phone := normalizePhone(raw)
		refill := func(p *templates.ProfilePage) { p.Profile.PhoneInput = raw }
		if !e164RE.MatchString(phone) {
			d.page.refuse(w, r, ps, templates.TabProfile, msgPhoneInvalid, refill)
			return
		}
		if ps.User.PhoneVerified && phone == ps.User.Phone {
			d.page.refuse(w, r, ps, templates.TabProfile, msgPhoneSame, refill)
			return
		}
		d.startChange(w, r, ps, storage.OTPVerifyPhone, phone, "phone_sent", refill)
	})
}

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

// phoneConfirm serves POST /profile/phone/confirm: with the right
// code, the number becomes the user's verified phone. Binding a phone is
// binding an SMS authenticator, so the user is told by e-mail.
func (d *contactPages) phoneConfirm() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		dest, ok := d.confirmedDest(w, r, ps, storage.OTPVerifyPhone, "phone")
		if !ok {
			return
		}
		now := d.now()
		u, err := d.users.UpdateUser(ctx, ps.User.ID, func(old storage.User) (storage.User, error) {
			old.Phone = dest
			old.PhoneVerified = true
			old.UpdatedAt = now
			return old, nil
		})
		d.dropChallenge(r, ps.User.ID, storage.OTPVerifyPhone)
		if err != nil {
			d.site.LogProblem(r, "phone not changed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(ctx, "phone number changed", "user_id", u.ID)
		d.tell.audit(r, iam.AuditPhoneChanged, ps.User.ID, u.ID, nil)
		d.tell.email(r, u, "phone change notice", func(m Messages) (notify.Email, error) {
			return m.PhoneChangedEmail(u.Email, u.Name(), dest[len(dest)-2:], now)
		})
		http.Redirect(w, r, tabPath(templates.TabProfile, "phone"), http.StatusSeeOther)
	})
}

// changeCancel serves POST /profile/email/cancel and
// /profile/phone/cancel: the pending code stops working.
func (d *contactPages) changeCancel(purpose, done string) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		d.dropChallenge(r, ps.User.ID, purpose)
		http.Redirect(w, r, tabPath(templates.TabProfile, done), http.StatusSeeOther)
	})
}

// dropChallenge deletes the user's challenge for purpose; a failure is
// logged (the challenge is used or expires anyway).
func (d *contactPages) dropChallenge(r *http.Request, userID, purpose string) {
	if err := d.mfa.DeleteOTPChallenge(r.Context(), profileChallengeID(userID, purpose)); err != nil {
		d.site.LogProblem(r, "otp challenge not deleted", err, "user_id", userID, "purpose", purpose)
	}
}
