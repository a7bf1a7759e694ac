package login

import "github.com/gatehouse-id/gatehouse/authreq"

// loginCookie binds auth requests to the browser that started them
// (authreq.BindCookie); the CSRF tokens of the sign-in forms are bound to
// it.
var loginCookie = authreq.BindCookie
