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
	"github.com/gatehouse-id/gatehouse/password"
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

// fillSecurityTab loads what the Security tab shows.
// Dates and device names are in p's language.
func (d *deps) fillSecurityTab(ctx context.Context, p *i18n.Printer, ps session.SignedIn, t *templates.SecurityTab) error {
	u := ps.User
	st, err := d.codes.State(ctx, u.ID)
	if err != nil {
		return err
	}
	now := d.Now()
	t.Methods = d.methodOptions(u, st)
	t.TOTPPending = st.TOTPPending
	t.RecoveryRemaining = mfa.RemainingRecoveryCodes(&st)
	t.TrustedDevicesEnabled = d.TrustedDevices || len(st.Devices) > 0
	for _, dev := range st.Devices {
		if now.Before(dev.ExpiresAt) {
			t.Devices = append(t.Devices, templates.DeviceRow{ID: dev.ID, Label: deviceLabel(p, dev.Label), Created: formatDate(p, dev.CreatedAt), Expires: formatDate(p, dev.ExpiresAt)})
		}
	}
	sessions, err := d.Sessions.ListUserSessions(ctx, u.ID)
	if err != nil {
		return fmt.Errorf("list sessions: %w", err)
	}
	for _, s := range sessions {
		if !d.sess.Valid(s, now) {
			continue
		}
		t.Sessions = append(t.Sessions, templates.SessionRow{
			Ref:      d.sessionRef(s.ID),
			Created:  formatDate(p, s.CreatedAt),
			LastSeen: formatDate(p, s.LastSeenAt),
			IP:       s.IP,
			Device:   deviceLabel(p, s.UserAgent),
			Current:  s.ID == ps.Session.ID,
		})
	}
	t.ResetLinkEnabled = d.ResetLinks != nil
	t.ResetLinkChannel = "e-mail"
	if resetChannel(u, d.Texter != nil) == storage.ChannelSMS {
		t.ResetLinkChannel = "text message"
	}
	if d.Passkeys != nil {
		t.KeyLinks = []templates.SectionLink{{Label: "Manage security keys and passkeys", URL: pathKeys}}
		sk, err := d.securityKeys(ctx, p, u)
		if err != nil {
			return err
		}
		t.Keys = &sk
	}
	return nil
}

// methodOptions lists the second-factor methods on the Security tab.
// WebAuthn is chosen on the WebAuthn pages (pathKeys); it is listed here
// only while it is the current method, so that saving keeps it.
func (d *deps) methodOptions(u storage.User, st storage.MFAState) []templates.MethodOption {
	current := u.MFAMethod
	if current == "" {
		current = storage.MFAEmail
	}
	sms := templates.MethodOption{Value: storage.MFASMS, Label: "Text message (SMS) code", Note: "SMS charges may apply"}
	if d.Texter == nil || !u.PhoneVerified || u.Phone == "" {
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

// handlePasswordChange serves POST /profile/password. The current
// password must be right, checked behind the same per-user counter as the
// sign-in password and the per-IP failure bucket, so a stolen session
// cannot guess it faster than a sign-in could; the new one must meet the
// policy (the message names the rule). Every other session of the user ends, and the
// user is e-mailed.
func handlePasswordChange(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		current := r.PostForm.Get("current_password")
		next := r.PostForm.Get("new_password")
		// The same per-user counter as the sign-in password (delay after
		// 5, lock after 100) and the per-IP failure bucket.
		reason, throttled, err := d.CurrentPassword.CheckPassword(r, ps.User.ID, current)
		if err != nil {
			d.site.LogProblem(r, "password check failed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if reason != "" {
			countFailure(r)
			d.Logger.InfoContext(ctx, "password change refused: wrong current password", "user_id", ps.User.ID, "reason", reason)
			msg := msgWrongCurrent
			if throttled {
				msg = msgTooManyCurrent
			}
			d.refuse(w, r, ps, templates.TabSecurity, msg)
			return
		}
		if err := password.Validate(next, ps.User.Email); err != nil {
			var pe *password.PolicyError
			if !errors.As(err, &pe) {
				d.site.LogProblem(r, "password policy check failed", err, "user_id", ps.User.ID)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			d.Logger.InfoContext(ctx, "password change refused by policy", "user_id", ps.User.ID, "rule", pe.Rule)
			d.refuse(w, r, ps, templates.TabSecurity, pe.Message)
			return
		}
		hash, err := d.Passwords.Hash(ctx, next)
		if err != nil {
			d.site.LogProblem(r, "password not hashed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		now := d.Now()
		if _, err := d.Users.UpdateUser(ctx, ps.User.ID, func(old storage.User) (storage.User, error) {
			old.PasswordHash = hash
			old.UpdatedAt = now
			return old, nil
		}); err != nil {
			d.site.LogProblem(r, "password not changed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.afterPasswordChange(r, ps, now)
		http.Redirect(w, r, tabPath(templates.TabSecurity, "password"), http.StatusSeeOther)
	})
}

// handleMethodChange serves POST /profile/mfa, the preferred second
// factor. It needs step-up. Choosing the authenticator app before it is
// set up marks it pending (mfa.MarkTOTPPending): it is enrolled at the
// next sign-in and the current method keeps working until then.
func handleMethodChange(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if !d.requireStepUp(w, r, ps, templates.TabSecurity) {
			return
		}
		ctx := r.Context()
		method := r.PostForm.Get("method")
		st, err := d.codes.State(ctx, ps.User.ID)
		if err != nil {
			d.site.LogProblem(r, "mfa state not loaded", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		allowed := false
		for _, o := range d.methodOptions(ps.User, st) {
			allowed = allowed || o.Value == method && !o.Disabled
		}
		if !allowed {
			d.refuse(w, r, ps, templates.TabSecurity, msgMethodInvalid)
			return
		}
		now := d.Now()
		pending := method == storage.MFATOTP && !st.TOTPConfirmed
		if _, err := d.MFA.UpdateMFAState(ctx, ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
			if pending {
				mfa.MarkTOTPPending(&s)
			} else {
				s.TOTPPending, s.TOTPPendingSecretSealed = false, nil
			}
			s.UpdatedAt = now
			return s, nil
		}); err != nil {
			d.site.LogProblem(r, "mfa state not saved", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if !pending {
			if _, err := d.Users.UpdateUser(ctx, ps.User.ID, func(old storage.User) (storage.User, error) {
				old.MFAMethod = method
				old.UpdatedAt = now
				return old, nil
			}); err != nil {
				d.site.LogProblem(r, "mfa method not saved", err, "user_id", ps.User.ID)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
		}
		d.Logger.InfoContext(ctx, "mfa method changed", "user_id", ps.User.ID, "method", method, "pending", pending)
		d.audit(r, iam.AuditMFAMethodChanged, ps.User.ID, ps.User.ID, map[string]string{"method": method, "pending": strconv.FormatBool(pending)})
		if m, err := notify.Localize(d.Messages, ps.User.Locale).MFAChangedEmail(ps.User.Email, ps.User.Name(), method, now); err != nil {
			d.site.LogProblem(r, "mfa notice not composed", err)
		} else if err := d.Mailer.SendEmail(ctx, m); err != nil {
			d.site.LogProblem(r, "mfa notice not sent", err, "user_id", ps.User.ID)
		}
		done := "mfa"
		if pending {
			done = "mfa_totp"
		}
		http.Redirect(w, r, tabPath(templates.TabSecurity, done), http.StatusSeeOther)
	})
}

// handleRecoveryRegenerate serves POST /profile/recovery-codes. It needs
// step-up, replaces every recovery code (the old ones stop working) and
// shows the new ones once.
func handleRecoveryRegenerate(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if !d.requireStepUp(w, r, ps, templates.TabSecurity) {
			return
		}
		ctx := r.Context()
		now := d.Now()
		var plain []string
		if _, err := d.MFA.UpdateMFAState(ctx, ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
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
		d.Logger.InfoContext(ctx, "recovery codes regenerated", "user_id", ps.User.ID, "count", len(plain))
		d.audit(r, iam.AuditRecoveryRegenerated, ps.User.ID, ps.User.ID, map[string]string{"count": strconv.Itoa(len(plain))})
		d.notice(r, ps.User.Email, ps.User.Name(), "New "+defaultProduct+" recovery codes were created",
			"New recovery codes were created for your "+defaultProduct+" account on "+formatTime(now)+". Your earlier recovery codes no longer work.")
		d.renderProfile(w, r, ps, http.StatusOK, templates.ProfilePage{
			Tab:      templates.TabSecurity,
			Notice:   "New recovery codes were created. Save them now.",
			Security: templates.SecurityTab{NewRecoveryCodes: plain},
		})
	})
}

// handleDeviceRevoke serves POST /profile/devices/revoke: the device must
// pass the second factor again.
func handleDeviceRevoke(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		id := r.PostForm.Get("device")
		if id == "" {
			d.site.RenderProblem(w, r, web.ProbBadForm)
			return
		}
		now := d.Now()
		revoked := false
		if _, err := d.MFA.UpdateMFAState(r.Context(), ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
			revoked = mfa.RevokeDevice(&s, id)
			s.UpdatedAt = now
			return s, nil
		}); err != nil {
			d.site.LogProblem(r, "device not revoked", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.Logger.InfoContext(r.Context(), "trusted device revoked", "user_id", ps.User.ID, "device_id", id, "found", revoked)
		http.Redirect(w, r, tabPath(templates.TabSecurity, "device"), http.StatusSeeOther)
	})
}

// handleSessionRevoke serves POST /profile/sessions/revoke: it ends one
// session of the user, named by its ref. Ending this browser's session
// signs it out.
func handleSessionRevoke(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		ctx := r.Context()
		ref := r.PostForm.Get("session")
		sessions, err := d.Sessions.ListUserSessions(ctx, ps.User.ID)
		if err != nil {
			d.site.LogProblem(r, "sessions not listed", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		for _, s := range sessions {
			if ref == "" || d.sessionRef(s.ID) != ref {
				continue
			}
			if err := d.Sessions.DeleteSession(ctx, s.ID); err != nil {
				d.site.LogProblem(r, "session not deleted", err, "user_id", ps.User.ID)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			d.Logger.InfoContext(ctx, "session signed out from the profile", "user_id", ps.User.ID, "current", s.ID == ps.Session.ID)
			d.audit(r, iam.AuditSessionRevoked, ps.User.ID, ps.User.ID, map[string]string{"scope": "one", "current": strconv.FormatBool(s.ID == ps.Session.ID)})
			if s.ID == ps.Session.ID {
				d.sess.ClearCookie(w)
				http.Redirect(w, r, "/", http.StatusSeeOther)
				return
			}
			http.Redirect(w, r, tabPath(templates.TabSecurity, "session"), http.StatusSeeOther)
			return
		}
		d.refuse(w, r, ps, templates.TabSecurity, "That session has already ended.")
	})
}

// handleSessionsRevokeOthers serves POST /profile/sessions/revoke-others.
func handleSessionsRevokeOthers(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		n, err := d.Sessions.DeleteUserSessions(r.Context(), ps.User.ID, ps.Session.ID)
		if err != nil {
			d.site.LogProblem(r, "other sessions not ended", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		d.Logger.InfoContext(r.Context(), "other sessions signed out", "user_id", ps.User.ID, "count", n)
		d.audit(r, iam.AuditSessionRevoked, ps.User.ID, ps.User.ID, map[string]string{"scope": "others", "count": strconv.Itoa(n)})
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

// handleResetLink serves POST /profile/reset-link, "Send reset password
// link", through the user's second-factor channel (Deps.ResetLinks, the
// sign-in pages' reset link). Sends count against the user's code send limit.
func handleResetLink(d *deps) http.Handler {
	return d.profileAction(func(w http.ResponseWriter, r *http.Request, ps session.SignedIn) {
		if d.ResetLinks == nil {
			d.refuse(w, r, ps, templates.TabSecurity, msgResetSoon)
			return
		}
		ctx := r.Context()
		unlock := d.codes.Lock(ps.User.ID)
		defer unlock()
		now := d.Now()
		st, err := d.codes.State(ctx, ps.User.ID)
		if err != nil {
			d.site.LogProblem(r, "mfa state not loaded", err, "user_id", ps.User.ID)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if ok, wait, _ := mfa.CanSend(st.SendLog, d.codes.Policy(), now); !ok {
			d.refuse(w, r, ps, templates.TabSecurity, "You can request a new link in "+codesend.HumanWait(wait)+".")
			return
		}
		channel := resetChannel(ps.User, d.Texter != nil)
		if err := d.ResetLinks(ctx, ps.User, channel); err != nil {
			d.site.LogProblem(r, "reset link not sent", err, "user_id", ps.User.ID)
			d.refuse(w, r, ps, templates.TabSecurity, "We could not send the link. Try again in a moment.")
			return
		}
		d.audit(r, iam.AuditResetRequested, ps.User.ID, ps.User.ID, map[string]string{"channel": channel, "from": "profile"})
		if _, err := d.MFA.UpdateMFAState(ctx, ps.User.ID, func(s storage.MFAState) (storage.MFAState, error) {
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
func (d *deps) afterPasswordChange(r *http.Request, ps session.SignedIn, now time.Time) {
	ctx := r.Context()
	n, err := d.Sessions.DeleteUserSessions(ctx, ps.User.ID, ps.Session.ID)
	if err != nil {
		d.site.LogProblem(r, "other sessions not ended", err, "user_id", ps.User.ID)
	}
	// RFC 9700 section 4.14.2: refresh tokens die with the old
	// password; relying parties sign the user in again through the
	// (kept) SSO session.
	if d.Tokens != nil {
		if err := d.Tokens.RevokeUserTokens(ctx, ps.User.ID, ""); err != nil {
			d.site.LogProblem(r, "tokens not revoked after the password change", err, "user_id", ps.User.ID)
		}
	}
	d.Logger.InfoContext(ctx, "password changed", "user_id", ps.User.ID, "sessions_ended", n)
	d.audit(r, iam.AuditPasswordChanged, ps.User.ID, ps.User.ID, map[string]string{"sessions_ended": strconv.Itoa(n)})
	if msgs, err := d.profileMessages(); err != nil {
		d.site.LogProblem(r, "password notice not composed", err)
	} else if m, err := notify.Localize(msgs, ps.User.Locale).PasswordChangedEmail(ps.User.Email, ps.User.Name(), now); err != nil {
		d.site.LogProblem(r, "password notice not composed", err)
	} else if err := d.Mailer.SendEmail(ctx, m); err != nil {
		d.site.LogProblem(r, "password notice not sent", err, "user_id", ps.User.ID)
	}
}
