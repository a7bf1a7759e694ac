package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/gatehouse-id/gatehouse/i18n"
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
// Its message is a catalogue key (package i18n) with arguments, answered
// in the request's language.
type apiError struct {
	status int
	code   string
	field  string
	key    string
	args   []any
}

// Error returns the message in English.
func (e *apiError) Error() string { return fmt.Sprintf(e.key, e.args...) }

// badInput is the 400 refusal of an input named field.
func badInput(field, key string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: iam.CodeInvalid, field: field, key: key, args: args}
}

// writeJSON writes v as the JSON answer with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		w.Write([]byte(`{"status":500,"code":"internal","message":"The answer could not be encoded.","more_info":""}` + "\n"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// writeError answers err: an *iam.Error by its code, an *apiError or
// *AuthError as it says, anything else as a logged 500 whose detail
// stays in the log. The API's own messages are in the language of the
// request's Accept-Language; iam's are passed on as iam words them.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := i18n.New(i18n.Choose(nil, "", r.Header.Get("Accept-Language"), h.lang))
	w.Header().Set("Content-Language", p.Lang())
	body := errorBody{MoreInfo: h.moreInfo}
	var (
		ie *iam.Error
		ae *apiError
		au *AuthError
	)
	switch {
	case errors.As(err, &au):
		body.Status, body.Code, body.Message = au.Status, au.Code, p.T(au.Message, au.Args...)
		scope := "" // RFC 6750 section 3: name the scope that is missing
		if au.Code == codeInsufficientScope {
			scope = fmt.Sprintf(", scope=%q", ScopeAPI)
		}
		w.Header().Set("WWW-Authenticate", fmt.Sprintf("Bearer error=%q%s", au.Code, scope))
	case errors.As(err, &ae):
		body.Status, body.Code, body.Field, body.Message = ae.status, ae.code, ae.field, p.T(ae.key, ae.args...)
	case errors.As(err, &ie) && statusOf[ie.Code] != 0:
		body.Status, body.Code, body.Field, body.Rule, body.Message = statusOf[ie.Code], ie.Code, ie.Field, ie.Rule, ie.Message
		if body.Message == "" {
			body.Message = http.StatusText(body.Status)
		}
		body.Message = p.Text(body.Message)
	default:
		h.logger.ErrorContext(r.Context(), "api call failed", "method", r.Method, "path", r.URL.Path, "err", err)
		body.Status, body.Code, body.Message = http.StatusInternalServerError, iam.CodeInternal, p.T(msgInternal)
	}
	writeJSON(w, body.Status, body)
}
