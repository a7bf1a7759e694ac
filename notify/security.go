package notify

import (
	"fmt"
	"time"
)

// The security notices that the profile and the registration send: a
// change of the e-mail address, the phone number, the security keys or
// the recovery codes, and an attempt to register with an address that has
// an account. Like every message they name the configured product and
// speak the composer's language (In, ForLocale).
const (
	kindEmailChanged    = "email_changed"
	kindPhoneChanged    = "phone_changed"
	kindRecoveryCodes   = "recovery_codes"
	kindKeyChanged      = "key_changed"
	kindRegisterAttempt = "register_attempt"
)

// securityKinds are the e-mail kinds of this file (emailKinds lists them).
var securityKinds = []string{kindEmailChanged, kindPhoneChanged, kindRecoveryCodes, kindKeyChanged, kindRegisterAttempt}

// The kinds of key of KeyAddedEmail and KeyRemovedEmail.
const (
	KeyPasskey     = "passkey"
	KeySecurityKey = "security_key"
	// KeyUnknown is a key that could not be read before its removal.
	KeyUnknown = ""
)

// keyChange holds the catalogue keys of one key notice: its subject, its
// sentence for a key without a name (in terms of the product and the
// time) and for a named key (the name, the product and the time).
type keyChange struct {
	subject, body, named string
}

// keyAdded and keyRemoved are the key notices by kind of key. A key whose
// kind is unknown could not be read, so it has no name either.
var (
	keyAdded = map[string]keyChange{
		KeyPasskey: {"A passkey was added to your account", "A passkey was added to your %[1]s account on %[2]s.",
			"The passkey %[1]s was added to your %[2]s account on %[3]s."},
		KeySecurityKey: {"A security key was added to your account", "A security key was added to your %[1]s account on %[2]s.",
			"The security key %[1]s was added to your %[2]s account on %[3]s."},
	}
	keyRemoved = map[string]keyChange{
		KeyPasskey: {"A passkey was removed from your account", "A passkey was removed from your %[1]s account on %[2]s.",
			"The passkey %[1]s was removed from your %[2]s account on %[3]s."},
		KeySecurityKey: {"A security key was removed from your account", "A security key was removed from your %[1]s account on %[2]s.",
			"The security key %[1]s was removed from your %[2]s account on %[3]s."},
		KeyUnknown: {"A security key or passkey was removed from your account",
			"A security key or passkey was removed from your %[1]s account on %[2]s.", ""},
	}
)

// noticeData is the data of the security notices: the time of the change
// and its detail (the new address, the last digits of the new number, the
// name of the key).
type noticeData struct {
	*common
	At     string
	Detail string
	// SubjectKey, BodyKey and NamedKey are the catalogue keys of a key
	// notice (keyChange).
	SubjectKey, BodyKey, NamedKey string
}

// EmailChangedEmail renders the notice, sent to the old address to, that
// the account's address changed to newEmail at the given time.
func (c *Composer) EmailChangedEmail(to, toName, newEmail string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindEmailChanged, to, cm, noticeData{common: cm, At: c.date(at), Detail: newEmail})
}

// PhoneChangedEmail renders the notice that the account's phone number
// changed at the given time to a number ending in lastDigits.
func (c *Composer) PhoneChangedEmail(to, toName, lastDigits string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindPhoneChanged, to, cm, noticeData{common: cm, At: c.date(at), Detail: lastDigits})
}

// RecoveryCodesEmail renders the notice that new recovery codes replaced
// the old ones at the given time.
func (c *Composer) RecoveryCodesEmail(to, toName string, at time.Time) (Email, error) {
	cm := c.common(toName)
	return c.email(kindRecoveryCodes, to, cm, noticeData{common: cm, At: c.date(at)})
}

// KeyAddedEmail renders the notice that a key of the given kind (KeyPasskey
// or KeySecurityKey) named name (possibly empty) was added at the given
// time.
func (c *Composer) KeyAddedEmail(to, toName, kind, name string, at time.Time) (Email, error) {
	return c.keyEmail(keyAdded, to, toName, kind, name, at)
}

// KeyRemovedEmail renders the notice that a key of the given kind
// (KeyPasskey, KeySecurityKey, or KeyUnknown without a name) named name
// (possibly empty) was removed at the given time.
func (c *Composer) KeyRemovedEmail(to, toName, kind, name string, at time.Time) (Email, error) {
	return c.keyEmail(keyRemoved, to, toName, kind, name, at)
}

// keyEmail renders a key notice of the table change.
func (c *Composer) keyEmail(change map[string]keyChange, to, toName, kind, name string, at time.Time) (Email, error) {
	k, ok := change[kind]
	if !ok || k.named == "" && name != "" {
		return Email{}, fmt.Errorf("key kind %q: %w", kind, ErrInvalid)
	}
	cm := c.common(toName)
	return c.email(kindKeyChanged, to, cm, noticeData{common: cm, At: c.date(at), Detail: name, SubjectKey: k.subject, BodyKey: k.body, NamedKey: k.named})
}

// RegisterAttemptEmail renders the notice to the owner of an address that
// someone tried to register with. It carries no link and no code.
func (c *Composer) RegisterAttemptEmail(to, toName string) (Email, error) {
	cm := c.common(toName)
	return c.email(kindRegisterAttempt, to, cm, noticeData{common: cm})
}
