package signup

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// verifiedReg loads a registration whose address was verified and whose
// user does not exist yet.
func (d *pages) verifiedReg(w http.ResponseWriter, r *http.Request) (regState, bool) {
	st, ok := d.loadReg(w, r)
	if ok && (!st.Verified || st.UserID != "") {
		d.logger.InfoContext(r.Context(), "registration step out of order", "verified", st.Verified, "created", st.UserID != "")
		d.site.RenderProblem(w, r, probRegistration)
		return st, false
	}
	return st, ok
}

// handleRegisterDetailsForm serves GET /login/register/details.
func handleRegisterDetailsForm(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.verifiedReg(w, r)
		if !ok {
			return
		}
		d.site.Render(w, r, http.StatusOK, templates.RegisterDetailsPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
			Email: st.Email, GivenName: st.Person.GivenName, FamilyName: st.Person.FamilyName})
	})
}

// handleRegisterDetailsPOST serves POST /login/register/details: the name
// and the password, checked against the policy; only the hash is kept.
func handleRegisterDetailsPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.verifiedReg(w, r)
		if !ok {
			return
		}
		given := strings.TrimSpace(r.PostForm.Get("given_name"))
		family := strings.TrimSpace(r.PostForm.Get("family_name"))
		pw := r.PostForm.Get("password")
		if err := iam.CheckRegistration(st.Email, given, family, pw); err != nil {
			var ie *iam.Error
			if !errors.As(err, &ie) {
				d.site.LogProblem(r, "registration not checked", err)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			d.site.Render(w, r, http.StatusOK, templates.RegisterDetailsPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
				Email: st.Email, GivenName: given, FamilyName: family, Error: ie.Message, ErrorField: ie.Field})
			return
		}
		hash, err := d.passwords.Hash(r.Context(), pw)
		if err != nil {
			d.site.LogProblem(r, "password not hashed", err)
			d.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		st.Person.GivenName, st.Person.FamilyName, st.Person.PasswordHash = given, family, hash
		d.saveReg(w, st)
		http.Redirect(w, r, pathRegisterMethod, http.StatusSeeOther)
	})
}

// regMethodChoices lists the methods offered at registration, SMS only
// when text messages can be sent.
func regMethodChoices(checked string, sms bool) []templates.MethodChoice {
	if checked == "" {
		checked = storage.MFAEmail
	}
	out := []templates.MethodChoice{{Value: storage.MFAEmail, Label: "A code by e-mail", Hint: "(default)", Checked: checked == storage.MFAEmail}}
	if sms {
		out = append(out, templates.MethodChoice{Value: storage.MFASMS, Label: "Text message (SMS) code", Hint: "(to the number below; an app is safer)", Checked: checked == storage.MFASMS})
	}
	return append(out, templates.MethodChoice{Value: storage.MFATOTP, Label: "An authenticator app", Hint: "(set up now with a QR code)", Checked: checked == storage.MFATOTP})
}

// renderMethod shows the method page with checked chosen, the number as
// typed and msg, if any.
func (d *accountStep) renderMethod(w http.ResponseWriter, r *http.Request, st regState, status int, checked, phone, msg string) {
	page := templates.RegisterMethodPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
		Methods: regMethodChoices(checked, d.sms != nil), AskPhone: d.sms != nil, Phone: phone, Error: msg}
	if msg != "" && checked == storage.MFASMS {
		page.ErrorField = "phone"
	}
	d.site.Render(w, r, status, page)
}

// regAt is verifiedReg for a step that needs an earlier one done: when
// ready(st) is false the browser is sent back to the page back.
func (d *accountStep) regAt(w http.ResponseWriter, r *http.Request, ready func(regState) bool, back string) (regState, bool) {
	st, ok := d.verifiedReg(w, r)
	if ok && !ready(st) {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return st, false
	}
	return st, ok
}

// handleRegisterMethodForm serves GET /login/register/method.
func handleRegisterMethodForm(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, func(st regState) bool { return st.Person.PasswordHash != "" }, pathRegisterDetails)
		if !ok {
			return
		}
		d.renderMethod(w, r, st, http.StatusOK, "", st.Factor.Phone, "")
	})
}

// handleRegisterMethodPOST serves POST /login/register/method: e-mail is
// proven already; SMS and the authenticator app are proven by a code
// first.
func handleRegisterMethodPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, func(st regState) bool { return st.Person.PasswordHash != "" }, pathRegisterDetails)
		if !ok {
			return
		}
		switch r.PostForm.Get("method") {
		case storage.MFAEmail, "":
			st.Factor.Method = storage.MFAEmail
			d.create.proven(w, r, st)
		case storage.MFASMS:
			if d.sms == nil {
				d.renderMethod(w, r, st, http.StatusOK, "", "", "Choose one of the methods.")
				return
			}
			d.sms.start(w, r, st)
		case storage.MFATOTP:
			key, err := mfa.GenerateTOTP(d.product, st.Email)
			if err != nil {
				d.site.LogProblem(r, "totp key not generated", err)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			st.Factor.TOTPSecret, st.Factor.Method = key.Secret, ""
			d.saveReg(w, st)
			http.Redirect(w, r, pathRegisterTOTP, http.StatusSeeOther)
		default:
			d.renderMethod(w, r, st, http.StatusOK, "", r.PostForm.Get("phone"), "Choose one of the methods.")
		}
	})
}

// renderRegisterTOTP shows the enrolment page of the pending secret.
func (d *accountStep) renderRegisterTOTP(w http.ResponseWriter, r *http.Request, st regState, msg string) {
	key, err := mfa.TOTPKeyFor(d.product, st.Email, st.Factor.TOTPSecret)
	if err != nil {
		d.site.LogProblem(r, "totp key not rebuilt", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	d.site.Render(w, r, http.StatusOK, templates.TOTPEnrolPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
		Action: pathRegisterTOTP, QRDataURL: key.QRDataURL, Secret: key.Secret, SkipLabel: "Use e-mail codes instead", SkipURL: pathRegisterMethod, Error: msg})
}

// handleRegisterTOTPForm serves GET /login/register/totp.
func handleRegisterTOTPForm(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, func(st regState) bool { return st.Factor.TOTPSecret != "" }, pathRegisterMethod)
		if !ok {
			return
		}
		d.renderRegisterTOTP(w, r, st, "")
	})
}

// handleRegisterTOTPPOST serves POST /login/register/totp: one code from
// the app confirms it, and the user is created with it.
func handleRegisterTOTPPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, func(st regState) bool { return st.Factor.TOTPSecret != "" }, pathRegisterMethod)
		if !ok {
			return
		}
		step, match := mfa.MatchTOTP(st.Factor.TOTPSecret, r.PostForm.Get("code"), d.now())
		if !match {
			d.renderRegisterTOTP(w, r, st, codesend.MsgWrongCode)
			return
		}
		st.Factor.Method, st.Factor.TOTPStep = storage.MFATOTP, step
		d.create.proven(w, r, st)
	})
}

// proven moves on once the second factor of st.Factor.Method is proven: a
// registrant names the first account next (when accounts are on); an
// invited person's user is created at once and joins the account.
func (d *userCreator) proven(w http.ResponseWriter, r *http.Request, st regState) {
	if d.accounts == nil || st.Invite.Invited {
		d.createRegisteredUser(w, r, st, nil)
		return
	}
	d.saveReg(w, st)
	http.Redirect(w, r, pathRegisterAccount, http.StatusSeeOther)
}

// mfaSetup returns what the proven method of st adds to the new user's
// MFA state: the confirmed authenticator app, with the step of the code
// that proved it.
func (d *userCreator) mfaSetup(st regState) func(userID string, ms *storage.MFAState) {
	if st.Factor.Method != storage.MFATOTP {
		return nil
	}
	return func(userID string, ms *storage.MFAState) {
		ms.TOTPSecretSealed = mfa.SealTOTPSecret(d.sealer, userID, st.Factor.TOTPSecret)
		ms.TOTPConfirmed = true
		ms.TOTPLastStep = st.Factor.TOTPStep
	}
}

// invitationStillPending reports whether the invitation that st's
// registration comes from, if any, is still pending: one revoked or
// expired since its link was opened must not create the user, whose
// e-mail address counts as verified only through it. Otherwise it shows
// the page of an unusable invitation and creates nothing.
func (d *userCreator) invitationStillPending(w http.ResponseWriter, r *http.Request, st regState) bool {
	if st.Invite.Token == "" || d.accounts == nil {
		return true
	}
	v, err := d.accounts.LookupInvitation(r.Context(), st.Invite.Token)
	switch {
	case err == nil && v.State == storage.InvitationPending:
		return true
	case err != nil && iam.ErrorCode(err) == iam.CodeInternal:
		d.site.LogProblem(r, "invitation not looked up", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return false
	}
	d.logger.InfoContext(r.Context(), "invited registration refused: the invitation is no longer pending", "state", string(v.State), "code", iam.ErrorCode(err))
	d.site.RenderProblem(w, r, probInvitation)
	return false
}

// createRegisteredUser creates the user of st with its proven method and
// recovery codes and, right after, its first account (first, when set)
// or the membership of its invitation; then it shows the codes once.
func (d *userCreator) createRegisteredUser(w http.ResponseWriter, r *http.Request, st regState, first *firstAccount) {
	ctx := r.Context()
	if !d.invitationStillPending(w, r, st) {
		return
	}
	u, plain, ok := d.storeUser(w, r, st)
	if !ok {
		return
	}
	st = d.afterUser(r, st, u, first)
	st.UserID, st.Person.PasswordHash, st.Factor.TOTPSecret, st.Invite.Token = u.ID, "", "", ""
	d.saveReg(w, st)
	// The continue button ends in the redirect to the relying party:
	// browsers check form-action along the redirect chain.
	if ar, _, ok := d.flow.Open(ctx, r, st.AuthRequestID); ok {
		d.site.AllowFormTargets(w, d.flow.CallbackURL(ctx, ar.ID), ar.RedirectURI)
	}
	d.site.Render(w, r, http.StatusOK, templates.RecoveryCodesPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r), Action: pathRegisterFinish, Codes: plain})
}

// storeUser creates the user of st with its method and recovery codes,
// and returns it with the codes in clear. On failure it renders the error
// page and returns ok=false.
func (d *userCreator) storeUser(w http.ResponseWriter, r *http.Request, st regState) (storage.User, []string, bool) {
	ctx := r.Context()
	now := d.now()
	reg := iam.Registration{Email: st.Email, GivenName: st.Person.GivenName, FamilyName: st.Person.FamilyName, PasswordHash: st.Person.PasswordHash, MFAMethod: st.Factor.Method}
	if st.Factor.Method == storage.MFASMS {
		reg.Phone = st.Factor.Phone
	}
	u, err := iam.Register(ctx, d.users, reg, now)
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Code == iam.CodeConflict {
		d.logger.InfoContext(ctx, "registration: address taken meanwhile")
		d.clearReg(w)
		d.site.RenderProblem(w, r, probRegistration)
		return u, nil, false
	}
	if err != nil {
		d.site.LogProblem(r, "user not registered", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return u, nil, false
	}
	setup := d.mfaSetup(st)
	plain, codes := mfa.NewRecoveryCodes()
	if _, err := d.mfa.UpdateMFAState(ctx, u.ID, func(ms storage.MFAState) (storage.MFAState, error) {
		ms.RecoveryCodes = codes
		if setup != nil {
			setup(u.ID, &ms)
		}
		ms.UpdatedAt = now
		return ms, nil
	}); err != nil {
		d.site.LogProblem(r, "registered user's second factor not stored", err, "user_id", u.ID)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return u, nil, false
	}
	d.logger.InfoContext(ctx, "user registered", "user_id", u.ID, "mfa_method", st.Factor.Method, "invited", st.Invite.Invited)
	d.audit(r, iam.AuditUserRegistered, u.ID, u.ID, map[string]string{"mfa_method": st.Factor.Method})
	return u, plain, true
}

// afterUser creates the first account of the new user u (first), or
// accepts the invitation of st for u, and returns st with the account
// joined. A failure is logged and the registration goes on: the user
// exists and can sign in, without an account (see doc.go for this gap).
func (d *userCreator) afterUser(r *http.Request, st regState, u storage.User, first *firstAccount) regState {
	if d.accounts == nil {
		return st
	}
	ctx := r.Context()
	actor := iam.UserActor(u.ID, d.site.ClientIP(r), r.UserAgent())
	switch {
	case first != nil:
		a, err := d.accounts.CreateFirstAccount(ctx, actor, first.account)
		if err != nil {
			d.logger.ErrorContext(ctx, "registered user's first account not created", "user_id", u.ID, "err", err)
			return st
		}
		d.logger.InfoContext(ctx, "first account created", "user_id", u.ID, "account_id", a.ID, "type", a.Type)
		d.setBusinessDetails(r, actor, a, first.details)
	case st.Invite.Token != "":
		acc, err := d.accounts.AcceptInvitation(ctx, actor, st.Invite.Token)
		if err != nil {
			d.logger.WarnContext(ctx, "registered user's invitation not accepted", "user_id", u.ID, "code", iam.ErrorCode(err))
			return st
		}
		st.Invite.Joined = acc.Account.Name
		d.logger.InfoContext(ctx, "invitation accepted at registration", "user_id", u.ID, "account_id", acc.Account.ID)
	}
	return st
}

// handleRegisterFinishPOST serves POST /login/register/finish, after the
// recovery codes: it completes the sign-in the registration started from
// when it is still open in this browser, or says "Account created — sign
// in".
func handleRegisterFinishPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.loadReg(w, r)
		if !ok {
			return
		}
		if st.UserID == "" {
			d.site.RenderProblem(w, r, probRegistration)
			return
		}
		d.clearReg(w)
		if st.Invite.Invited {
			d.site.Render(w, r, http.StatusOK, inviteDone(st))
			return
		}
		if ar, binding, ok := d.flow.Open(r.Context(), r, st.AuthRequestID); ok {
			p := ar.Login
			p.Email, p.UserID, p.PasswordAt = st.Email, st.UserID, d.now()
			p.Factors = []string{mfa.AMRPassword, mfa.AMROTP}
			d.site.AllowFormTargets(w, d.flow.CallbackURL(r.Context(), ar.ID), ar.RedirectURI)
			d.flow.CompleteFresh(w, r, ar, binding, p)
			return
		}
		d.site.Render(w, r, http.StatusOK, templates.RegisterDonePage{Email: st.Email})
	})
}
