// Package api is Gatehouse's JSON management API under /api/v1: the
// caller's own profile, accounts, memberships, invitations, ownership
// transfer, API clients and the audit log (REQUIREMENTS.md section 11),
// described by the OpenAPI 3.1 document it serves at
// /api/v1/openapi.json.
//
// Every handler calls package iam and nothing else for a rule: the API
// checks no permission of its own, so a call is allowed exactly when the
// console would allow it. A handler's work is to decode the request, name
// the actor, call iam and encode the answer. The one exception is the
// operator's own endpoints (users, their second factor, the whole audit
// log, the installation's applications), whose iam functions take no
// actor because only an operator calls them: those handlers refuse any
// other caller with 403 first. The admin socket serves the same handler
// with the Operator authenticator, and the CLI is its client.
//
// Callers authenticate with a Gatehouse access token (Authenticator): a
// user's token needs the scope gatehouse:api; an API client's token is
// turned into an actor by the ClientActors hook. A missing, unknown,
// expired or revoked token gets 401 with WWW-Authenticate: Bearer
// error="invalid_token". The API reads no cookie, so it needs no CSRF
// token; it answers no browser form.
//
// Answers are JSON. Errors are {status, message, code, more_info}, with
// the iam code (invalid 400 with the field, forbidden 403, not_found
// 404, conflict 409). Request bodies are at most MaxBodyBytes and decoded
// strictly: an unknown field is a 400 that names it. Lists take
// page_size and page_number and answer meta {count, page_size,
// page_number, previous_page_url, next_page_url}. Times are UTC, RFC 3339.
package api
