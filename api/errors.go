package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gatehouse-id/gatehouse/iam"
)

// Error codes of the API's own refusals, beside iam's codes (invalid,
// forbidden, not_found, conflict, internal).
const (
	codeInvalidToken      = "invalid_token"
	codeInsufficientScope = "insufficient_scope"
	codeMethodNotAllowed  = "method_not_allowed"
	codeUnsupportedMedia  = "unsupported_media_type"
	codeTooLarge          = "too_large"
)

// statusOf maps iam's error codes to HTTP statuses; anything else is 500.
var statusOf = map[string]int{
	iam.CodeInvalid:   http.StatusBadRequest,
	iam.CodeForbidden: http.StatusForbidden,
	iam.CodeNotFound:  http.StatusNotFound,
	iam.CodeConflict:  http.StatusConflict,
}

// errorBody is the body of every error answer.
type errorBody struct {
	Status  int    `json:"status"`
	Message string `json:"message"`
	Code    string `json:"code"`
	// MoreInfo links to the documentation of the error codes.
	MoreInfo string `json:"more_info"`
	// Field names the input an invalid or conflicting value was in.
	Field string `json:"field,omitempty"`
	// Rule is iam's identifier of the broken rule, when it has one (such
	// as step_up_required).
	Rule string `json:"rule,omitempty"`
}

// apiError is a refusal the API words itself: a bad parameter or body.
type apiError struct {
	status int
	code   string
	field  string
	msg    string
}

// Error returns the message.
func (e *apiError) Error() string { return e.msg }

// badInput is the 400 refusal of an input named field.
func badInput(field, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: iam.CodeInvalid, field: field, msg: msg}
}

// writeJSON writes v as the JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"status":500,"code":"internal","message":"The answer could not be encoded."}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError answers err: an *iam.Error by its code, an *apiError or
// *AuthError as it says, anything else as a logged 500 whose detail
// stays in the log.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	body := errorBody{MoreInfo: h.moreInfo}
	var (
		ie *iam.Error
		ae *apiError
		au *AuthError
	)
	switch {
	case errors.As(err, &au):
		body.Status, body.Code, body.Message = au.Status, au.Code, au.Message
		challenge := `Bearer error="` + au.Code + `"`
		if au.Code == codeInsufficientScope {
			challenge += `, scope="` + ScopeAPI + `"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	case errors.As(err, &ae):
		body.Status, body.Code, body.Field, body.Message = ae.status, ae.code, ae.field, ae.msg
	case errors.As(err, &ie) && statusOf[ie.Code] != 0:
		body.Status, body.Code, body.Field, body.Rule, body.Message = statusOf[ie.Code], ie.Code, ie.Field, ie.Rule, ie.Message
		if body.Message == "" {
			body.Message = http.StatusText(body.Status)
		}
	default:
		h.logger.ErrorContext(r.Context(), "api call failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Status, body.Code, body.Message = http.StatusInternalServerError, iam.CodeInternal, "Something went wrong on our side; try again later."
	}
	writeJSON(w, body.Status, body)
}
