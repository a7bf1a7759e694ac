package login

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// The account policy's step-up. An account may require phishing-resistant
// sign-in or forbid trusted devices (iam.SetPolicy, inherited down the
// tree). The account is known only once it is chosen, after the factors,
// so authreq.Flow checks the policy then (iam.SignInPolicyGap) and, when
// the sign-in falls short, calls stepUp: the chosen account is kept on
// the auth request and the sign-in starts again at the password with
// LoginProgress.StepUp set, which then requires a security key or passkey
// (phrRequired), or a second factor that no trusted device skips
// (devices.allowed). The password page says why. A sign-in that steps up
// and still falls short is refused (access_denied), never looped.

// The step-up notices on the password page.
const (
	msgStepUpKey    = "The account you chose asks for a security key or passkey. Enter your password again, then use your key."
	msgStepUpDevice = "The account you chose does not allow trusted devices. Enter your password again, then the code."
)

// probNeedsKey is the page of a user who chose an account that requires a
// security key or passkey and has none.
var probNeedsKey = web.Problem{Status: http.StatusForbidden, Page: templates.ErrorPage{
	Title:   "A security key or passkey is needed",
	Message: "The account you chose requires signing in with a security key or passkey, and you have none yet.",
	Next:    "Add a security key or passkey on the Security tab of your profile, then sign in again.",
}}

// stepUp implements authreq.StepUp: it records accountID on ar and starts
// userID's sign-in again at the password, with the gap to close. A user
// asked for a key who has none usable gets probNeedsKey instead, and the
// sign-in is not changed.
func (d *keyPages) stepUp(w http.ResponseWriter, r *http.Request, ar storage.AuthRequest, binding, userID, accountID string, gap iam.PolicyGap) {
	ctx := r.Context()
	u, err := d.core.users.GetUser(ctx, userID)
	if err != nil {
		d.core.site.LogProblem(r, "step-up: user not loaded", err, "user_id", userID)
		d.core.site.RenderProblem(w, r, authreq.ProblemFor(err))
		return
	}
	if gap == iam.GapPhishingResistant {
		n, err := d.usableKeys(ctx, userID)
		if err != nil {
			d.core.site.LogProblem(r, "step-up: keys not loaded", err, "user_id", userID)
			d.core.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		if n == 0 {
			d.core.logger.InfoContext(ctx, "sign-in stopped: the account requires a key the user lacks", "user_id", userID, "account_id", accountID, "auth_request_id", ar.ID)
			d.core.site.RenderProblem(w, r, probNeedsKey)
			return
		}
	}
	now := d.core.now()
	_, err = d.core.authRequests.UpdateAuthRequest(ctx, ar.ID, func(old storage.AuthRequest) (storage.AuthRequest, error) {
		if err := authreq.CheckOpen(old, now, binding, true); err != nil {
			return old, err
		}
		old.Login = storage.LoginProgress{UserID: u.ID, Email: u.Email, StepUp: string(gap)}
		old.AccountID, old.AccountPickSession = accountID, ""
		return old, nil
	})
	if err != nil {
		d.core.site.LogProblem(r, "step-up not saved", err, "auth_request_id", ar.ID)
		d.core.site.RenderProblem(w, r, authreq.ProblemFor(err))
		return
	}
	http.Redirect(w, r, stepPath(stepPassword, ar.ID), http.StatusSeeOther)
}

// stepUpNotice returns the password page's notice for a sign-in that
// steps up, or "".
func stepUpNotice(p storage.LoginProgress) string {
	switch iam.PolicyGap(p.StepUp) {
	case iam.GapPhishingResistant:
		return msgStepUpKey
	case iam.GapSecondFactor:
		return msgStepUpDevice
	}
	return ""
}
