// Package authreq is the auth request as the hosted pages see it: bound to
// the browser that opened it by the gh_bind cookie (BindCookie), opened
// only while that browser may still answer it (CheckOpen, Flow.Load), and
// completed in one update that starts the SSO session and sends the
// browser to the provider's callback (Flow.CompleteFresh,
// Flow.CompleteFromSession).
//
// The sign-in steps (package login) and the pages that return to an auth
// request after their own steps (package signup) share it, so that none of
// them imports another's internals. It knows no route of its own.
package authreq
