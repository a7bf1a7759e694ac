package console

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// defaultProduct names the product in e-mails when Deps.Messages is nil.
const defaultProduct = "Gatehouse"

// Messages renders the console's e-mails, in the language of the
// recipient's saved locale when it is a *notify.Composer
// (notify.Localize). *notify.Composer implements it (notify/account.go).
type Messages interface {
	InvitationEmail(to, toName, accountName, inviterName string, role, link string, expires time.Time) (notify.Email, error)
	RoleChangedEmail(to, toName, accountName, role string, at time.Time) (notify.Email, error)
	MemberRemovedEmail(to, toName, accountName string, at time.Time) (notify.Email, error)
	OwnershipReceivedEmail(to, toName, accountName, fromName string, at time.Time) (notify.Email, error)
	OwnershipHandedOverEmail(to, toName, accountName, newOwnerName string, at time.Time) (notify.Email, error)
}

// Deps are the dependencies of the console.
type Deps struct {
	// Site and Session are shared with the sign-in pages: the same CSRF
	// key and the same session cookie. Required.
	Site    *web.Site
	Session *session.Service
	// IAM decides every rule. Required.
	IAM *iam.Service
	// Users names the members and finds an invitee's language. Required.
	Users storage.Users
	// Mailer sends the e-mails of invitations, role changes, removals
	// and transfers. Required.
	Mailer notify.Mailer
	// Messages renders them; a notify.Composer for "Gatehouse" when nil.
	Messages Messages
	// Issuer is the provider's issuer URL; an invitation's link is
	// <Issuer>/invite/<token>. Required.
	Issuer string
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Logger receives the pages' events; nothing is logged when nil.
	Logger *slog.Logger
}

// Handler serves the console. Build it with New and mount it with Mount.
// Each group of pages is its own handler type with the few dependencies
// it uses.
type Handler struct {
	base        *base
	overview    *overviewPages
	members     *memberPages
	invitations *invitationPages
	children    *childPages
	transfer    *transferPages
	clients     *clientPages
	apps        *appPages
}

// base is what every console page uses.
type base struct {
	site   *web.Site
	sess   *session.Service
	iam    *iam.Service
	now    func() time.Time
	logger *slog.Logger
}

// overviewPages serves GET /console and the switcher.
type overviewPages struct {
	*base
	page *view
}

// memberPages serves the role changes and removals.
type memberPages struct {
	*base
	page *view
	mail *mailer
}

// invitationPages serves the invitations: new, resent and revoked.
type invitationPages struct {
	*base
	page *view
	mail *mailer
}

// childPages serves the creation of child accounts.
type childPages struct {
	*base
	page *view
}

// transferPages serves the transfer of ownership.
type transferPages struct {
	*base
	page *view
	mail *mailer
}

// New validates d and returns the console's handler.
func New(d Deps) (*Handler, error) {
	var missing []error
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"Site", d.Site != nil}, {"Session", d.Session != nil}, {"IAM", d.IAM != nil},
		{"Users", d.Users != nil}, {"Mailer", d.Mailer != nil}, {"Issuer", d.Issuer != ""},
	} {
		if !c.ok {
			missing = append(missing, fmt.Errorf("console deps: %s is required", c.name))
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
			return nil, fmt.Errorf("console deps: message templates: %w", err)
		}
		d.Messages = c
	}
	b := &base{site: d.Site, sess: d.Session, iam: d.IAM, now: d.Now, logger: d.Logger}
	v := &view{base: b, users: d.Users}
	m := &mailer{site: d.Site, mailer: d.Mailer, messages: d.Messages, users: d.Users,
		inviteBase: strings.TrimRight(d.Issuer, "/") + "/invite/"}
	return &Handler{
		base:        b,
		overview:    &overviewPages{base: b, page: v},
		members:     &memberPages{base: b, page: v, mail: m},
		invitations: &invitationPages{base: b, page: v, mail: m},
		children:    &childPages{base: b, page: v},
		transfer:    &transferPages{base: b, page: v, mail: m},
		clients:     &clientPages{base: b, page: v},
		apps:        &appPages{base: b, page: v},
	}, nil
}

// Mount registers the console's routes on r (routes.go).
func (h *Handler) Mount(r *mux.Router) { addRoutes(r, h) }

// chooseLang is the middleware that picks the console's language
// (web.ChooseLang): the signed-in user's saved locale, then
// Accept-Language, then the default language.
func (b *base) chooseLang(next http.Handler) http.Handler {
	return web.ChooseLang(b.site.DefaultLanguage(), nil, func(r *http.Request) string {
		if _, u, ok, err := b.sess.Current(r.Context(), r, b.now()); err == nil && ok {
			return u.Locale
		}
		return ""
	})(next)
}

// actor returns the iam.Actor of the signed-in user of r.
func (b *base) actor(r *http.Request, si session.SignedIn) iam.Actor {
	return iam.UserActor(si.User.ID, b.site.ClientIP(r), r.UserAgent())
}

// signedOut sends a browser without a session to the sign-in, which comes
// back to the console (its "return"), or shows the error page when the
// session could not be read.
func (b *base) signedOut(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		b.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	ret := pathConsole
	if r.Method == http.MethodGet {
		ret = r.URL.RequestURI()
	}
	http.Redirect(w, r, pathSignIn+"?"+returnQuery(ret), http.StatusSeeOther)
}

// signedIn wraps a console handler: the browser must be signed in, or it
// is sent to the sign-in and nothing changes.
func (b *base) signedIn(fn session.Handler) http.Handler {
	return b.sess.RequireSignedIn(b.signedOut, fn)
}
