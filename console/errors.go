package console

import (
	"errors"
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
)

// The console's messages for iam's refusals. iam's own messages are
// English sentences with data in them; the page shows one of these
// catalogue keys instead, chosen by the error's code and field.
const (
	msgForbidden      = "Your role in this account does not allow this."
	msgNotFound       = "This account, person or invitation does not exist or is not available to you."
	msgNotSelectable  = "This account is not available to you. Only active accounts you belong to can be chosen."
	msgName           = "Enter a name of at most 100 characters, without control characters."
	msgEmail          = "Enter one e-mail address, such as name@example.com."
	msgRole           = "Choose a role: Admin, Developer or Default."
	msgType           = "Choose a type: Individual or Business."
	msgDepth          = "Accounts nest at most 4 levels deep and this account is on the last level. Create the child account higher up."
	msgInviteConflict = "This address already belongs to a member of the account or has a pending invitation to it. Resend that invitation instead."
	msgAnswered       = "This invitation was already answered, revoked or replaced, so it cannot change any more. Send a new one if needed."
	msgResendSoon     = "This invitation was sent less than a minute ago. Wait a moment before sending it again."
	msgInviteRate     = "This address has had as many invitations today as we send to one address. Try again tomorrow."
	msgTransferTo     = "Ownership goes only to an active Admin of this account. Invite the person as Admin first."
	msgInvalid        = "Check what you entered and try again."
	msgPolicyKey      = "A parent account requires a security key or passkey, so this account cannot turn that off."
	msgPolicyDevices  = "A parent account forbids trusted devices, so this account cannot allow them."
)

// problem is how a refused action is shown: a status, a catalogue key and
// the input it is about. internal is set for a fault that is not a
// refusal, which shows the error page instead.
type problem struct {
	status int
	msg    string
	field  string
	// reason is iam's code, for the log.
	reason string
	stepUp bool
	// internal is a storage or other fault.
	internal error
}

// invalidFields maps the Field of an iam invalid error to the message and
// the input the page marks.
var invalidFields = map[string]struct{ msg, field string }{
	"name":      {msgName, "name"},
	"email":     {msgEmail, "email"},
	"role":      {msgRole, "role"},
	"type":      {msgType, "type"},
	"parent_id": {msgDepth, "name"},
	"to":        {msgTransferTo, "to"},
	// SetPolicy: turning off what a parent account sets.
	fieldRequireKey:    {msgPolicyKey, fieldRequireKey},
	fieldForbidTrusted: {msgPolicyDevices, fieldForbidTrusted},
	// SetBusinessDetails: a bad business detail.
	fieldCompanyName: {msgCompanyName, fieldCompanyName},
	fieldStreet:      {msgStreet, fieldStreet},
	fieldPostcode:    {msgPostcode, fieldPostcode},
	fieldCity:        {msgCity, fieldCity},
	fieldCountry:     {msgCountry, fieldCountry},
	fieldPhone:       {msgPhone, fieldPhone},
	fieldVATNumber:   {msgVATNumber, fieldVATNumber},
}

// problemOf maps an error of iam to what the page shows.
func problemOf(err error) problem {
	var ie *iam.Error
	if !errors.As(err, &ie) {
		return problem{status: http.StatusInternalServerError, internal: err}
	}
	p := problem{reason: ie.Code + ":" + ie.Field}
	switch ie.Code {
	case iam.CodeForbidden:
		p.status, p.msg = http.StatusForbidden, msgForbidden
		if ie.Rule == iam.RuleStepUp {
			p.msg, p.stepUp, p.reason = "", true, ie.Rule
		}
	case iam.CodeNotFound:
		p.status, p.msg = http.StatusNotFound, msgNotFound
	case iam.CodeConflict:
		p.status, p.msg = http.StatusConflict, msgAnswered
		switch {
		case ie.Rule == iam.RuleResendTooSoon:
			p.msg = msgResendSoon
		case ie.Rule == iam.RuleInvitationRate:
			p.msg, p.field = msgInviteRate, "email"
		case ie.Field == "email":
			p.msg, p.field = msgInviteConflict, "email"
		case ie.Field == "to":
			p.msg, p.field = msgTransferTo, "to"
		case ie.Field == fieldVATNumber:
			p.msg, p.field = msgVATChanged, fieldVATNumber
		}
	case iam.CodeInvalid:
		p.status, p.msg = http.StatusUnprocessableEntity, msgInvalid
		if f, ok := invalidFields[ie.Field]; ok {
			p.msg, p.field = f.msg, f.field
		}
	default:
		return problem{status: http.StatusInternalServerError, internal: err}
	}
	return p
}

// selectError maps an error of iam.SelectAccount: its not-found says the
// account cannot be chosen.
func selectError(err error) problem {
	p := problemOf(err)
	if p.internal == nil && p.status == http.StatusNotFound {
		p.msg = msgNotSelectable
	}
	return p
}

// asProblem returns the problem of an iam refusal, and false for any
// other error.
func asProblem(err error) (problem, bool) {
	p := problemOf(err)
	return p, p.internal == nil
}
