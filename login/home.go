package login

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// handleHome serves GET /, a landing page that tells whether this browser
// is signed in.
func (h *Handler) handleHome(w http.ResponseWriter, r *http.Request) {
	_, u, valid, err := h.sess.Current(r.Context(), r, h.core.now())
	if err != nil {
		h.core.site.LogProblem(r, "session lookup failed", err)
		h.core.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	page := templates.HomePage{SignedIn: valid}
	if valid {
		page.Email = u.Email
	}
	h.core.site.Render(w, r, http.StatusOK, page)
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
