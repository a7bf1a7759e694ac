package signout

import (
	"net/http"

	"github.com/gatehouse-id/gatehouse/templates"
	"github.com/gatehouse-id/gatehouse/web"
)

// handleHome serves GET /, a landing page that tells whether this browser
// is signed in.
func (h *Handler) handleHome(w http.ResponseWriter, r *http.Request) {
	_, u, valid, err := h.sess.Current(r.Context(), r, h.now())
	if err != nil {
		h.site.LogProblem(r, "session lookup failed", err)
		h.site.RenderProblem(w, r, web.ProbInternal)
		return
	}
	page := templates.HomePage{SignedIn: valid}
	if valid {
		page.Email = u.Email
	}
	h.site.Render(w, r, http.StatusOK, page)
}
