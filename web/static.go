package web

import (
	"io/fs"
	"net/http"
	"strings"

	"github.com/gatehouse-id/gatehouse/templates"
)

// Static returns the handler of the embedded stylesheet and other static
// files of the site's templates, to be routed under templates.StaticPrefix
// behind Asset. Directory listings are not served.
func (s *Site) Static() http.Handler {
	files := http.StripPrefix(strings.TrimSuffix(templates.StaticPrefix, "/"), http.FileServerFS(s.templates.Static()))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, templates.StaticPrefix)
		if name == "" || strings.HasSuffix(name, "/") || !fs.ValidPath(name) {
			http.NotFound(w, r)
			return
		}
		files.ServeHTTP(w, r)
	})
}
