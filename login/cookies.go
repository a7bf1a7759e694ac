package login

import (
	"github.com/gatehouse-id/gatehouse/authreq"
	"github.com/gatehouse-id/gatehouse/web"
)

var (
	// loginCookie binds auth requests to the browser that started them
	// (authreq.BindCookie); the CSRF tokens of the sign-in forms are
	// bound to it.
	loginCookie = authreq.BindCookie
	// logoutCookie carries the CSRF token of the sign-out form.
	logoutCookie = web.Cookie{Name: "gh_logout"}
)
