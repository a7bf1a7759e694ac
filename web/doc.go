// Package web is the browser plumbing shared by the hosted pages (login,
// profile and the pages to come), in the spirit of tailscale's safeweb:
// one Site holds what every page needs and offers it as middleware and
// helpers.
//
//   - Security headers: a strict Content-Security-Policy (no inline
//     scripts or styles, frames refused, forms only to the issuer and to
//     the targets a page allows), nosniff, no referrer, COOP and HSTS
//     under TLS (headers.go).
//   - The same-origin check that refuses POSTs from another site
//     (origin.go).
//   - One CSRF implementation: a token is the HMAC of a browser cookie's
//     name and value; the form variant reads it from the "csrf" field, the
//     JSON variant from the X-CSRF-Token header (csrf.go).
//   - Cookies with the __Host- prefix under TLS (cookies.go).
//   - Rendering with the error page, JSON answers, the client IP behind
//     trusted proxies and the static files (render.go, request.go,
//     static.go).
//   - The language of the request: ChooseLang picks it with i18n.Choose
//     (ui_locales, the user's saved locale, Accept-Language, the default)
//     and Render renders in it, with Content-Language (lang.go).
//
// The package knows no route and no user: it depends on the templates, on
// i18n (for the language) and on regulate (for the client IP) only.
package web
