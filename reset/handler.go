package reset

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/mfa"
	"github.com/gatehouse-id/gatehouse/notify"
	"github.com/gatehouse-id/gatehouse/password"
	"github.com/gatehouse-id/gatehouse/regulate"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// defaultProduct names the product in the SMS of a reset link.
const defaultProduct = "Gatehouse"

// Messages renders the e-mails of a reset. *notify.Composer implements it.
type Messages interface {
	PasswordResetEmail(to, toName, link string, validFor time.Duration) (notify.Email, error)
	PasswordChangedEmail(to, toName string, at time.Time) (notify.Email, error)
}

// Deps are the dependencies of the pages.
type Deps struct {
	// Site and Flow are shared with the sign-in pages (login's Handler
	// returns them): the same CSRF key and binding cookie, and the sign-in
	// a reset started from. Required.
	Site *web.Site
	Flow *authreq.Flow

	Users     storage.Users
	Sessions  storage.Sessions
	Passwords *password.Hasher
	// Resets stores the reset links. Required.
	Resets storage.PasswordResets
	// MFA stores the second-factor state a reset unlocks; GuessPolicy is
	// its lock (mfa.DefaultGuessPolicy when zero). Required.
	MFA         storage.MFA
	GuessPolicy mfa.GuessPolicy
	// Tokens revokes the user's tokens at a reset. Optional.
	Tokens storage.Tokens
	// Regulator holds the password lock a reset lifts. Optional.
	Regulator *regulate.Regulator
	// Limiter is the per-IP flood guard of the POSTs (Limiters.Reset); a
	// nil Limiter lets everything through.
	Limiter *regulate.Limiter

	Mailer notify.Mailer
	// Texter sends reset links by SMS (LinkSender); by e-mail when nil.
	Texter notify.Texter
	// Messages renders the e-mails; a notify.Composer for "Gatehouse"
	// when nil.
	Messages Messages
	// Product names the product in the SMS; "Gatehouse" when empty.
	Product string
	// Issuer is the provider's issuer URL, the base of the links.
	// Required.
	Issuer string
	// LinkTTL is how long a link works; DefaultLinkTTL when zero.
	LinkTTL time.Duration
	// Audit records the requests and resets. Optional.
	Audit storage.Audit
	// Lang picks the language of the pages; pass login's
	// Handler.ChooseLang. When nil, Accept-Language and the default.
	Lang func(http.Handler) http.Handler

	Now    func() time.Time
	Logger *slog.Logger
}

// Handler serves the pages. Build it with New and mount it with Mount.
type Handler struct {
	pages   *pages
	lang    func(http.Handler) http.Handler
	limiter *regulate.Limiter
}

// New checks d and returns the handler of the pages.
func New(d Deps) (*Handler, error) {
	d, err := withDefaults(d)
	if err != nil {
		return nil, err
	}
	l := &links{resets: d.Resets, ttl: d.LinkTTL, issuer: d.Issuer, texter: d.Texter, product: d.Product,
		msgs: d.Messages, mailer: d.Mailer, now: d.Now, logger: d.Logger}
	p := &pages{site: d.Site, flow: d.Flow, users: d.Users, links: l, resets: d.Resets, passwords: d.Passwords,
		regulator: d.Regulator, mfa: d.MFA, guessPolicy: d.GuessPolicy, sessions: d.Sessions, tokens: d.Tokens,
		audit: d.Audit, now: d.Now, logger: d.Logger}
	return &Handler{pages: p, lang: d.Lang, limiter: d.Limiter}, nil
}

// withDefaults checks d and fills in its defaults.
func withDefaults(d Deps) (Deps, error) {
	if d.Site == nil || d.Flow == nil || d.Users == nil || d.Sessions == nil || d.Passwords == nil ||
		d.Resets == nil || d.MFA == nil || d.Mailer == nil || d.Issuer == "" {
		return d, errors.New("reset deps: Site, Flow, Users, Sessions, Passwords, Resets, MFA, Mailer and Issuer are required")
	}
	if d.Messages == nil {
		c, err := notify.NewComposer(defaultProduct)
		if err != nil {
			return d, fmt.Errorf("reset deps: message templates: %w", err)
		}
		d.Messages = c
	}
	if d.Product == "" {
		d.Product = defaultProduct
	}
	if d.LinkTTL <= 0 {
		d.LinkTTL = DefaultLinkTTL
	}
	if d.Lang == nil {
		d.Lang = web.ChooseLang(d.Site.DefaultLanguage(), nil, nil)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d, nil
}

// Mount registers the pages on r. See routes.go for the list.
func (h *Handler) Mount(r *mux.Router) { addRoutes(r, h) }

// record records one event of the pages in the audit log: its time, the
// actor ("anonymous" when empty), the target user, the client IP and
// User-Agent of r, the action and its detail. A failure only logs an
// error.
func (d *pages) record(r *http.Request, action, actor, target string, detail map[string]string) {
	if d.audit == nil {
		return
	}
	e := iam.PageEvent(d.now(), actor, action, target, d.site.ClientIP(r), r.UserAgent(), detail)
	if err := d.audit.AppendAudit(r.Context(), e); err != nil {
		d.logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
	}
}

// LinkSender returns the function that sends u a reset link through
// channel (ByEmail, or BySMS to the user's verified phone) and records
// nothing else, for the profile's "Send reset password link"
// (profile.Deps.ResetLinks).
func (h *Handler) LinkSender() func(ctx context.Context, u storage.User, channel string) error {
	links := h.pages.links
	return func(ctx context.Context, u storage.User, channel string) error {
		return links.sendResetLink(ctx, u, channel, "")
	}
}
