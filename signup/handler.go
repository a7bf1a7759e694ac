package signup

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/secret"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// defaultProduct names the product in messages and authenticator apps.
const defaultProduct = "Gatehouse"

// Messages renders the verification e-mail and the notice to the owner of
// an address someone tried to register with (in the owner's language when
// it is a *notify.Composer, notify.Localize). *notify.Composer implements
// it.
type Messages interface {
	VerifyEmail(to, toName, code string, validFor time.Duration) (notify.Email, error)
	RegisterAttemptEmail(to, toName string) (notify.Email, error)
	CodeSMS(to, code string, validFor time.Duration) (notify.SMS, error)
}

// Deps are the dependencies of the registration pages.
type Deps struct {
	// Site and Flow are shared with the sign-in pages (login's Handler
	// returns them): the same CSRF key and binding cookie, and the same
	// completion of the auth request the registration started from.
	// Required.
	Site *web.Site
	Flow *authreq.Flow

	Users     storage.Users
	MFA       storage.MFA
	Passwords *password.Hasher
	Mailer    notify.Mailer
	// Texter sends the SMS code that proves the number of the SMS method;
	// when nil, registration does not offer SMS.
	Texter notify.Texter
	// Accounts applies the account rules: the registrant's first account
	// and the invitations. When nil, registration creates no account and
	// the invitation pages are not mounted.
	Accounts *iam.Service
	// Session tells the invitation page who is signed in. Required with
	// Accounts.
	Session *session.Service
	// Messages renders the verification e-mail; a notify.Composer for
	// "Gatehouse" when nil.
	Messages Messages
	// Sealer seals the registration cookie and the new TOTP secret.
	// Required.
	Sealer *secret.Sealer
	// Product names the product in authenticator apps; "Gatehouse" when
	// empty. The e-mails name the product of Messages.
	Product string
	// OTPPepper keys the code digests and the per-address keys, at least
	// 32 bytes. Required.
	OTPPepper []byte
	// CodePolicy holds the code limits; mfa.DefaultCodePolicy when zero.
	CodePolicy mfa.CodePolicy
	// Regulator counts wrong codes per address (regulate.AddressPolicy);
	// when nil they are not counted.
	Regulator *regulate.Regulator
	// Limiters: Registration guards the POSTs per IP, Failures the code
	// checks, RegistrationSends the codes sent to one address.
	Limiters regulate.Limiters
	// Audit records the registrations. Optional.
	Audit storage.Audit
	// Enabled turns registration on; when false every page says
	// "Registration is closed" (404).
	Enabled bool

	Now    func() time.Time
	Logger *slog.Logger
}

// pages is what every registration step shares: the sealed state cookie
// and the rendering.
type pages struct {
	site   *web.Site
	flow   *authreq.Flow
	sealer *secret.Sealer
	now    func() time.Time
	logger *slog.Logger
}

// codeStep serves the e-mail and its verification code.
type codeStep struct {
	*pages
	users    storage.Users
	mfa      storage.MFA
	mailer   notify.Mailer
	messages Messages
	limits   *codeLimits
}

// codeLimits are what the verification codes are made and checked with:
// the pepper of their digests and the per-address keys, the code policy,
// the wrong codes per address and the codes sent to one address.
type codeLimits struct {
	pepper    []byte
	policy    mfa.CodePolicy
	addresses *regulate.Regulator
	sends     *regulate.Limiter
}

// accountStep serves the name, password, second factor and first
// account.
type accountStep struct {
	*pages
	passwords *password.Hasher
	product   string
	// sms proves the number of the SMS method; nil without a Texter.
	sms    *smsStep
	create *userCreator
}

// userCreator creates the user of a registration with its second factor
// and, right after, its first account or its invitation's membership.
type userCreator struct {
	*pages
	users storage.Users
	mfa   storage.MFA
	audit func(r *http.Request, action, actor, target string, detail map[string]string)
	// accounts creates the first account and accepts invitations; nil
	// when accounts are off.
	accounts *iam.Service
}

// smsStep sends and checks the SMS code that proves the number of the
// SMS method (sms.go).
type smsStep struct {
	*pages
	mfa      storage.MFA
	texter   notify.Texter
	messages Messages
	limits   *codeLimits
	account  *accountStep
}

// Handler serves the registration pages. Build it with New and mount it
// with Mount.
type Handler struct {
	code     *codeStep
	account  *accountStep
	invite   *invitePages
	limiters regulate.Limiters
	enabled  bool
}

// New validates d and returns the handler of the registration pages.
func New(d Deps) (*Handler, error) {
	var missing []error
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Site", d.Site != nil}, {"Flow", d.Flow != nil}, {"Users", d.Users != nil}, {"MFA", d.MFA != nil},
		{"Passwords", d.Passwords != nil}, {"Mailer", d.Mailer != nil}, {"Sealer", d.Sealer != nil},
		{"OTPPepper", len(d.OTPPepper) >= 32}, {"Session", d.Accounts == nil || d.Session != nil},
	} {
		if !c.ok {
			missing = append(missing, fmt.Errorf("signup deps: %s is required", c.name))
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
	if d.Product == "" {
		d.Product = defaultProduct
	}
	if d.CodePolicy == (mfa.CodePolicy{}) {
		d.CodePolicy = mfa.DefaultCodePolicy()
	}
	if d.Messages == nil {
		c, err := notify.NewComposer(defaultProduct)
		if err != nil {
			return nil, fmt.Errorf("signup deps: message templates: %w", err)
		}
		d.Messages = c
	}
	var addresses *regulate.Regulator
	if d.Regulator != nil {
		addresses = d.Regulator.WithPolicy(regulate.AddressPolicy())
	}
	p := &pages{site: d.Site, flow: d.Flow, sealer: d.Sealer, now: d.Now, logger: d.Logger}
	limits := &codeLimits{pepper: d.OTPPepper, policy: d.CodePolicy, addresses: addresses, sends: d.Limiters.RegistrationSends}
	account := &accountStep{pages: p, passwords: d.Passwords, product: d.Product,
		create: &userCreator{pages: p, users: d.Users, mfa: d.MFA, audit: auditor(d), accounts: d.Accounts}}
	if d.Texter != nil {
		account.sms = &smsStep{pages: p, mfa: d.MFA, texter: d.Texter, messages: d.Messages, limits: limits, account: account}
	}
	h := &Handler{
		code:     &codeStep{pages: p, users: d.Users, mfa: d.MFA, mailer: d.Mailer, messages: d.Messages, limits: limits},
		account:  account,
		limiters: d.Limiters,
		enabled:  d.Enabled,
	}
	if d.Accounts != nil {
		h.invite = &invitePages{pages: p, accounts: d.Accounts, sess: d.Session, users: d.Users}
	}
	return h, nil
}

// Mount registers the registration pages on r (routes.go). The per-IP
// limits wrap these routes only.
func (h *Handler) Mount(r *mux.Router) { addRoutes(r, h) }

// auditor returns the function that records one event of the pages in
// the audit log (iam.PageEvent), with the client IP and User-Agent of r.
// A failure is logged; the page goes on. It records nothing when
// Deps.Audit is nil.
func auditor(d Deps) func(r *http.Request, action, actor, target string, detail map[string]string) {
	return func(r *http.Request, action, actor, target string, detail map[string]string) {
		if d.Audit == nil {
			return
		}
		e := iam.PageEvent(d.Now(), actor, action, target, d.Site.ClientIP(r), r.UserAgent(), detail)
		if err := d.Audit.AppendAudit(r.Context(), e); err != nil {
			d.Logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
		}
	}
}

// selfParam returns an auth request ID taken from a form, or "" when it is
// too long to be one.
func selfParam(s string) string {
	if len(s) > 256 {
		return ""
	}
	return s
}

// urlFor returns path with the authRequestID parameter.
func urlFor(path, authRequestID string) string {
	return path + "?" + url.Values{"authRequestID": {authRequestID}}.Encode()
}

// countFailure charges a wrong code to the client's per-IP failure bucket
// (routes.go).
func countFailure(r *http.Request) { regulate.CountFailure(r.Context()) }
