package profile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/codesend"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/passkey"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// defaultProduct names the product in messages.
const defaultProduct = "Gatehouse"

// PasswordChecker checks a user's current password behind the same
// per-user counter as the sign-in password (package login's Handler
// implements it). reason is empty when the password is right, else a
// reason for the log; throttled reports a refusal by the counter (a delay
// or a lock) rather than a wrong password.
type PasswordChecker interface {
	CheckPassword(r *http.Request, userID, pw string) (reason string, throttled bool, err error)
}

// Messages renders the profile's messages, in the language of a user's
// saved locale when it is a *notify.Composer (notify.Localize).
// *notify.Composer implements it.
type Messages interface {
	CodeSMS(to, code string, validFor time.Duration) (notify.SMS, error)
	MFAChangedEmail(to, toName, method string, at time.Time) (notify.Email, error)
	VerifyEmail(to, toName, code string, validFor time.Duration) (notify.Email, error)
	PasswordChangedEmail(to, toName string, at time.Time) (notify.Email, error)
	EmailChangedEmail(to, toName, newEmail string, at time.Time) (notify.Email, error)
	PhoneChangedEmail(to, toName, lastDigits string, at time.Time) (notify.Email, error)
	RecoveryCodesEmail(to, toName string, at time.Time) (notify.Email, error)
	KeyAddedEmail(to, toName, kind, name string, at time.Time) (notify.Email, error)
	KeyRemovedEmail(to, toName, kind, name string, at time.Time) (notify.Email, error)
}

// Deps are the dependencies of the profile pages.
type Deps struct {
	// Site, Session and Codes are shared with the sign-in pages (login's
	// Handler returns them): the same CSRF key, the same session cookie
	// and the same per-user code lock. Required.
	Site    *web.Site
	Session *session.Service
	Codes   *codesend.Sender

	Users    storage.Users
	Sessions storage.Sessions
	MFA      storage.MFA
	// Tokens revokes the user's tokens after a password change. Optional.
	Tokens    storage.Tokens
	Passwords *password.Hasher
	// CurrentPassword checks the current password of a password change.
	// Required.
	CurrentPassword PasswordChecker
	// ResetLinks sends a reset-password link through channel
	// (storage.ChannelEmail or ChannelSMS). When nil, the Security tab
	// offers no link.
	ResetLinks func(ctx context.Context, u storage.User, channel string) error

	Mailer notify.Mailer
	// Texter sends SMS codes; when nil, no phone number can be added.
	Texter notify.Texter
	// Messages renders the messages; a notify.Composer for "Gatehouse"
	// when nil.
	Messages Messages

	// Audit records the security events (package iam's vocabulary).
	// Optional.
	Audit storage.Audit
	// Avatars stores the pictures; when nil, no upload is offered.
	Avatars storage.Avatars
	// Passkeys runs the key registrations of /profile/keys; when nil, the
	// keys page is off.
	Passkeys *passkey.Service
	// Accounts applies the rules of the user's own record (names,
	// password, second factor) and lists and answers the user's
	// invitations on the Invitations tab. Required.
	Accounts *iam.Service
	// TrustedDevices shows the trusted devices on the Security tab.
	TrustedDevices bool
	// Limiters are the per-IP buckets: SignIn and Failures guard the
	// current password of /profile/password as they guard the sign-in's.
	Limiters regulate.Limiters

	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Logger receives the pages' events; nothing is logged when nil.
	Logger *slog.Logger
}

// Handler serves the profile pages. Build it with New and mount it with
// Mount. Each group of pages is its own handler type with the few
// dependencies it uses (parts.go); handler_test.go keeps each at ten
// fields at most.
type Handler struct {
	base        *base
	profile     *profilePages
	avatars     *avatarPages
	contact     *contactPages
	password    *passwordPages
	factor      *factorPages
	sessions    *sessionPages
	keys        *keyPages
	invitations *invitationPages
	limiters    regulate.Limiters
}

// New validates d and returns the handler of the profile pages.
func New(d Deps) (*Handler, error) {
	var missing []error
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Site", d.Site != nil}, {"Session", d.Session != nil}, {"Codes", d.Codes != nil},
		{"Users", d.Users != nil}, {"Sessions", d.Sessions != nil}, {"MFA", d.MFA != nil},
		{"Passwords", d.Passwords != nil}, {"CurrentPassword", d.CurrentPassword != nil}, {"Mailer", d.Mailer != nil},
		{"Accounts", d.Accounts != nil},
	} {
		if !c.ok {
			missing = append(missing, fmt.Errorf("profile deps: %s is required", c.name))
		}
	}
	if len(missing) > 0 {
		return nil, errors.Join(missing...)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Messages == nil {
		c, err := notify.NewComposer(defaultProduct)
		if err != nil {
			return nil, fmt.Errorf("profile deps: message templates: %w", err)
		}
		d.Messages = c
	}
	return newHandler(d), nil
}

// Mount registers the profile pages on r (routes.go). The per-IP limit of
// /profile/password wraps these routes only.
func (h *Handler) Mount(r *mux.Router) { addRoutes(r, h) }
