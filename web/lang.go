package web

import (
	"context"
	"net/http"

	"golang.org/x/text/language"

	"github.com/gatehouse-id/gatehouse/i18n"
)

type langKey struct{}

// langChoice is what the context carries: a fixed language, or the
// lookups of ChooseLang and its default.
type langChoice struct {
	fixed      language.Tag
	def        language.Tag
	uiLocales  func(*http.Request) []string
	userLocale func(*http.Request) string
}

// ChooseLang returns a middleware that makes the pages of its requests
// speak the language i18n.Choose picks: the first supported tag of
// uiLocales, else the user's saved locale, else the best of the
// Accept-Language header, else def. Site.Render renders in it and sends it
// as Content-Language.
//
// The lookups (either may be nil) are called when a page is rendered, with
// the request it is rendered for, so that they see a form the handler has
// parsed since (PeekParam); they must never read the body themselves.
func ChooseLang(def language.Tag, uiLocales func(*http.Request) []string, userLocale func(*http.Request) string) func(http.Handler) http.Handler {
	c := &langChoice{def: def, uiLocales: uiLocales, userLocale: userLocale}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "Accept-Language")
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), langKey{}, c)))
		})
	}
}

// WithLang returns ctx carrying a fixed language for the request, which
// takes precedence over ChooseLang.
func WithLang(ctx context.Context, tag language.Tag) context.Context {
	return context.WithValue(ctx, langKey{}, &langChoice{fixed: tag})
}

// Lang returns the language of the pages rendered for r: the one fixed by
// WithLang, else the one ChooseLang's lookups choose for r, else the best
// of Accept-Language, else def (i18n.Default when def is language.Und).
func Lang(r *http.Request, def language.Tag) language.Tag {
	c, _ := r.Context().Value(langKey{}).(*langChoice)
	if c == nil {
		return i18n.Choose(nil, "", r.Header.Get("Accept-Language"), def)
	}
	if c.fixed != language.Und {
		return i18n.Match(c.fixed)
	}
	var ui []string
	if c.uiLocales != nil {
		ui = c.uiLocales(r)
	}
	var user string
	if c.userLocale != nil {
		user = c.userLocale(r)
	}
	return i18n.Choose(ui, user, r.Header.Get("Accept-Language"), c.def)
}

// PeekParam returns the parameter name of r from its URL query, or from
// its form when a handler has parsed it already. It never reads the body,
// so that a middleware or a lookup cannot bypass the handler's bounds on
// it.
func PeekParam(r *http.Request, name string) string {
	if v := r.URL.Query().Get(name); v != "" {
		return v
	}
	if r.PostForm != nil {
		return r.PostForm.Get(name)
	}
	return ""
}
