package api

// The API's own messages: keys of the catalogue (package i18n,
// msg_api.go), answered in the language of the request's
// Accept-Language. iam's messages are passed on as iam words them.
const (
	msgNoToken       = "Send an access token as Authorization: Bearer <token>."
	msgBadToken      = "The access token is invalid, expired or revoked."
	msgNoScope       = "The access token lacks the scope %s; ask for it when signing in."
	msgNoClients     = "API client tokens are not accepted here."
	msgClientRefused = "The API client may not use the API."
	msgMediaType     = "Send the body as JSON, with Content-Type: application/json."
	msgTrailing      = "The body must be one JSON object, with nothing after it."
	msgTooLarge      = "The body is larger than 64 KiB."
	msgEmpty         = "The body is empty; send a JSON object."
	msgNotObject     = "The body must be a JSON object."
	msgFieldType     = "The field %s must be a JSON %s."
	msgSyntax        = "The body is not valid JSON."
	msgUnknownField  = "The field %s is not known here; remove it."
	msgUnreadable    = "The body could not be read as JSON."
	msgInternal      = "Something went wrong on our side; try again later."
	msgMethod        = "This endpoint does not take the method %s."
	msgNoPath        = "No API endpoint has this path."
	msgNoProfile     = "Only a signed-in user has a profile; this token is not a user's."
	msgUserReason    = "Only an operator gives a reason for a transfer; leave it out."
	msgNoBusiness    = "Send the business details to change, as business."
	msgBoolRequired  = "%s is required: true or false."
	msgPageParam     = "%s must be a whole number from 1 to %d."
	msgPageToken     = "page_token is not a token this list returned; start again without it."
	msgTimeParam     = "%s must be a time in RFC 3339 form, such as 2026-01-02T15:04:05Z."
	msgOperatorOnly  = "Only an operator may use this endpoint."
	msgTypeChosen    = "Only an operator chooses the type; API clients created through the API are standard."
)
