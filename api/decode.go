package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBodyBytes is the largest request body the API reads.
const MaxBodyBytes = 64 << 10

// decodeBody decodes the JSON body of r into dst strictly: the media type
// must be application/json, the body at most MaxBodyBytes, one JSON
// object with no unknown field and nothing after it. A refusal is an
// *apiError naming the field where it can.
func decodeBody(w http.ResponseWriter, r *http.Request, dst any) error {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &apiError{status: http.StatusUnsupportedMediaType, code: codeUnsupportedMedia,
			key: msgMediaType}
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return decodeError(err)
		}
		return badInput("", msgTrailing)
	}
	return nil
}

// decodeError words a decoding failure.
func decodeError(err error) error {
	var (
		tooLarge *http.MaxBytesError
		typeErr  *json.UnmarshalTypeError
		syntax   *json.SyntaxError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &apiError{status: http.StatusRequestEntityTooLarge, code: codeTooLarge,
			key: msgTooLarge}
	case errors.Is(err, io.EOF):
		return badInput("", msgEmpty)
	case errors.As(err, &typeErr):
		if typeErr.Field == "" {
			return badInput("", msgNotObject)
		}
		return badInput(typeErr.Field, msgFieldType, typeErr.Field, jsonKind(typeErr.Type.Kind().String()))
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return badInput("", msgSyntax)
	}
	if field, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field = strings.Trim(field, `"`)
		return badInput(field, msgUnknownField, field)
	}
	return badInput("", msgUnreadable)
}

// jsonKind names the JSON type of a Go kind, for a type error.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "struct", "map":
		return "object"
	case "slice", "array":
		return "array"
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	}
	return "value of the documented type"
}
