package console

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// The checkboxes of the sign-in policy form. Their names are the fields
// of iam's errors about them, so that a refusal marks the right box.
const (
	fieldRequireKey    = "require_phishing_resistant"
	fieldForbidTrusted = "forbid_trusted_devices"
)

// The catalogue keys of the sign-in policy's requirements.
const (
	labelRequireKey    = "Require a security key or passkey to sign in"
	labelForbidTrusted = "Do not allow trusted devices"
)

// policyRules returns the requirements the overview lists: on is the
// account's effective policy, inherited what its parent accounts set.
func policyRules(on, inherited storage.AccountPolicy) []templates.ConsolePolicyRule {
	return []templates.ConsolePolicyRule{
		{Field: fieldRequireKey, Label: labelRequireKey, On: on.RequirePhishingResistant, Inherited: inherited.RequirePhishingResistant},
		{Field: fieldForbidTrusted, Label: labelForbidTrusted, On: on.ForbidTrustedDevices, Inherited: inherited.ForbidTrustedDevices},
	}
}

// fillPolicy loads the current account's sign-in policy for the
// overview: its effective policy (iam.EffectivePolicy), and what it
// inherits, which is the parent's effective policy. A requirement the
// parent sets is shown on and cannot be turned off here, even when the
// account sets it too.
func (v *view) fillPolicy(ctx context.Context, st *state) error {
	a := st.cur.Account
	on, err := v.iam.EffectivePolicy(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("effective policy: %w", err)
	}
	var inherited storage.AccountPolicy
	if a.ParentID != "" {
		if inherited, err = v.iam.EffectivePolicy(ctx, a.ParentID); err != nil {
			return fmt.Errorf("inherited policy: %w", err)
		}
	}
	st.page.Policy = policyRules(on, inherited)
	return nil
}

// savePolicy serves POST /console/policy: the account's own sign-in
// policy (iam.SetPolicy), a checked box turning its requirement on. A
// refusal, such as turning off what a parent account sets, shows the
// overview again with the boxes as they were sent.
func (d *overviewPages) savePolicy() http.Handler {
	return d.signedIn(func(w http.ResponseWriter, r *http.Request, si session.SignedIn) {
		f := r.PostForm
		sent := storage.AccountPolicy{RequirePhishingResistant: f.Has(fieldRequireKey), ForbidTrustedDevices: f.Has(fieldForbidTrusted)}
		a, err := d.iam.SetPolicy(r.Context(), d.actor(r, si), f.Get("account"), sent)
		if err != nil {
			d.page.refuse(w, r, si, templates.ConsoleTabOverview, problemOf(err), func(p *templates.ConsolePage) {
				for i := range p.Policy {
					p.Policy[i].On = f.Has(p.Policy[i].Field) || p.Policy[i].Inherited
				}
			})
			return
		}
		d.logger.InfoContext(r.Context(), "console sign-in policy set", "user_id", si.User.ID, "account_id", a.ID,
			"require_phishing_resistant", a.Policy.RequirePhishingResistant, "forbid_trusted_devices", a.Policy.ForbidTrustedDevices)
		http.Redirect(w, r, tabPath(templates.ConsoleTabOverview, "policy"), http.StatusSeeOther)
	})
}
