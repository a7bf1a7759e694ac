package login

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
)

// SelfService holds the dependencies of the self-service parts of the
// hosted pages: the brute-force defences and the links to "Forgot
// password?" (package reset) and to self-registration (package signup). Deps embeds it. Every field is optional; a part whose
// dependency is missing is off.
type SelfService struct {
	// Regulator counts password failures per user (REQUIREMENTS.md
	// section 4): a growing delay after 5 failures and a lock after 100.
	// When nil, failures are not counted; cmd/gatehouse always sets it.
	Regulator *regulate.Regulator
	// Limiters are the per-client-IP token buckets of the sign-in, code
	// and reset POSTs (package signup uses Registration and
	// RegistrationSends). A nil Limiter lets everything through.
	Limiters regulate.Limiters
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed when the client IP is looked up for the per-IP limits.
	TrustedProxies []netip.Prefix
	// PasswordResets stores "Forgot password?" links (package reset
	// serves the pages). When nil, the password page offers no "Forgot
	// password?" link, and cmd/gatehouse mounts no reset pages.
	PasswordResets storage.PasswordResets
	// ResetLinkTTL is how long a reset link works; reset.DefaultLinkTTL
	// when zero. Login does not read it: cmd/gatehouse passes it to
	// package reset with the rest of the self-service settings.
	ResetLinkTTL time.Duration
	// Registration offers "Create an account" on the e-mail page; pass the
	// same value to signup.Deps.Enabled.
	Registration bool
}

// SelfServiceMessages renders the messages of the self-service flows.
// *notify.Composer implements it. When Deps.Messages does not, a
// notify.Composer for "Gatehouse" is used for these messages.
type SelfServiceMessages interface {
	VerifyEmail(to, toName, code string, validFor time.Duration) (notify.Email, error)
	PasswordResetEmail(to, toName, link string, validFor time.Duration) (notify.Email, error)
	PasswordChangedEmail(to, toName string, at time.Time) (notify.Email, error)
	AccountLockedEmail(to, toName string, until time.Time) (notify.Email, error)
}

// defaultComposer is the fallback SelfServiceMessages.
var defaultComposer = sync.OnceValues(func() (*notify.Composer, error) {
	return notify.NewComposer(defaultProduct)
})

// The default composer renders the messages composerFor falls back for.
var (
	_ SelfServiceMessages = (*notify.Composer)(nil)
	_ lockNotices         = (*notify.Composer)(nil)
)

// composerFor returns m when it renders the messages T
// (SelfServiceMessages, lockNotices), else the default composer.
func composerFor[T any](m Messages) (T, error) {
	if t, ok := m.(T); ok {
		return t, nil
	}
	c, err := defaultComposer()
	if err != nil {
		var zero T
		return zero, fmt.Errorf("message templates: %w", err)
	}
	return any(c).(T), nil
}
