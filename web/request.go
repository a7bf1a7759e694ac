package web

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/gatehouse-id/gatehouse/regulate"
)

// DefaultLang is the language of every page until the catalogue lands.
const DefaultLang = "en"

// ClientIP returns the client's address as the rate limits and the audit
// log see it: the connection's peer, or the address a trusted proxy
// forwarded (regulate.KeyForRequest).
func (s *Site) ClientIP(r *http.Request) string {
	return regulate.KeyForRequest(r, s.trustedProxies)
}

// TrustedProxies returns the proxies whose X-Forwarded-For ClientIP
// believes.
func (s *Site) TrustedProxies() []netip.Prefix { return s.trustedProxies }

type langKey struct{}

// WithLang returns ctx carrying the language chosen for the request.
func WithLang(ctx context.Context, lang string) context.Context {
	return context.WithValue(ctx, langKey{}, lang)
}

// Lang returns the language chosen for the request, DefaultLang when none
// was chosen.
//
// TODO(issue 9): choose it with the i18n catalogue in this order:
// ui_locales of the auth request, the user's saved locale,
// Accept-Language, then the configured default.
func Lang(ctx context.Context) string {
	if l, ok := ctx.Value(langKey{}).(string); ok && l != "" {
		return l
	}
	return DefaultLang
}
