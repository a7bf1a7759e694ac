package profile

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/i18n"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The Security tab: password, preferred second factor, recovery codes,
// trusted devices and sessions. Changing the second factor or the recovery
// codes needs a fresh second factor (requireStepUp); changing the password
// needs the current one. Every change to the second factor e-mails the
// user.

// pathProfileKeys is the WebAuthn pages' list of security keys, linked
// from the Security tab once those pages exist.
const pathProfileKeys = "/profile/keys"

// Messages of the Security tab.
const (
	msgWrongCurrent   = "Your current password is not right."
	msgTooManyCurrent = "Too many wrong passwords were entered. Please wait a little and try again."
	msgMethodInvalid  = "Choose one of the methods shown."
	msgResetSoon      = "Password reset links are not available yet."
)

// fill loads what the Security tab shows.
// Dates and device names are in p's language.
func (d *securityTabView) fill(ctx context.Context, p *i18n.Printer, ps session.SignedIn, t *templates.SecurityTab) error {
	u := ps.User
	st, err := d.codes.State(ctx, u.ID)
	if err != nil {
		return err
	}
	now := d.now()
	t.Methods = methodOptions(u, st, d.canText)
	t.TOTPPending = st.TOTPPending
	t.RecoveryRemaining = mfa.RemainingRecoveryCodes(&st)
	t.TrustedDevicesEnabled = d.trustedDevices || len(st.Devices) > 0
	for _, dev := range st.Devices {
		if now.Before(dev.ExpiresAt) {
			t.Devices = append(t.Devices, templates.DeviceRow{ID: dev.ID, Label: deviceLabel(p, dev.Label), Created: formatDate(p, dev.CreatedAt), Expires: formatDate(p, dev.ExpiresAt)})
		}
	}
	sessions, err := d.sessions.ListUserSessions(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	for _, s := range sessions {
		if !d.sess.Valid(s, now) {
			continue
		}
		t.Sessions = append(t.Sessions, templates.SessionRow{
			Ref:      sessionRef(d.site, s.ID),
			Created:  formatDate(p, s.CreatedAt),
			LastSeen: formatDate(p, s.LastSeenAt),
			IP:       s.IP,
			Device:   deviceLabel(p, s.UserAgent),
			Current:  s.ID == ps.Session.ID,
		})
	}
	t.ResetLinkEnabled = d.resetLinks
	t.ResetLinkChannel = "e-mail"
	if resetChannel(u, d.canText) == storage.ChannelSMS {
		t.ResetLinkChannel = "text message"
	}
	if d.passkeys != nil {
		t.KeyLinks = []templates.SectionLink{{Label: "Manage security keys and passkeys", URL: pathKeys}}
		sk, err := securityKeys(ctx, d.passkeys, p, u)
		if err != nil {
			return err
		}
		t.Keys = &sk
	}
	return nil
}

// methodOptions lists the second-factor methods on the Security tab;
// canText reports whether text messages can be sent.
// WebAuthn is chosen on the WebAuthn pages (pathKeys); it is listed here
// only while it is the current method, so that saving keeps it.
func methodOptions(u storage.User, st storage.MFAState, canText bool) []templates.MethodOption {
	current := u.MFAMethod
	if current == "" {
		current = storage.MFAEmail
	}
	sms := templates.MethodOption{Value: storage.MFASMS, Label: "Text message (SMS) code", Note: "SMS charges may apply"}
	if !iam.MethodChoosable(u, storage.MFASMS, canText) {
		sms.Disabled, sms.Note = true, "add a phone number on the Profile tab first"
	}
	totp := templates.MethodOption{Value: storage.MFATOTP, Label: "Authenticator app"}
	if st.TOTPPending {
		totp.Note = "set up at your next sign-in"
	}
	opts := []templates.MethodOption{
		{Value: storage.MFAEmail, Label: "E-mail code", Note: u.Email},
		sms,
		totp,
	}
	if current == storage.MFAWebAuthn {
		opts = append(opts, templates.MethodOption{Value: storage.MFAWebAuthn, Label: "Security key or passkey", Note: "managed under Security keys and passkeys"})
	}
	for i := range opts {
		opts[i].Checked = opts[i].Value == current
	}
	return opts
}

// change serves POST /profile/password. The current
// password must be right, checked behind the same per-user counter as the
// sign-in password and the per-IP failure bucket, so a stolen session
// cannot guess it faster than a sign-in could; the new one must meet the
// policy (the message names the rule). Every other session of the user ends, and the
// user is e-mailed.
func (d *passwordPages) change() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		current := r.PostForm.Get("current_password")
		next := r.PostForm.Get("new_password")
		// The same per-user counter as the sign-in password (delay after
		// 5, lock after 100) and the per-IP failure bucket.
		reason, throttled, err := d.current.CheckPassword(r, ps.User.ID, current)
		if err != nil {
			d.site.LogProblem(r, "password check failed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if reason != "" {
			countFailure(r)
			d.logger.InfoContext(ctx, "password change refused: wrong current password", "user_id", ps.User.ID, "reason", reason)
			msg := msgWrongCurrent
			if throttled {
				msg = msgTooManyCurrent
			}
			d.page.refuse(w, r, ps, templates.TabSecurity, msg)
			return
		}
		err = d.rules.SetPassword(ctx, iam.UserActor(ps.User.ID, d.site.ClientIP(r), r.UserAgent()), ps.User.ID, next)
		var ie *iam.Error
		switch {
		case errors.As(err, &ie) && ie.Code == iam.CodeInvalid:
			d.logger.InfoContext(ctx, "password change refused by policy", "user_id", ps.User.ID, "rule", ie.Rule)
			d.page.refuse(w, r, ps, templates.TabSecurity, ie.Message)
			return
		case err != nil:
			d.site.LogProblem(r, "password not changed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		now := d.now()
		d.sessions.afterPasswordChange(r, ps, now)
		http.Redirect(w, r, tabPath(templates.TabSecurity, "password"), http.StatusSeeOther)
	})
}

// methodChange serves POST /profile/mfa, the preferred second
// factor. It needs step-up. Choosing the authenticator app before it is
// set up marks it pending (mfa.MarkTOTPPending): it is enrolled at the
// next sign-in and the current method keeps working until then.
func (d *factorPages) methodChange() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if !d.page.requireStepUp(w, r, ps, templates.TabSecurity) {
			return
		}
		ctx := r.Context()
		method := r.PostForm.Get("method")
		now := d.now()
		pending, err := d.rules.ChooseMFAMethod(ctx, iam.UserActor(ps.User.ID, d.site.ClientIP(r), r.UserAgent()), ps.User.ID, method, d.tell.canText())
		switch {
		case iam.ErrorCode(err) == iam.CodeInvalid:
			d.page.refuse(w, r, ps, templates.TabSecurity, msgMethodInvalid)
			return
		case err != nil:
			d.site.LogProblem(r, "mfa method not saved", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(ctx, "mfa method changed", "user_id", ps.User.ID, "method", method, "pending", pending)
		d.tell.audit(r, iam.AuditMFAMethodChanged, ps.User.ID, ps.User.ID, map[string]string{"method": method, "pending": strconv.FormatBool(pending)})
		d.tell.methodChanged(r, ps.User, method, now)
		done := "mfa"
		if pending {
			done = "mfa_totp"
		}
		http.Redirect(w, r, tabPath(templates.TabSecurity, done), http.StatusSeeOther)
	})
}

// recoveryRegenerate serves POST /profile/recovery-codes. It needs
// step-up, replaces every recovery code (the old ones stop working) and
// shows the new ones once.
func (d *factorPages) recoveryRegenerate() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if !d.page.requireStepUp(w, r, ps, templates.TabSecurity) {
			return
		}
		ctx := r.Context()
		now := d.now()
		var plain []string
		if _, err := d.mfa.UpdateMFAState(ctx, ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
			var codes []storage.RecoveryCode
			plain, codes = mfa.NewRecoveryCodes()
			s.RecoveryCodes = codes
			s.UpdatedAt = now
			return s, nil
		}); err != nil {
			d.site.LogProblem(r, "recovery codes not replaced", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(ctx, "recovery codes regenerated", "user_id", ps.User.ID, "count", len(plain))
		d.tell.audit(r, iam.AuditRecoveryRegenerated, ps.User.ID, ps.User.ID, map[string]string{"count": strconv.Itoa(len(plain))})
		d.tell.email(r, ps.User, "recovery codes notice", func(m Messages) (notify.Email, error) {
			return m.RecoveryCodesEmail(ps.User.Email, ps.User.Name(), now)
		})
		d.page.renderProfile(w, r, ps, http.StatusOK, templates.ProfilePage{
			Tab:      templates.TabSecurity,
			Notice:   "New recovery codes were created. Save them now.",
			Security: templates.SecurityTab{NewRecoveryCodes: plain},
		})
	})
}

// deviceRevoke serves POST /profile/devices/revoke: the device must
// pass the second factor again.
func (d *sessionPages) deviceRevoke() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		id := r.PostForm.Get("device")
		if id == "" {
			d.site.RenderProblem(w, r, web.ProbBadForm)
			return
		}
		now := d.now()
		revoked := false
		if _, err := d.mfa.UpdateMFAState(r.Context(), ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
			revoked = mfa.RevokeDevice(&s, id)
			s.UpdatedAt = now
			return s, nil
		}); err != nil {
			d.site.LogProblem(r, "device not revoked", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(r.Context(), "trusted device revoked", "user_id", ps.User.ID, "device_id", id, "found", revoked)
		http.Redirect(w, r, tabPath(templates.TabSecurity, "device"), http.StatusSeeOther)
	})
}

// sessionRevoke serves POST /profile/sessions/revoke: it ends one
// session of the user, named by its ref. Ending this browser's session
// signs it out.
func (d *sessionPages) sessionRevoke() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		ref := r.PostForm.Get("session")
		sessions, err := d.sessions.ListUserSessions(ctx, ps.User.ID)
		if err != nil {
			d.site.LogProblem(r, "sessions not listed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		for _, s := range sessions {
			if ref == "" || sessionRef(d.site, s.ID) != ref {
				continue
			}
			if err := d.sessions.DeleteSession(ctx, s.ID); err != nil {
				d.site.LogProblem(r, "session not deleted", err, "user_id", ps.User.ID)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			d.logger.InfoContext(ctx, "session signed out from the profile", "user_id", ps.User.ID, "current", s.ID == ps.Session.ID)
			d.tell.audit(r, iam.AuditSessionRevoked, ps.User.ID, ps.User.ID, map[string]string{"scope": "one", "current": strconv.FormatBool(s.ID == ps.Session.ID)})
			if s.ID == ps.Session.ID {
				d.sess.ClearCookie(w)
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, tabPath(templates.TabSecurity, "session"), http.StatusSeeOther)
			return
		}
		d.page.refuse(w, r, ps, templates.TabSecurity, "That session has already ended.")
	})
}

// revokeOthers serves POST /profile/sessions/revoke-others.
func (d *sessionPages) revokeOthers() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		n, err := d.sessions.DeleteUserSessions(r.Context(), ps.User.ID, ps.Session.ID)
		if err != nil {
			d.site.LogProblem(r, "other sessions not ended", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.logger.InfoContext(r.Context(), "other sessions signed out", "user_id", ps.User.ID, "count", n)
		d.tell.audit(r, iam.AuditSessionRevoked, ps.User.ID, ps.User.ID, map[string]string{"scope": "others", "count": strconv.Itoa(n)})
		http.Redirect(w, r, tabPath(templates.TabSecurity, "sessions_others"), http.StatusSeeOther)
	})
}

// resetChannel is the channel of the profile's reset link: the user's
// second-factor channel, SMS when the method is sms and a text can be
// sent, else e-mail (also with TOTP or WebAuthn).
func resetChannel(u storage.User, canText bool) string {
	if u.MFAMethod == storage.MFASMS && u.PhoneVerified && u.Phone != "" && canText {
		return storage.ChannelSMS
	}
	return storage.ChannelEmail
}

// resetLink serves POST /profile/reset-link, "Send reset password
// link", through the user's second-factor channel (Deps.ResetLinks, the
// sign-in pages' reset link). Sends count against the user's code send limit.
func (d *factorPages) resetLink() http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if d.resetLinks == nil {
			d.page.refuse(w, r, ps, templates.TabSecurity, msgResetSoon)
			return
		}
		ctx := r.Context()
		unlock := d.codes.Lock(ps.User.ID)
		defer unlock()
		now := d.now()
		st, err := d.codes.State(ctx, ps.User.ID)
		if err != nil {
			d.site.LogProblem(r, "mfa state not loaded", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if ok, wait, _ := mfa.CanSend(st.SendLog, d.codes.Policy(), now); !ok {
			d.page.refuse(w, r, ps, templates.TabSecurity, codesend.WaitLink.Message(wait))
			return
		}
		channel := resetChannel(ps.User, d.tell.canText())
		if err := d.resetLinks(ctx, ps.User, channel); err != nil {
			d.site.LogProblem(r, "reset link not sent", err, "user_id", ps.User.ID)
			d.page.refuse(w, r, ps, templates.TabSecurity, "We could not send the link. Try again in a moment.")
			return
		}
		d.tell.audit(r, iam.AuditResetRequested, ps.User.ID, ps.User.ID, map[string]string{"channel": channel, "from": "profile"})
		if _, err := d.mfa.UpdateMFAState(ctx, ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
			s.SendLog = mfa.RecordSend(s.SendLog, d.codes.Policy(), now)
			s.UpdatedAt = now
			return s, nil
		}); err != nil {
			d.site.LogProblem(r, "reset link send not recorded", err, "user_id", ps.User.ID)
		}
		http.Redirect(w, r, tabPath(templates.TabSecurity, "reset_link"), http.StatusSeeOther)
	})
}

// afterPasswordChange ends the user's other sessions, revokes their tokens,
// records the change and tells the user by e-mail. Failures are logged:
// the password is changed already.
func (d *sessionPages) afterPasswordChange(r *http.Request, ps session.SignedIn, now time.Time) {
	ctx := r.Context()
	n, err := d.sessions.DeleteUserSessions(ctx, ps.User.ID, ps.Session.ID)
	if err != nil {
		d.site.LogProblem(r, "other sessions not ended", err, "user_id", ps.User.ID)
	}
	// RFC 9700 section 4.14.2: refresh tokens die with the old
	// password; relying parties sign the user in again through the
	// (kept) SSO session.
	if d.tokens != nil {
		if err := d.tokens.RevokeUserTokens(ctx, ps.User.ID, ""); err != nil {
			d.site.LogProblem(r, "tokens not revoked after the password change", err, "user_id", ps.User.ID)
		}
	}
	d.logger.InfoContext(ctx, "password changed", "user_id", ps.User.ID, "sessions_ended", n)
	d.tell.audit(r, iam.AuditPasswordChanged, ps.User.ID, ps.User.ID, map[string]string{"sessions_ended": strconv.Itoa(n)})
	d.tell.email(r, ps.User, "password notice", func(m Messages) (notify.Email, error) {
		return m.PasswordChangedEmail(ps.User.Email, ps.User.Name(), now)
	})
}
