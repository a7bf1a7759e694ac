package login

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/session"
	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// handleHome serves GET /, a landing page that tells whether this browser
// is signed in.
func handleHome(c *core, sess *session.Service) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, u, valid, err := sess.Current(r.Context(), r, c.now())
		if err != nil {
			c.site.LogProblem(r, "session lookup failed", err)
			c.site.RenderProblem(w, r, web.ProbInternal)
			return
		}
		page := templates.HomePage{SignedIn: valid}
		if valid {
			page.Email = u.Email
		}
		c.site.Render(w, r, http.StatusOK, page)
	})
}

// handleStatic serves the embedded stylesheet under /static/. Directory
// listings are not served.
func handleStatic(t *templates.Set) http.Handler {
	files := http.StripPrefix(strings.TrimSuffix(templates.StaticPrefix, "/"), http.FileServerFS(t.Static()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, templates.StaticPrefix)
		if name == "" || strings.HasSuffix(name, "/") || !fs.ValidPath(name) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
