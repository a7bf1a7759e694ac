package console

import (
	"net/http"

	"github.com/gorilla/mux"
)

// Paths of the console and of the sign-in pages it sends the browser to.
const (
	pathConsole  = "/console"
	pathSwitch   = "/console/switch"
	pathInvite   = "/console/invite"
	pathRole     = "/console/members/role"
	pathRemove   = "/console/members/remove"
	pathResend   = "/console/invitations/resend"
	pathRevoke   = "/console/invitations/revoke"
	pathChildren = "/console/children"
	pathTransfer = "/console/transfer"
	pathPolicy   = "/console/policy"
	pathBusiness = "/console/business"
	// The API clients tab (clients.go): create, rotate, enable or
	// disable, lock or unlock, delete.
	pathClients       = "/console/clients"
	pathClientRotate  = "/console/clients/rotate"
	pathClientEnabled = "/console/clients/enabled"
	pathClientLock    = "/console/clients/lock"
	pathClientDelete  = "/console/clients/delete"
	// The relying applications tab (apps.go): create, update, rotate,
	// delete.
	pathApps      = "/console/apps"
	pathAppUpdate = "/console/apps/update"
	pathAppRotate = "/console/apps/rotate"
	pathAppDelete = "/console/apps/delete"
	// pathSignIn (package login) signs the browser in; its "return"
	// names the console page to come back to.
	pathSignIn = "/profile/signin"
	// pathReauth (package login) is the re-authentication entry of every
	// signed-in page; its "return" names the page to come back to.
	pathReauth = "/login/reauth"
)

// addRoutes registers every route of the console on a subrouter of
// parent. Each line shows its chain (package web): page sets the security
// headers and no-store; post adds the same-origin check and the CSRF
// token bound to the session cookie, which parses the bounded form.
func addRoutes(parent *mux.Router, h *Handler) {
	r := parent.NewRoute().Subrouter()
	r.Use(h.base.chooseLang)
	site, sess := h.base.site, h.base.sess
	page, sameOrigin, csrf := site.Page, site.SameOrigin, site.RequireCSRF(sess.CSRF())
	post := func(next http.Handler) http.Handler { return page(sameOrigin(csrf(next))) }
	r.Handle(pathConsole, page(h.overview.show())).Methods(http.MethodGet, http.MethodHead)
	r.Handle(pathSwitch, post(h.overview.switchAccount())).Methods(http.MethodPost)
	r.Handle(pathInvite, post(h.invitations.invite())).Methods(http.MethodPost)
	r.Handle(pathResend, post(h.invitations.resend())).Methods(http.MethodPost)
	r.Handle(pathRevoke, post(h.invitations.revoke())).Methods(http.MethodPost)
	r.Handle(pathRole, post(h.members.changeRole())).Methods(http.MethodPost)
	r.Handle(pathRemove, post(h.members.remove())).Methods(http.MethodPost)
	r.Handle(pathChildren, post(h.children.create())).Methods(http.MethodPost)
	r.Handle(pathTransfer, post(h.transfer.transfer())).Methods(http.MethodPost)
	r.Handle(pathPolicy, post(h.overview.savePolicy())).Methods(http.MethodPost)
	r.Handle(pathBusiness, post(h.overview.saveBusiness())).Methods(http.MethodPost)
	r.Handle(pathClients, post(h.clients.create())).Methods(http.MethodPost)
	r.Handle(pathClientRotate, post(h.clients.rotate())).Methods(http.MethodPost)
	r.Handle(pathClientEnabled, post(h.clients.setEnabled())).Methods(http.MethodPost)
	r.Handle(pathClientLock, post(h.clients.setLocked())).Methods(http.MethodPost)
	r.Handle(pathClientDelete, post(h.clients.remove())).Methods(http.MethodPost)
	r.Handle(pathApps, post(h.apps.create())).Methods(http.MethodPost)
	r.Handle(pathAppUpdate, post(h.apps.update())).Methods(http.MethodPost)
	r.Handle(pathAppRotate, post(h.apps.rotate())).Methods(http.MethodPost)
	r.Handle(pathAppDelete, post(h.apps.remove())).Methods(http.MethodPost)
}
