package web

import "net/http"

// SameOrigin refuses a request sent by another site: Sec-Fetch-Site other
// than same-origin or none, or an Origin that is neither the issuer's nor
// the request's own. "Origin: null" is accepted only together with
// Sec-Fetch-Site: same-origin, because our own pages send it: with
// Referrer-Policy no-referrer, browsers serialize the origin of a form POST
// as null.
func (s *Site) SameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		site := r.Header.Get("Sec-Fetch-Site")
		switch site {
		case "", "same-origin", "none":
		default:
			s.logger.InfoContext(r.Context(), "cross-site request refused", "path", r.URL.Path, "sec_fetch_site", site)
			s.RenderProblem(w, r, ProbCrossSite)
			return
		}
		if origin := r.Header.Get("Origin"); origin != "" {
			ok := origin == s.origin || origin == s.SelfOrigin(r) || origin == "null" && site == "same-origin"
			if !ok {
				s.logger.InfoContext(r.Context(), "cross-origin request refused", "path", r.URL.Path, "origin", origin)
				s.RenderProblem(w, r, ProbCrossSite)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
