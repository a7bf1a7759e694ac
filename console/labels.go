package console

import (
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/templates"
)

// notices are the confirmations a redirect may ask for with the "done"
// parameter. The text never comes from the request.
var notices = map[string]string{
	"switched":       "You switched to this account. Applications get it the next time you sign in to them.",
	"invited":        "The invitation was sent.",
	"invited_unsent": "The invitation was saved, but the e-mail could not be sent. Try resending it.",
	"resent":         "A new invitation link was sent; the old one no longer works.",
	"revoked":        "The invitation was revoked.",
	"role":           "The role was changed and the person was told by e-mail.",
	"removed":        "The person was removed from the account and told by e-mail.",
	"child":          "The child account was created. You are its Owner.",
	"transferred":    "Ownership was transferred. You are now an Admin of this account.",
	"policy":         "Sign-in policy saved.",
	"business":       "Business details saved.",
	"activated":      "Setup complete: the account is active.",
	// The API clients tab (clients.go).
	"client_enabled":  "The API client was enabled.",
	"client_disabled": "The API client was disabled: it gets no new tokens.",
	"client_locked":   "The API client was locked: only the account's Owner and Admins and its owner can change it.",
	"client_unlocked": "The API client was unlocked.",
	"client_deleted":  "The API client was deleted.",
	// The relying applications tab (apps.go).
	"app_updated": "The application was saved.",
	"app_deleted": "The application was deleted.",
}

// roleLabels, statusLabels, typeLabels and stateLabels are the catalogue
// keys that name roles, account statuses, account types and invitation
// states on the page.
var (
	roleLabels = map[storage.Role]string{
		storage.RoleOwner: "Owner", storage.RoleAdmin: "Admin", storage.RoleDeveloper: "Developer", storage.RoleDefault: "Default",
	}
	statusLabels = map[storage.AccountStatus]string{
		storage.AccountActive: "Active", storage.AccountPending: "Pending", storage.AccountSuspended: "Suspended",
		storage.AccountDeactivated: "Deactivated",
	}
	typeLabels = map[storage.AccountType]string{storage.AccountIndividual: "Individual", storage.AccountBusiness: "Business"}
	// stateLabels reuse "Pending" for a pending invitation.
	stateLabels = map[storage.InvitationState]string{
		storage.InvitationPending: "Pending", storage.InvitationAccepted: "Accepted", storage.InvitationDeclined: "Declined",
		storage.InvitationExpired: "Expired", storage.InvitationRevoked: "Revoked",
	}
)

// label returns the catalogue key of v in labels, or v itself (shown as
// data) when it has none.
func label[K ~string](labels map[K]string, v K) string {
	if l, ok := labels[v]; ok {
		return l
	}
	return string(v)
}

// roleLabel returns the catalogue key of a role.
func roleLabel(r storage.Role) string { return label(roleLabels, r) }

// statusLabel returns the catalogue key of an account status.
func statusLabel(s storage.AccountStatus) string { return label(statusLabels, s) }

// typeLabel returns the catalogue key of an account type.
func typeLabel(t storage.AccountType) string { return label(typeLabels, t) }

// stateLabel returns the catalogue key of an invitation state.
func stateLabel(s storage.InvitationState) string { return label(stateLabels, s) }

// roleChoices are the roles a member can be given, in the order the
// selects list them.
func roleChoices() []templates.ConsoleChoice {
	out := make([]templates.ConsoleChoice, 0, 3)
	for _, r := range []storage.Role{storage.RoleAdmin, storage.RoleDeveloper, storage.RoleDefault} {
		out = append(out, templates.ConsoleChoice{Value: string(r), Label: roleLabel(r)})
	}
	return out
}

// typeChoices are the account types of the child account form.
func typeChoices() []templates.ConsoleChoice {
	return []templates.ConsoleChoice{
		{Value: string(storage.AccountIndividual), Label: typeLabel(storage.AccountIndividual)},
		{Value: string(storage.AccountBusiness), Label: typeLabel(storage.AccountBusiness)},
	}
}
