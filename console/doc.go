// Package console serves the account console at /console: the accounts a
// signed-in user can see, an account switcher, the relationship tree and,
// for the current account, its details and sign-in policy, users and
// invitations, child accounts, API clients, relying applications, the
// transfer of ownership and the audit log.
//
// Every rule about who may do what is package iam's: the console calls it
// with an iam.UserActor and shows what it allows, and maps its errors to
// translated messages (errors.go). The current account is the user's last
// chosen one (User.LastAccountID) when visible, else the first; the
// switcher changes it through iam.SelectAccount. GET /console?tab=… shows
// a tab; without a valid SSO session the browser is sent to the sign-in
// of the signed-in pages (package login) with the console page as its
// "return". Every POST needs the session, the
// same-origin check and a CSRF token bound to the session cookie. A POST
// that succeeds redirects (303) to its tab with a fixed notice named in
// the "done" parameter; a refused one renders the tab with a translated
// message, keeps what was typed and changes nothing. A transfer of
// ownership needs a fresh second factor; when the session's is too old
// the page offers "Sign in again", a form posting to login's
// /login/reauth?return=<the transfer tab>. An API client's or an
// application's secret is the one exception to the redirect: the POST
// that creates the client or rotates its secret renders the tab with the
// secret, once, so that it is never in a URL, a redirect or a log line
// (the page is no-store).
//
// Files: handler.go (Deps and the handler types), routes.go (every
// route), page.go (the current account, the switcher, the tree and the
// rendering), errors.go (iam errors as messages), labels.go (catalogue
// keys of roles, statuses and notices), members.go (users, role changes
// and removals), invitations.go (invitations), children.go (child
// accounts), transfer.go (ownership), policy.go (the sign-in policy),
// business.go (a business account's details and the pending notice of
// its setup), clients.go and clients_actions.go (API clients), apps.go
// and apps_actions.go (relying applications), audit.go (the audit log)
// and mail.go (the e-mails of notify).
//
// The package never imports login, profile, signup or api: it shares the
// browser plumbing (web), the SSO session (session) and the rules (iam).
package console
