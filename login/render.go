package login

import "github.com/gatehouse-id/gatehouse/web"

// problem is an error page of the sign-in steps (web.Problem). The pages
// of an auth request that cannot be answered are package authreq's.
type problem = web.Problem
