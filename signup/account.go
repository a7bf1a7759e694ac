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
			Email: st.Email, GivenName: st.GivenName, FamilyName: st.FamilyName})
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
		st.GivenName, st.FamilyName, st.PasswordHash = given, family, hash
		d.saveReg(w, st)
		http.Redirect(w, r, pathRegisterMethod, http.StatusSeeOther)
	})
}

// regMethodChoices lists the methods offered at registration.
func regMethodChoices(checked string) []templates.MethodChoice {
	if checked == "" {
		checked = storage.MFAEmail
	}
	return []templates.MethodChoice{
		{Value: storage.MFAEmail, Label: "A code by e-mail", Hint: "(default)", Checked: checked == storage.MFAEmail},
		{Value: storage.MFATOTP, Label: "An authenticator app", Hint: "(set up now with a QR code)", Checked: checked == storage.MFATOTP},
	}
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
		st, ok := d.regAt(w, r, func(st regState) bool { return st.PasswordHash != "" }, pathRegisterDetails)
		if !ok {
			return
		}
		d.site.Render(w, r, http.StatusOK, templates.RegisterMethodPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r), Methods: regMethodChoices("")})
	})
}

// handleRegisterMethodPOST serves POST /login/register/method: e-mail
// creates the user at once; the authenticator app is enrolled first.
func handleRegisterMethodPOST(d *accountStep) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, ok := d.regAt(w, r, func(st regState) bool { return st.PasswordHash != "" }, pathRegisterDetails)
		if !ok {
			return
		}
		switch r.PostForm.Get("method") {
		case storage.MFAEmail, "":
			d.createRegisteredUser(w, r, st, storage.MFAEmail, nil)
		case storage.MFATOTP:
			key, err := mfa.GenerateTOTP(d.product, st.Email)
			if err != nil {
				d.site.LogProblem(r, "totp key not generated", err)
				d.site.RenderProblem(w, r, web.ProbInternal)
				return
			}
			st.TOTPSecret = key.Secret
			d.saveReg(w, st)
			http.Redirect(w, r, pathRegisterTOTP, http.StatusSeeOther)
		default:
			d.site.Render(w, r, http.StatusOK, templates.RegisterMethodPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r),
				Methods: regMethodChoices(""), Error: "Choose one of the methods."})
		}
	})
}

// renderRegisterTOTP shows the enrolment page of the pending secret.
func (d *accountStep) renderRegisterTOTP(w http.ResponseWriter, r *http.Request, st regState, msg string) {
	key, err := mfa.TOTPKeyFor(d.product, st.Email, st.TOTPSecret)
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
		st, ok := d.regAt(w, r, func(st regState) bool { return st.TOTPSecret != "" }, pathRegisterMethod)
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
		st, ok := d.regAt(w, r, func(st regState) bool { return st.TOTPSecret != "" }, pathRegisterMethod)
		if !ok {
			return
		}
		step, match := mfa.MatchTOTP(st.TOTPSecret, r.PostForm.Get("code"), d.now())
		if !match {
			d.renderRegisterTOTP(w, r, st, codesend.MsgWrongCode)
			return
		}
		d.createRegisteredUser(w, r, st, storage.MFATOTP, func(userID string, ms *storage.MFAState) {
			ms.TOTPSecretSealed = mfa.SealTOTPSecret(d.sealer, userID, st.TOTPSecret)
			ms.TOTPConfirmed = true
			ms.TOTPLastStep = step
		})
	})
}

// createRegisteredUser creates the user with method and recovery codes
// (and what setup adds to the MFA state), then shows the codes once.
func (d *accountStep) createRegisteredUser(w http.ResponseWriter, r *http.Request, st regState, method string, setup func(userID string, ms *storage.MFAState)) {
	ctx := r.Context()
	now := d.now()
	u, err := iam.Register(ctx, d.users, iam.Registration{Email: st.Email, GivenName: st.GivenName, FamilyName: st.FamilyName,
		PasswordHash: st.PasswordHash, MFAMethod: method}, now)
	var ie *iam.Error
	if errors.As(err, &ie) && ie.Code == iam.CodeConflict {
		d.logger.InfoContext(ctx, "registration: address taken meanwhile")
		d.clearReg(w)
		d.site.RenderProblem(w, r, probRegistration)
		return
	}
	if err != nil {
		d.site.LogProblem(r, "user not registered", err)
		d.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
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
		return
	}
	d.logger.InfoContext(ctx, "user registered", "user_id", u.ID, "mfa_method", method)
	d.audit(r, iam.AuditUserRegistered, u.ID, u.ID, map[string]string{"mfa_method": method})
	st.UserID, st.PasswordHash, st.TOTPSecret = u.ID, "", ""
	d.saveReg(w, st)
	// The continue button ends in the redirect to the relying party:
	// browsers check form-action along the redirect chain.
	if ar, _, ok := d.flow.Open(ctx, r, st.AuthRequestID); ok {
		d.site.AllowFormTargets(w, d.flow.CallbackURL(ctx, ar.ID), ar.RedirectURI)
	}
	d.site.Render(w, r, http.StatusOK, templates.RecoveryCodesPage{AuthRequestID: st.AuthRequestID, CSRFToken: d.regCSRF(w, r), Action: pathRegisterFinish, Codes: plain})
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
