package signout

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/gatehouse-id/gatehouse/iam"
	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/storage"
	"github.com/gatehouse-id/gatehouse/web"
)

// Deps are the dependencies of the pages.
type Deps struct {
	// Site and Session are shared with the sign-in pages (login's Handler
	// returns them): the same CSRF key and the same SSO session. Required.
	Site    *web.Site
	Session *session.Service
	// Logouts stores the pending RP-initiated logouts. Required.
	Logouts storage.Logouts
	// Tokens revokes a user's tokens at a confirmed sign-out from a
	// relying party. Optional: nothing is revoked when nil.
	Tokens storage.Tokens
	// Audit records the sign-outs. Optional: nothing is recorded when nil.
	Audit storage.Audit
	// Lang picks the language of the pages (web.ChooseLang); pass login's
	// Handler.ChooseLang. When nil, the session user's saved locale, then
	// Accept-Language, then the default language.
	Lang func(http.Handler) http.Handler

	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Logger receives the sign-outs; nothing is logged when nil.
	Logger *slog.Logger
}

// Handler serves the pages. Build it with New and mount it with Mount.
type Handler struct {
	site    *web.Site
	sess    *session.Service
	logouts storage.Logouts
	tokens  storage.Tokens
	audit   storage.Audit
	lang    func(http.Handler) http.Handler
	now     func() time.Time
	logger  *slog.Logger
}

// New checks d and returns the handler of the pages.
func New(d Deps) (*Handler, error) {
	if d.Site == nil || d.Session == nil || d.Logouts == nil {
		return nil, errors.New("signout deps: Site, Session and Logouts are required")
	}
	h := &Handler{site: d.Site, sess: d.Session, logouts: d.Logouts, tokens: d.Tokens, audit: d.Audit,
		lang: d.Lang, now: d.Now, logger: d.Logger}
	if h.now == nil {
		h.now = time.Now
	}
	if h.logger == nil {
		h.logger = slog.New(slog.DiscardHandler)
	}
	if h.lang == nil {
		h.lang = web.ChooseLang(d.Site.DefaultLanguage(), nil, h.userLocaleOf)
	}
	return h, nil
}

// Mount registers the pages on r. See routes.go for the list.
func (h *Handler) Mount(r *mux.Router) { addRoutes(r, h) }

// userLocaleOf returns the saved locale of the session's user, or "".
func (h *Handler) userLocaleOf(r *http.Request) string {
	if _, u, ok, err := h.sess.Current(r.Context(), r, h.now()); err == nil && ok {
		return u.Locale
	}
	return ""
}

// record records one event of the pages in the audit log: its time, the
// actor, the target user, the client IP and User-Agent of r, the action
// and its detail. The write is synchronous, so the event is stored before
// the page answers, but a failure only logs an error.
func (h *Handler) record(r *http.Request, action, actor, target string, detail map[string]string) {
	if h.audit == nil {
		return
	}
	e := iam.PageEvent(h.now(), actor, action, target, h.site.ClientIP(r), r.UserAgent(), detail)
	if err := h.audit.AppendAudit(r.Context(), e); err != nil {
		h.logger.ErrorContext(r.Context(), "audit event not recorded", "action", action, "target", target, "err", err)
	}
}
