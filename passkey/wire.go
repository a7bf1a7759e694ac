package passkey

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxCeremonyBytes bounds the JSON body of a ceremony's finish request.
const MaxCeremonyBytes = 64 << 10

// Error codes of the pages' JSON ceremony endpoints (sign-in and key
// registration). The browser shows its own fixed message; these are for
// the log and the tests.
const (
	JSONErrRequest   = "request"
	JSONErrStep      = "step"
	JSONErrFailed    = "failed"
	JSONErrUser      = "user"
	JSONErrNoKeys    = "no_keys"
	JSONErrInternal  = "internal"
	JSONErrNotSigned = "not_signed_in"
	JSONErrStale     = "sign_in_again"
	JSONErrName      = "name"
	JSONErrExists    = "exists"
)

// Begun is the answer of a ceremony's begin endpoint: the ceremony's
// session handle and the options for navigator.credentials.
type Begun struct {
	Session string          `json:"session"`
	Options json.RawMessage `json:"options"`
}

// Finish is the body of a ceremony's finish request.
type Finish struct {
	Session    string          `json:"session"`
	Name       string          `json:"name"`
	Credential json.RawMessage `json:"credential"`
}

// Done is the answer of a successful finish. Exactly one field is set:
// Redirect is a local path the browser then gets; Post is a local path
// the browser then posts a form to, carrying the CSRF token in the "csrf"
// field, because what follows changes state.
type Done struct {
	Redirect string `json:"redirect,omitempty"`
	Post     string `json:"post,omitempty"`
}

// ReadFinish decodes a finish request. The caller bounds the body.
func ReadFinish(r *http.Request) (Finish, error) {
	var f Finish
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return f, fmt.Errorf("read body: %w", err)
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return f, fmt.Errorf("decode body: %w", err)
	}
	if f.Session == "" || len(f.Credential) == 0 {
		return f, errors.New("session or credential missing")
	}
	return f, nil
}
